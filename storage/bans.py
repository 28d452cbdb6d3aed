"""Bans made from cases: which stand, from which case, against whom."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CaseBan


class Bans:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, ban: CaseBan) -> None:
        self.session.add(ban)
        await self.session.flush()

    async def standing_from(self, case_id: int) -> CaseBan | None:
        found: CaseBan | None = await self.session.scalar(
            select(CaseBan).where(CaseBan.case_id == case_id, CaseBan.lifted_at.is_(None))
        )
        return found

    async def standing_against(self, citizen_id: int) -> bool:
        found = await self.session.scalar(
            select(CaseBan.id).where(CaseBan.citizen_id == citizen_id, CaseBan.lifted_at.is_(None))
        )
        return found is not None
