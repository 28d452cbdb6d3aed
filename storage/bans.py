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

    async def standing_for(
        self, citizen_ids: Collection[int], case_ids: Collection[int]
    ) -> Sequence[CaseBan]:
        """Standing bans that name one of `citizen_ids`, were made from one of `case_ids`, or
        keep their person sealed (few rows): whom they are against is the caller's to say."""
        against = CaseBan.citizen_id.in_(list(citizen_ids)) | CaseBan.sealed_person.is_not(None)
        if case_ids:
            against = against | CaseBan.case_id.in_(list(case_ids))
        query = select(CaseBan).where(against, CaseBan.lifted_at.is_(None))
        return (await self.session.scalars(query)).all()
