"""A case's conversation: each message kept with its ids on both sides of the relay (an
anonymous resident's side under a blind id and a masked message id), the versions of edited
messages, and a staff chat's history of the case in runs by author."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.kinds import CaseStatus, Direction, Privacy
from storage.messages import CaseMessages
from storage.models import Case, CaseMessage
from storage.sealing import is_blind, is_masked, sealer_of


@dataclass(frozen=True)
class Crossing:
    """A message as it crossed the relay, to be kept (storage.models.CaseMessage's columns)."""

    direction: Direction
    source_chat_id: int
    source_message_id: int
    target_chat_id: int | None
    target_message_id: int | None
    kind: str
    file_id: str | None
    text: str | None
    language: str | None = None
    author_id: int | None = None
    author_name: str | None = None


async def record_message(
    session: AsyncSession, case: Case, message: Crossing, now: datetime
) -> int:
    """Keep a message of `case` as it crossed the relay, with both its ids, and return the
    kept message's id; a staff reply also moves a new case to open.

    The resident's side of an anonymous case's message is kept under a blind id, never under
    the resident's chat (see `resident_side`)."""
    if message.direction is Direction.STAFF:
        if case.first_reply_at is None:
            case.first_reply_at = now
        if case.status == CaseStatus.NEW:
            case.status = CaseStatus.OPEN
    target_chat_id, target_message_id = message.target_chat_id, message.target_message_id
    if target_chat_id is not None and target_message_id is not None:
        target_chat_id, target_message_id = resident_side(
            session, case, target_chat_id, target_message_id
        )
    source_chat_id, source_message_id = resident_side(
        session, case, message.source_chat_id, message.source_message_id
    )
    kept = replace(
        message,
        source_chat_id=source_chat_id,
        source_message_id=source_message_id,
        target_chat_id=target_chat_id,
        target_message_id=target_message_id,
    )
    return await CaseMessages(session).insert(message_row(case, kept, now))


def message_row(case: Case, message: Crossing, now: datetime) -> dict[str, Any]:
    """The case_message row of `message` (its ids as they are to be stored)."""
    return vars(message) | {"case_id": case.id, "created_at": now}


def resident_side(
    session: AsyncSession, case: Case, chat_id: int, message_id: int
) -> tuple[int, int]:
    """The (chat, message) ids to store for a message at (`chat_id`, `message_id`) in `case`:
    as they are, except in a resident's private chat in an anonymous case. There the chat
    becomes a blind id, which only the key holder can compute again from the same message, and
    the message id is masked (storage.sealing): message ids count per chat, so a raw one would
    show whose sequence it fits."""
    if chat_id <= 0 or case.privacy != Privacy.ANONYMOUS:
        return chat_id, message_id
    sealer = sealer_of(session)
    blind = sealer.blind(chat_id, message_id)
    return blind, sealer.mask(blind, message_id)


def copy_in_residents_chat(session: AsyncSession, record: CaseMessage) -> int | None:
    """The message id of `record`'s copy in the resident's chat (a staff message), unmasked
    when it is kept under a blind id; None while (or if) it was not delivered."""
    if record.target_chat_id is None or record.target_message_id is None:
        return None
    if is_blind(record.target_chat_id) and is_masked(record.target_message_id):
        return sealer_of(session).unmask(record.target_chat_id, record.target_message_id)
    return record.target_message_id


@dataclass(frozen=True)
class HistoryRun:
    """Consecutive messages of a case in a staff chat by one author: `author` is the staff
    member's name, or None for the bot's own copies (they already say who wrote them)."""

    author: str | None
    message_ids: list[int]


async def history_in(session: AsyncSession, case: Case, chat_id: int) -> list[HistoryRun]:
    """The case's messages in a staff chat, oldest first (the card excluded), in runs by author."""
    runs: list[HistoryRun] = []
    seen: set[int] = set()
    for item in await CaseMessages(session).of_case(case.id):
        if item.target_chat_id == chat_id and item.target_message_id is not None:
            if item.target_message_id == case.card_message_id:
                continue
            message_id, author = item.target_message_id, None
        elif item.source_chat_id == chat_id:
            message_id, author = item.source_message_id, item.author_name or "?"
        else:
            continue
        if message_id in seen:
            continue
        seen.add(message_id)
        if runs and runs[-1].author == author:
            runs[-1].message_ids.append(message_id)
        else:
            runs.append(HistoryRun(author, [message_id]))
    return runs
