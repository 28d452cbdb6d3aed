"""Which Telegram updates were already handled, so a redelivered update does nothing twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete

from storage.db import add_once, affected_rows
from storage.models import ProcessedUpdate
from storage.rows import Repository


class UpdateLog(Repository):
    """Which Telegram updates were already handled."""

    async def claim(self, update_id: int, now: datetime) -> bool:
        """Record `update_id`; False when it was recorded before (a redelivery).

        One INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL (this runs for every
        update; storage.db.add_once).
        """
        values = {"update_id": update_id, "processed_at": now}
        return await add_once(self.session, ProcessedUpdate, values)

    async def prune(self, before: datetime) -> int:
        return await affected_rows(
            self.session, delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < before)
        )
