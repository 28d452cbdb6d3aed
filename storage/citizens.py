"""Residents: found by their Telegram id, created once however often they write first."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm.attributes import set_committed_value

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
            "last_seen_at": now,
        }
        return await add_once(self.session, Citizen, values)

    async def keep_flood_bucket(self, citizen: Citizen, tokens: float, at: datetime) -> None:
        """Write the resident's follow-up bucket (`flood_tokens`, `flood_at`) with one Core
        UPDATE, and set it on `citizen` as written: every follow-up changes it, and the unit
        of work would cost several times this statement to find and write it."""
        await self.session.execute(_FLOOD, {"row": citizen.id, "tokens": tokens, "at": at})
        set_committed_value(citizen, "flood_tokens", tokens)
        set_committed_value(citizen, "flood_at", at)


_BY_TELEGRAM_ID = select(Citizen).where(Citizen.telegram_id == bindparam("telegram_id"))
_TABLE = Citizen.core_table()
_FLOOD = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("row"))
    .values(flood_tokens=bindparam("tokens"), flood_at=bindparam("at"))
)
