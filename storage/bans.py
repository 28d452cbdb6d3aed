"""Bans made from cases: which stand, from which case, against whom."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import select

from storage.models import CaseBan
from storage.rows import Rows


class Bans(Rows[CaseBan]):
    model = CaseBan

    async def standing_from(self, case_id: int) -> CaseBan | None:
        found: CaseBan | None = await self.session.scalar(
            select(CaseBan).where(CaseBan.case_id == case_id, CaseBan.lifted_at.is_(None))
        )
        return found

    async def standing_against(self, citizen_id: int, case_ids: Collection[int] = ()) -> bool:
        """A standing ban names the resident, or was made from one of `case_ids`."""
        against = CaseBan.citizen_id == citizen_id
        if case_ids:
            against = against | CaseBan.case_id.in_(list(case_ids))
        found = await self.session.scalar(
            select(CaseBan.id).where(against, CaseBan.lifted_at.is_(None)).limit(1)
        )
        return found is not None

    async def standing_kept(self) -> Sequence[CaseBan]:
        """Standing bans whose case lost its resident: the person is kept sealed (few rows)."""
        query = select(CaseBan).where(
            CaseBan.sealed_person.is_not(None), CaseBan.lifted_at.is_(None)
        )
        return (await self.session.scalars(query)).all()
