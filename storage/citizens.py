"""Residents: found by their Telegram id, created once however often they write first."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select

from storage.db import add_once
from storage.models import Citizen
from storage.rows import Rows


class Citizens(Rows[Citizen]):
    model = Citizen

    async def by_telegram_id(self, telegram_id: int) -> Citizen | None:
        """(Runs for every update from a private chat: the statement is built once.)"""
        return (await self.session.scalars(_BY_TELEGRAM_ID, {"telegram_id": telegram_id})).first()

    async def add_if_missing(
        self,
        *,
        telegram_id: int,
        chat_id: int,
        first_name: str,
        username: str | None,
        language: str,
        now: datetime,
        seen_on: datetime,
    ) -> bool:
        """Create the resident unless they exist; True when this call created them."""
        values = {
            "telegram_id": telegram_id,
            "chat_id": chat_id,
            "first_name": first_name,
            "username": username,
            "language": language,
            "blocked_bot": False,
            "created_at": now,
            "last_seen_at": seen_on,
        }
        return await add_once(self.session, Citizen, values)


_BY_TELEGRAM_ID = select(Citizen).where(Citizen.telegram_id == bindparam("telegram_id"))
