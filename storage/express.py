"""The express lane's reads and writes, on the driver (storage.driver): the resident, whether a
ban stands against them and their open cases in one query; the update's claim, the message and
its outbox rows written together. The same tables, columns and conversions as the repositories;
only SQLAlchemy's execution layer is left out (see bot.workflows.express for when this path is
taken, and why).

- SQLite: one transaction on the event loop's connection: the claim (which starts it), the
  read, the message, the outbox rows, COMMIT. Statements cost microseconds there.
- PostgreSQL: each statement is a round trip to the server, so there are two: the read (which
  also draws the message's id from its sequence), then one statement that claims the update and,
  only if that claim is new, inserts the message and the outbox rows. A single statement is
  atomic on its own: no BEGIN and COMMIT round trips.

Like every repository this module never decides to commit: `Unit.write` is the caller's, and
nothing is written before it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Protocol, TypeVar

from sqlalchemy import (
    Integer,
    Select,
    and_,
    bindparam,
    exists,
    func,
    insert,
    literal_column,
    select,
    values,
)
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import class_mapper
from sqlalchemy.sql.expression import column
from sqlalchemy.util import greenlet_spawn

from bot.kinds import CaseStatus
from storage.db import ignoring_duplicates
from storage.driver import Prepared
from storage.models import Case, CaseBan, CaseMessage, Citizen, OutboxMessage, ProcessedUpdate

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
NEXT_ID = "next_message_id_"
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


class ConnectionLostError(Exception):
    """The database connection broke under the express lane (a server restart): nothing was
    written, and the pool will connect afresh."""


def _read(dialect: Dialect) -> Select[Any]:
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
        # Whether the update was handled before (so a redelivery takes nothing, not even a
        # follow-up of the limit; the write's claim still settles a race), and the message's id.
        updates = ProcessedUpdate.core_table()
        seen = exists().where(updates.c.update_id == bindparam("update_id"))
        sequence = func.pg_get_serial_sequence(CaseMessage.__tablename__, "id")
        extra += [seen.label(SEEN), func.nextval(sequence).label(NEXT_ID)]
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


def _found(records: list[dict[str, Any]]) -> tuple[Found, int | None] | None:
    """The read's rows as what they say, and the message id drawn (PostgreSQL)."""
    if not records:
        return None
    first = records[0]
    cases = [
        untracked(Case, {key: record[label] for label, key in _CASE_KEYS})
        for record in records
        if record[CASE + "id"] is not None
    ]
    citizen = untracked(Citizen, {key: first[key] for key in _CITIZEN_KEYS})
    return Found(citizen, bool(first[BANNED]), cases), first.get(NEXT_ID)


class Unit(Protocol):
    """One update's work in the express lane; nothing is written before `write`."""

    async def read(self, update_id: int, telegram_id: int, now: datetime) -> Found | None:
        """The resident and their cases; None for an unknown resident or an update handled
        before."""

    async def add_message(self, values: dict[str, Any]) -> int:
        """A case_message row to write; its id."""

    async def write(self, outbox: Sequence[dict[str, Any]]) -> bool:
        """Write the claim, the message and `outbox`, all or nothing; False when the update
        had been handled before (nothing written)."""


class SqliteUnit:
    """A transaction on the event loop's sqlite3 connection (storage.sqlite)."""

    def __init__(self, connection: Any, dialect: Dialect) -> None:
        self.connection = connection
        self.s = _sqlite_statements(dialect)
        self.committed = False

    async def read(self, update_id: int, telegram_id: int, now: datetime) -> Found | None:
        claim = self.s.claim
        values = {"update_id": update_id, "processed_at": now}
        if not self.connection.execute(claim.sql, claim.parameters(values)).rowcount:
            return None
        read = self.s.read
        rows = self.connection.execute(read.sql, read.parameters({"telegram_id": telegram_id}))
        found = _found([read.record(row) for row in rows.fetchall()])
        return None if found is None else found[0]

    async def add_message(self, values: dict[str, Any]) -> int:
        message = self.s.message
        row = self.connection.execute(message.sql, message.parameters(values)).fetchone()
        return int(row[0])

    async def write(self, outbox: Sequence[dict[str, Any]]) -> bool:
        prepared = self.s.outbox
        self.connection.executemany(prepared.sql, [prepared.parameters(row) for row in outbox])
        self.connection.commit()
        self.committed = True
        return True

    async def abandon(self) -> None:
        if not self.committed:
            self.connection.rollback()


@dataclass(frozen=True)
class _SqliteStatements:
    claim: Prepared
    read: Prepared
    message: Prepared
    outbox: Prepared


@cache
def _sqlite_statements(dialect: Dialect) -> _SqliteStatements:
    messages = CaseMessage.core_table()
    claim = ignoring_duplicates("sqlite", ProcessedUpdate.core_table())
    assert claim is not None
    return _SqliteStatements(
        claim=Prepared.of(claim, dialect, ("update_id", "processed_at")),
        read=Prepared.of(_read(dialect), dialect),
        message=Prepared.of(insert(messages).returning(messages.c.id), dialect, MESSAGE_KEYS),
        outbox=Prepared.of(insert(OutboxMessage.core_table()), dialect, OUTBOX_KEYS),
    )


class AsyncpgUnit:
    """Two round trips on the connection's asyncpg driver, each statement on its own."""

    def __init__(self, connection: Any, dialect: Dialect) -> None:
        self.connection = connection
        self.dialect = dialect
        self.update_id = 0
        self.now: datetime | None = None
        self.next_id: int | None = None
        self.message: dict[str, Any] | None = None

    async def read(self, update_id: int, telegram_id: int, now: datetime) -> Found | None:
        self.update_id, self.now = update_id, now
        read = _postgresql_read(self.dialect)
        keys = {"telegram_id": telegram_id, "update_id": update_id}
        rows = await self.connection.fetch(read.sql, *read.parameters(keys))
        records = [read.record(row) for row in rows]
        found = _found(records)
        if found is None or records[0][SEEN]:
            return None
        result, self.next_id = found
        return result

    async def add_message(self, values: dict[str, Any]) -> int:
        assert self.next_id is not None
        self.message = values | {"id": self.next_id}
        return self.next_id

    async def write(self, outbox: Sequence[dict[str, Any]]) -> bool:
        statement = _postgresql_write(self.dialect, self.message is not None, len(outbox))
        parameters: dict[str, Any] = {"update_id": self.update_id, "processed_at": self.now}
        for key, value in (self.message or {}).items():
            parameters[f"m_{key}"] = value
        for number, row in enumerate(outbox):
            for key in OUTBOX_KEYS:
                parameters[f"o{number}_{key}"] = row.get(key)
        claimed = await self.connection.fetchval(statement.sql, *statement.parameters(parameters))
        return bool(claimed)

    async def abandon(self) -> None:
        """Nothing to undo: nothing is written before `write`, which is one statement."""


@cache
def _postgresql_read(dialect: Dialect) -> Prepared:
    return Prepared.of(_read(dialect), dialect)


@cache
def _postgresql_write(dialect: Dialect, with_message: bool, rows: int) -> Prepared:
    """Claim the update; only if the claim is new, add the message and `rows` outbox rows (in
    their order: they are numbered, and inserted sorted by number, so their ids follow it)."""
    updates = ProcessedUpdate.core_table()
    claim = ignoring_duplicates("postgresql", updates)
    assert claim is not None
    claimed = (
        claim.values(update_id=bindparam("update_id"), processed_at=bindparam("processed_at"))
        .returning(updates.c.update_id)
        .cte("claim")
    )
    ctes = []
    if with_message:
        messages = CaseMessage.core_table()
        keys = ("id", *MESSAGE_KEYS)
        message = select(*(bindparam(f"m_{k}", type_=messages.c[k].type) for k in keys))
        ctes.append(
            insert(messages).from_select(keys, message.select_from(claimed)).cte("message")
        )
    if rows:
        table = OutboxMessage.core_table()
        typed = [column(key, table.c[key].type) for key in OUTBOX_KEYS]
        listed = values(*typed, column("number_", Integer), name="listed").data(
            [
                (*(bindparam(f"o{n}_{key}", type_=table.c[key].type) for key in OUTBOX_KEYS), n)
                for n in range(rows)
            ]
        )
        chosen = (
            select(*(listed.c[key] for key in OUTBOX_KEYS))
            .where(exists(select(literal_column("1")).select_from(claimed)))
            .order_by(listed.c.number_)
        )
        ctes.append(insert(table).from_select(OUTBOX_KEYS, chosen).cte("outbox"))
    return Prepared.of(select(func.count()).select_from(claimed).add_cte(*ctes), dialect)


class ExpressRows:
    """The express lane's units on the driver of one of `engine`'s pooled connections."""

    def __init__(self, engine: AsyncEngine) -> None:
        if engine.dialect.name not in ("sqlite", "postgresql"):
            msg = f"the express lane runs on SQLite and PostgreSQL, not {engine.dialect.name}"
            raise ValueError(msg)
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        # Compiled now, so a statement that does not compile stops the start, not an update.
        if self.sqlite:
            _sqlite_statements(engine.dialect)
        else:
            _postgresql_read(engine.dialect)
            _postgresql_write(engine.dialect, True, 1)

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[Unit]:
        """One update's unit of work; whatever it leaves unwritten is rolled back."""
        pooled = await self.engine.raw_connection()
        driver = pooled.driver_connection
        assert driver is not None  # a pooled connection that is not closed
        dialect = self.engine.dialect
        unit = SqliteUnit(driver.sqlite, dialect) if self.sqlite else AsyncpgUnit(driver, dialect)
        try:
            try:
                yield unit
            finally:
                await unit.abandon()
        except Exception as exc:
            if not self.sqlite and _connection_error(exc):
                await greenlet_spawn(pooled.invalidate)
                raise ConnectionLostError from exc
            raise
        finally:
            await greenlet_spawn(pooled.close)  # back to the pool


def _connection_error(exc: Exception) -> bool:
    """asyncpg's errors for a connection that is gone (imported only on PostgreSQL)."""
    import asyncpg

    lost = (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError)
    return isinstance(exc, lost)
