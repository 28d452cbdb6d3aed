"""Bans by case. A ban is made from one case and hides who it concerns: staff learn nothing
about the person behind a case from /ban or /unban, whatever that person's state. The resident
is banned while any ban made from one of their cases stands."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.bans import Bans
from storage.models import Case, CaseBan, Citizen


async def ban(
    session: AsyncSession, case: Case, citizen: Citizen, by: int | None, now: datetime
) -> bool:
    """Ban the resident behind `case`; False if a ban from this case stood already."""
    repo = Bans(session)
    if await repo.standing_from(case.id) is not None:
        return False
    await repo.add(CaseBan(case_id=case.id, citizen_id=citizen.id, banned_by=by, created_at=now))
    citizen.banned = True
    return True


async def unban(
    session: AsyncSession, case: Case, citizen: Citizen, by: int | None, now: datetime
) -> bool:
    """Lift the ban made from `case`; False if none was made here. A ban made from another case
    of the same resident stands (and nobody is told whether there is one)."""
    repo = Bans(session)
    standing = await repo.standing_from(case.id)
    if standing is None:
        return False
    standing.lifted_at, standing.lifted_by = now, by
    citizen.banned = await repo.standing_against(citizen.id)
    return True
