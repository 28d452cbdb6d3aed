"""What the express lane reads and writes (storage.express): the resident, whether a ban names
them and their open cases in one query, the objects that stand for what it found, and the
columns of the rows it writes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, and_, bindparam, exists, select
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.orm import class_mapper

from bot.kinds import CaseStatus
from storage.models import Case, CaseBan, CaseMessage, Citizen, ProcessedUpdate

# The outbox row's columns as bot.telegram.outbox.Outbox writes them for a text message.
OUTBOX_KEYS = (
    "lane",
    "method",
    "payload",
    "priority",
    "case_id",
    "into_topic",
    "status",
    "attempts",
    "not_before",
    "possibly_repeated",
    "created_at",
    "guarantee",
    "effect",
    "effect_data",
)
MESSAGE_KEYS = tuple(c.key for c in CaseMessage.core_table().columns if c.key != "id")
BANNED = "banned_"  # the read's extra columns
SEEN = "seen_"
CASE = "case__"  # the prefix of the case's columns in the read
Model = TypeVar("Model", Case, Citizen)


@dataclass(frozen=True)
class Found:
    """What the read found: the resident (untracked), whether a ban stands that names them or
    is kept sealed, and up to two of their named open cases, newest first (untracked)."""

    citizen: Citizen
    banned: bool
    cases: list[Case]


def untracked(model: type[Model], record: dict[str, Any]) -> Model:
    """A `model` object holding `record`, as a loaded one would, that no session tracks: its
    columns are read as usual, and nothing of it is ever written back. (Through the model's
    constructor, each column would be an instrumented assignment: a fifth of the lane's time.)"""
    instance: Model = class_mapper(model).class_manager.new_instance()
    instance.__dict__.update(record)
    return instance


def read_statement(dialect: Dialect) -> Select[Any]:
    """The resident by Telegram id, whether a ban stands that names them or is kept sealed
    (whom a sealed one names takes the key and the full path: bot.domain.bans), and their
    named open cases as in storage.cases.Cases.of_citizen: one row per case (at most two)."""
    citizen, case, bans = Citizen.core_table(), Case.core_table(), CaseBan.core_table()
    banned = exists().where(
        bans.c.lifted_at.is_(None),
        (bans.c.citizen_id == citizen.c.id) | bans.c.sealed_person.is_not(None),
    )
    extra = [banned.label(BANNED)]
    if dialect.name == "postgresql":
        # Whether the update was handled before, so a redelivery takes nothing, not even a
        # follow-up of the limit (the write's claim still settles a race).
        updates = ProcessedUpdate.core_table()
        seen = exists().where(updates.c.update_id == bindparam("update_id"))
        extra.append(seen.label(SEEN))
    open_case = and_(case.c.citizen_id == citizen.c.id, case.c.status != CaseStatus.CLOSED)
    return (
        select(*citizen.columns, *extra, *(c.label(CASE + c.key) for c in case.columns))
        .select_from(citizen.outerjoin(case, open_case))
        .where(citizen.c.telegram_id == bindparam("telegram_id"))
        .order_by(case.c.created_at.desc(), case.c.id.desc())
        .limit(2)
    )


_CITIZEN_KEYS = tuple(c.key for c in Citizen.core_table().columns)
_CASE_KEYS = tuple((CASE + c.key, c.key) for c in Case.core_table().columns)


def found_in(records: list[dict[str, Any]]) -> Found | None:
    """The read's rows as what they say."""
    if not records:
        return None
    first = records[0]
    cases = [
        untracked(Case, {key: record[label] for label, key in _CASE_KEYS})
        for record in records
        if record[CASE + "id"] is not None
    ]
    citizen = untracked(Citizen, {key: first[key] for key in _CITIZEN_KEYS})
    return Found(citizen, bool(first[BANNED]), cases)
