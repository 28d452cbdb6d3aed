"""Residents: found by their Telegram id, created once however often they write first."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import insert_ignoring_duplicates, inserted
from storage.models import (
    Citizen,
)


class Citizens:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_id(self, citizen_id: int) -> Citizen | None:
        return await self.session.get(Citizen, citizen_id)

    async def by_telegram_id(self, telegram_id: int) -> Citizen | None:
        """(Runs for every update from a private chat: the statement is built once.)"""
        return (await self.session.scalars(_BY_TELEGRAM_ID, {"telegram_id": telegram_id})).first()

    async def add(self, citizen: Citizen) -> Citizen:
        self.session.add(citizen)
        await self.session.flush()
        return citizen

    async def add_if_missing(
        self,
        *,
        telegram_id: int,
        chat_id: int,
        first_name: str,
        username: str | None,
        language: str,
        now: datetime,
    ) -> bool:
        """Create the resident unless they exist; True when this call created them."""
        values = {
            "telegram_id": telegram_id,
            "chat_id": chat_id,
            "first_name": first_name,
            "username": username,
            "language": language,
            "blocked_bot": False,
            "banned": False,
            "created_at": now,
            "last_seen_at": now,
        }
        insert = insert_ignoring_duplicates(self.session, Citizen)
        if insert is None:  # other databases: the portable savepoint route
            try:
                async with self.session.begin_nested():
                    self.session.add(Citizen(**values))
            except IntegrityError:
                return False
            return True
        return bool(await inserted(self.session, insert, values))


_BY_TELEGRAM_ID = select(Citizen).where(Citizen.telegram_id == bindparam("telegram_id"))
