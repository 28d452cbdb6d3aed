"""One transaction and outbox per update: what a handler writes is committed first, then sent
by the courier; the wizard state is saved after the commit; an update seen before is skipped,
and one whose database connection died is handled again on a fresh one."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.types import TelegramObject, Update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.telegram.outbox import Outbox
from handlers.middlewares import Handler
from handlers.pending_state import PendingStates, held_back
from storage.db import lost_connection
from storage.updates import UpdateLog

logger = logging.getLogger(__name__)


class DatabaseMiddleware(BaseMiddleware):
    """One transaction per update; what it sends is written to the outbox and leaves after the
    commit, and the wizard state it sets is saved after the commit too (nothing of either
    when it rolls back). An update seen before is skipped.

    Handlers never wait for Telegram inside the transaction. The one call made here is the
    callback answer (answerCallbackQuery), after the commit: it is the answer itself and is
    worth nothing later, so it is not stored.
    """

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        clock: Clock,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self.session_factory = session_factory
        self.clock = clock
        self.wake = wake

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        # What the first try wraps (the wizard state, see _pending_state) is put back for a second.
        unwrapped: dict[str, Any] = {k: data[k] for k in ("state", "fsm_storage") if k in data}
        try:
            return await self._handle(handler, event, data)
        except DBAPIError as exc:
            if not lost_connection(exc):
                raise
        # The connection died (a server restart, a killed backend): the transaction went with
        # it, and SQLAlchemy has renewed the pool. Nothing of the first try was committed,
        # sent or saved, so the update is handled again from the start, once. A COMMIT that
        # reached the server before the connection broke is caught by the update's claim.
        logger.warning(
            "update %s: the database connection was lost; handling it again", _id(event)
        )
        data.update(unwrapped)
        return await self._handle(handler, event, data)

    async def _handle(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self.session_factory() as session:
            if isinstance(event, Update) and not await UpdateLog(session).claim(
                event.update_id, self.clock.now()
            ):
                logger.info("update %d was handled before; skipped", event.update_id)
                await session.rollback()
                return UNHANDLED
            outbox = Outbox(session, data["bot"], self.clock)
            data["session"], data["outbox"] = session, outbox
            pending = _pending_state(data)
            try:
                result = await handler(event, data)
            except BaseException:
                await session.rollback()
                raise
            await session.commit()
        if pending is not None:
            await save_state(pending, event)
        if outbox.written:
            self.wake()
        await after_commit(data["bot"], outbox)
        return result


async def after_commit(bot: Bot, outbox: Outbox) -> None:
    """Made once after the commit and never stored: callback answers, and courtesy calls."""
    for call in [*outbox.callback_answers, *outbox.courtesies]:
        try:
            await bot(call)
        except TelegramAPIError as exc:  # too late, already answered, or cosmetic
            logger.info("%s refused: %s", call.__api_method__, exc.message)


def _pending_state(data: dict[str, Any]) -> PendingStates | None:
    """The update's wizard state, written only after its commit (see handlers.pending_state)."""
    state = data.get("state")
    if not isinstance(state, FSMContext):
        return None
    pending, data["state"] = held_back(state)
    data["fsm_storage"] = pending
    return pending


async def save_state(pending: PendingStates, event: TelegramObject) -> None:
    """After the commit: a storage that fails now leaves the conversation a step behind the
    database (the resident repeats the step), never ahead of it."""
    try:
        await pending.flush()
    except Exception:
        logger.exception("update %s: the conversation state could not be saved", _id(event))


def _id(event: TelegramObject) -> int | None:
    return event.update_id if isinstance(event, Update) else None
