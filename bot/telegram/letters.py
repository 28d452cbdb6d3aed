"""What the courier hands around: the chat a message goes to, the letters it sends, their
outcomes, and the protocols the workflows implement for it (topics, effects, composers).

`delivering()` tells the retry middleware that a call is the courier's own: the courier does
its own retrying, by the row's guarantee.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
)
from aiogram.methods import TelegramMethod
from aiogram.types import Message, MessageId
from sqlalchemy.ext.asyncio import AsyncSession

from bot.kinds import OutboxStatus
from bot.telegram.outbox import Outbox
from storage.models import OutboxMessage

TEXT_LIMIT = 4096
MAX_BACKOFF = timedelta(minutes=5)
SETUP_BACKOFF = timedelta(minutes=1)

_delivering: ContextVar[bool] = ContextVar("beatline_delivering", default=False)


def delivering() -> bool:
    """True inside the courier's calls (the retry middleware leaves those to the courier)."""
    return _delivering.get()


@contextmanager
def as_courier() -> Any:
    token = _delivering.set(True)
    try:
        yield
    finally:
        _delivering.reset(token)


class TopicGone(Exception):  # noqa: N818 - a state, not an error of ours
    """The case the message belongs to no longer exists (erased): nothing to deliver to."""


@dataclass(frozen=True)
class Where:
    chat_id: int
    thread_id: int


class Topics(Protocol):
    """Keeps each case's forum topic (workflows implement it; the courier only asks)."""

    async def ensure(self, case_id: int, send: Sender) -> Where: ...

    async def located(self, case_ids: set[int]) -> dict[int, Where]:
        """The topics of those cases that have one with its card, in one look."""
        ...

    async def lost(self, case_id: int, where: Where) -> None: ...


@dataclass(frozen=True)
class Failure:
    """Why a message was given up."""

    reason: str
    blocked: bool = False  # a private chat answered 403: the person blocked the bot
    unknown: bool = False  # an at-most-once message was interrupted: it may have arrived


@dataclass(frozen=True)
class Answered:
    """A row Telegram answered, as an effect sees it: changes go into `session`, the
    courier's transaction, and further messages onto `outbox`."""

    session: AsyncSession
    outbox: Outbox
    row: OutboxMessage


@dataclass(frozen=True)
class Sent(Answered):
    chat_id: int
    message_ids: list[int]


@dataclass(frozen=True)
class Failed(Answered):
    failure: Failure


class Effect(Protocol):
    """What a message's delivery changes, recorded in the courier's transaction."""

    async def sent(self, sent: Sent) -> None: ...

    async def failed(self, failed: Failed) -> None: ...


@runtime_checkable
class Prepares(Protocol):
    """An effect that reads what a whole batch needs at once, before its rows' `sent`. It
    returns what it read: the courier holds that until the commit, since a session keeps
    only weak references to unchanged objects."""

    async def prepare(self, session: AsyncSession, rows: Sequence[OutboxMessage]) -> object: ...


@dataclass(frozen=True)
class Call:
    method: TelegramMethod[Any]
    cosmetic: bool = False  # a refusal is logged, not a failure (titles, pins, reactions)


Sender = Callable[[TelegramMethod[Any]], Awaitable[Any]]
# Puts a `beatline.*` message together when it is sent: it may read the database, make
# preparatory calls with `send` (e.g. create a topic), and returns the calls still to make.
Composer = Callable[[OutboxMessage, "Where | None", Sender], Awaitable[list[Call]]]


@dataclass
class Letter:
    """What goes out as one Bot API message: one outbox row, or several merged texts."""

    rows: list[OutboxMessage]

    @property
    def first(self) -> OutboxMessage:
        return self.rows[0]

    def merged_text(self) -> str:
        return "\n\n".join(merge_part(row) for row in self.rows)


def merge_part(row: OutboxMessage) -> str:
    part = (row.effect_data or {}).get("merge") or {}
    return f"<i>{part.get('head', '')}</i>\n{part.get('html', '')}"


def mergeable(row: OutboxMessage) -> bool:
    return bool(row.into_topic and (row.effect_data or {}).get("merge"))


@dataclass
class Outcome:
    letter: Letter
    ids: list[int] = field(default_factory=list)
    chat_id: int = 0
    retry_at: datetime | None = None
    error: str | None = None
    failure: Failure | None = None  # set when the letter is given up

    @property
    def final(self) -> OutboxStatus | None:
        if self.failure is None:
            return None
        return OutboxStatus.UNKNOWN if self.failure.unknown else OutboxStatus.FAILED


def given_up(letter: Letter, reason: str, **flags: bool) -> Outcome:
    return Outcome(letter, error=reason, failure=Failure(reason, **flags))


def message_ids(result: Any) -> list[int]:
    if isinstance(result, Message | MessageId):
        return [result.message_id]
    if isinstance(result, list):
        return [item.message_id for item in result if isinstance(item, Message | MessageId)]
    return []


def backoff(attempts: int) -> timedelta:
    """2, 4, 8 … seconds after the first, second, third … failed attempt, at most 5 minutes."""
    return min(MAX_BACKOFF, timedelta(seconds=2 ** min(attempts, 10)))


def setup_problem(error: TelegramAPIError, lane: int) -> bool:
    """A desk group the bot cannot post in until an admin fixes it: wait, never give up."""
    if lane > 0:
        return False
    text = error.message.lower()
    return isinstance(error, TelegramForbiddenError | TelegramNotFound) or any(
        sign in text for sign in ("not enough rights", "chat not found", "chat_admin_required")
    )


def topic_gone(error: TelegramBadRequest) -> bool:
    text = error.message.lower()
    return any(m in text for m in ("thread not found", "topic_deleted", "topic_id_invalid"))
