"""Bans made from cases: which stand, from which case, against whom."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import Row, bindparam, select

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
    ) -> Sequence[Row[tuple[int, int | None, int, str | None]]]:
        """Standing bans (id, citizen_id, case_id, sealed_person) that name one of
        `citizen_ids`, were made from one of `case_ids`, or keep their person sealed (few rows):
        whom they are against is the caller's to say. (Asked for every message a resident
        sends: the statement is built once.)"""
        found = await self.session.execute(
            _STANDING_FOR, {"citizens": list(citizen_ids), "cases": list(case_ids)}
        )
        return found.all()


_STANDING_FOR = select(
    CaseBan.id, CaseBan.citizen_id, CaseBan.case_id, CaseBan.sealed_person
).where(
    CaseBan.lifted_at.is_(None),
    CaseBan.citizen_id.in_(bindparam("citizens", expanding=True))
    | CaseBan.case_id.in_(bindparam("cases", expanding=True))
    | CaseBan.sealed_person.is_not(None),
)
