"""Which Telegram updates were already handled, so a redelivered update does nothing twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import affected_rows, insert_ignoring_duplicates, inserted
from storage.models import (
    ProcessedUpdate,
)


class UpdateLog:
    """Which Telegram updates were already handled."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, update_id: int, now: datetime) -> bool:
        """Record `update_id`; False when it was recorded before (a redelivery).

        One INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL (this runs for every
        update); other databases take the portable savepoint route.
        """
        values = {"update_id": update_id, "processed_at": now}
        insert = insert_ignoring_duplicates(self.session, ProcessedUpdate)
        if insert is not None:
            return bool(await inserted(self.session, insert, values))
        if await self.session.get(ProcessedUpdate, update_id) is not None:
            return False
        try:
            async with self.session.begin_nested():
                self.session.add(ProcessedUpdate(**values))
        except IntegrityError:
            return False
        return True

    async def prune(self, before: datetime) -> int:
        return await affected_rows(
            self.session, delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < before)
        )
