"""Per-update plumbing: a database session with redelivery protection, and the citizen."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import Chat, TelegramObject, Update, User
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.services.citizens import Profile, touch
from storage.repositories import Citizens, UpdateLog

logger = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class DatabaseMiddleware(BaseMiddleware):
    """One session per update, committed on success; an update seen before is skipped."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self.session_factory = session_factory
        self.clock = clock

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self.session_factory() as session:
            if isinstance(event, Update) and not await UpdateLog(session).claim(
                event.update_id, self.clock.now()
            ):
                logger.info("update %d was handled before; skipped", event.update_id)
                await session.rollback()
                return UNHANDLED
            data["session"] = session
            try:
                result = await handler(event, data)
            except BaseException:
                await session.rollback()
                raise
            await session.commit()
            return result


class CitizenMiddleware(BaseMiddleware):
    """Puts the known citizen of a private chat into `data["citizen"]` (None if unknown)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        chat: Chat | None = data.get("event_chat")
        user: User | None = data.get("event_from_user")
        data["citizen"] = None
        if chat is not None and chat.type == "private" and user is not None and not user.is_bot:
            session: AsyncSession = data["session"]
            citizen = await Citizens(session).by_telegram_id(user.id)
            if citizen is not None:
                touch(citizen, profile_of(user, chat), self.clock.now())
            data["citizen"] = citizen
        return await handler(event, data)


def profile_of(user: User, chat: Chat) -> Profile:
    return Profile(
        telegram_id=user.id, chat_id=chat.id, first_name=user.first_name, username=user.username
    )
