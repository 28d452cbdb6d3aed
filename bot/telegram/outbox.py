"""Writing outgoing messages into the current database transaction (design: commit, then send).

A handler builds the Bot API call it means, e.g. `message.answer(text)`, and hands it to
`Outbox.send` instead of awaiting it. The call is stored as it would go over the wire (bot
defaults such as the HTML parse mode resolved), in the same transaction as the case or message
it belongs to; the courier sends it after the commit. Nothing here talks to Telegram.

`Outbox.answer` is for the one kind of call that is the answer itself and worth nothing later:
answerCallbackQuery. It is made right after the commit and never stored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiogram.methods
from aiogram import Bot
from aiogram.methods import TelegramMethod
from aiogram.types import BufferedInputFile, InputFile
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.kinds import Guarantee, OutboxStatus, Priority, Privacy
from storage.models import Case, OutboxMessage
from storage.outbox import queue
from storage.outbox_sealing import seal_for_resident
from storage.sealing import sealer_of

COMPOSED = "beatline."
ATTACHED = "attach://"

METHODS: dict[str, type[TelegramMethod[Any]]] = {
    cls.__api_method__: cls
    for cls in vars(aiogram.methods).values()
    if isinstance(cls, type)
    and issubclass(cls, TelegramMethod)
    and isinstance(getattr(cls, "__api_method__", None), str)
}


def serialize(method: TelegramMethod[Any], bot: Bot) -> tuple[dict[str, Any], InputFile | None]:
    """The method's fields as JSON, defaults resolved as aiogram would send them; its file."""
    files: dict[str, InputFile] = {}
    payload: dict[str, Any] = {}
    prepare = bot.session.prepare_value
    for key in type(method).model_fields:
        given = getattr(method, key)
        if given is None:  # most fields of a call: nothing to prepare, nothing stored
            continue
        value = prepare(given, bot=bot, files=files, _dumps_json=False)
        if value is not None:
            payload[key] = value
    if len(files) > 1:
        msg = f"{method.__api_method__}: one uploaded file per outbox message"
        raise ValueError(msg)
    return payload, next(iter(files.values()), None)


def rebuild(row: OutboxMessage) -> TelegramMethod[Any]:
    """The stored call, ready to be awaited through a Bot."""
    payload = dict(row.payload)
    if row.attachment is not None:
        for key, value in payload.items():
            if isinstance(value, str) and value.startswith(ATTACHED):
                payload[key] = BufferedInputFile(row.attachment, row.attachment_name or "file")
    return METHODS[row.method].model_validate(payload)


def _bytes_of(file: InputFile) -> bytes:
    if isinstance(file, BufferedInputFile):
        return file.data
    msg = f"only in-memory files can wait in the outbox, not {type(file).__name__}"
    raise TypeError(msg)


class Outbox:
    """The messages the current transaction decided to send: queued in `session`, or without
    one kept in `rows` for a transaction that writes them itself (bot.workflows.express)."""

    def __init__(self, session: AsyncSession | None, bot: Bot, clock: Clock) -> None:
        self.session = session
        self.bot = bot
        self.clock = clock
        self.callback_answers: list[TelegramMethod[Any]] = []
        self.courtesies: list[TelegramMethod[Any]] = []
        self.rows: list[dict[str, Any]] = []
        self.written = 0

    def send(
        self,
        method: TelegramMethod[Any],
        *,
        case: Case | None = None,
        into_topic: bool = False,
        priority: Priority = Priority.INTERACTIVE,
        guarantee: Guarantee = Guarantee.AT_LEAST_ONCE,
        effect: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        """Queue `method`; `into_topic` sends it into `case`'s current topic (made if need be)."""
        if into_topic and case is None:
            msg = "a message into a topic needs its case"
            raise ValueError(msg)
        payload, file = serialize(method, self.bot)
        lane = case.staff_chat_id if into_topic and case is not None else payload.get("chat_id")
        if not isinstance(lane, int):
            msg = f"{method.__api_method__} has no numeric chat_id to queue it by"
            raise TypeError(msg)
        row = self._row(method.__api_method__, lane, payload, case, into_topic, priority)
        row |= {"guarantee": guarantee, "effect": effect, "effect_data": data}
        if file is not None:
            row |= {
                "attachment": _bytes_of(file),
                "attachment_name": getattr(file, "filename", None),
            }
        self._add(row, case)

    def compose(
        self,
        name: str,
        lane: int,
        payload: dict[str, Any],
        *,
        case: Case | None = None,
        into_topic: bool = False,
        effect: str | None = None,
        data: dict[str, Any] | None = None,
        not_before: datetime | None = None,
    ) -> None:
        """Queue a message whose content is put together when it is sent (see Courier), at
        once or at `not_before`; interactive, and sent again if a crash leaves it in doubt."""
        row = self._row(COMPOSED + name, lane, payload, case, into_topic, Priority.INTERACTIVE)
        row |= {"guarantee": Guarantee.AT_LEAST_ONCE, "effect": effect, "effect_data": data}
        if not_before is not None:
            row["not_before"] = not_before
        self._add(row, case)

    def answer(self, method: TelegramMethod[Any]) -> None:
        """A callback answer: made right after the commit, never stored."""
        self.callback_answers.append(method)

    def courtesy(self, method: TelegramMethod[Any]) -> None:
        """A cosmetic call (a reaction): made once right after the commit (by the courier for
        its effects, by the session middleware for a handler), never stored, so it costs no
        outbox row; lost if the process stops first, and a refusal is only logged."""
        self.courtesies.append(method)

    def _row(
        self,
        method: str,
        lane: int,
        payload: dict[str, Any],
        case: Case | None,
        into_topic: bool,
        priority: Priority,
    ) -> dict[str, Any]:
        """The outbox row's columns (storage.models.OutboxMessage)."""
        now = self.clock.now()
        return {
            "lane": lane,
            "method": method,
            "payload": payload,
            "priority": priority,
            "case_id": case.id if case is not None else None,
            "into_topic": into_topic,
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "not_before": now,
            "possibly_repeated": False,
            "created_at": now,
        }

    def _add(self, row: dict[str, Any], case: Case | None) -> None:
        anonymous = case is not None and case.privacy == Privacy.ANONYMOUS
        if self.session is None:
            if anonymous:
                msg = "an anonymous case's messages are sealed in a session's outbox"
                raise ValueError(msg)
            self.rows.append(row)
        else:
            if anonymous and row["lane"] > 0:
                # To an anonymous case's resident: no row at rest names their chat and the case.
                seal_for_resident(sealer_of(self.session), row)
            queue(self.session, row)
        self.written += 1
