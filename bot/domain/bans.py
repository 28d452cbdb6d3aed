"""Bans by case. A ban is made from one case and hides who it concerns: staff learn nothing
about the person behind a case from /ban or /unban, whatever that person's state. The resident
is banned while any ban made from one of their cases stands; that is worked out from the bans
each time it is asked, never stored on the resident (a flag there would name, in a dump, the
person an anonymous case's ban was made against).

A ban row names the resident only for a named case; for an anonymous case the case's seal says
who it is. A ban that stands when its case loses its resident (/forget, or the retention period)
keeps the person's Telegram id sealed (`sealed_person`), so someone who erases their data and
starts again is still banned."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.bans import Bans
from storage.citizens import Citizens
from storage.models import Case, CaseBan, Citizen
from storage.sealing import sealer_of
from storage.seals import Seals


def _where(ban_id: int) -> str:
    return f"ban:{ban_id}"


async def ban(session: AsyncSession, case: Case, by: int | None, now: datetime) -> bool:
    """Ban the resident behind `case`; False if a ban from this case stood already."""
    repo = Bans(session)
    if await repo.standing_from(case.id) is not None:
        return False
    await repo.add(
        CaseBan(case_id=case.id, citizen_id=case.citizen_id, banned_by=by, created_at=now)
    )
    return True


@dataclass(frozen=True)
class Lifted:
    """A ban was lifted; `freed` is the person it was against, if they are a resident now and
    no other ban stands against them."""

    freed: Citizen | None


async def unban(
    session: AsyncSession, case: Case, citizen: Citizen | None, by: int | None, now: datetime
) -> Lifted | None:
    """Lift the ban made from `case`; None if none was made here. A ban made from another case
    of the same resident stands (and nobody is told whether there is one). Without `citizen`
    (the case lost its resident), the person the ban kept sealed is found, if they came back."""
    repo = Bans(session)
    standing = await repo.standing_from(case.id)
    if standing is None:
        return None
    standing.lifted_at, standing.lifted_by = now, by
    if citizen is None and standing.sealed_person is not None:
        telegram_id = sealer_of(session).unseal_int(standing.sealed_person, _where(standing.id))
        citizen = await Citizens(session).by_telegram_id(telegram_id)
    if citizen is not None and await standing_against(session, citizen):
        citizen = None
    return Lifted(citizen)


async def standing_against(session: AsyncSession, citizen: Citizen) -> bool:
    """Whether a ban stands against `citizen`: from a named case, one of their anonymous cases,
    or one kept (sealed) from before they erased their data. (Asked for every message a
    resident sends: one query, on an index, and an unsealing per kept ban.)"""
    return bool(await banned_among(session, [citizen]))


async def banned_among(session: AsyncSession, citizens: Sequence[Citizen]) -> set[int]:
    """The ids of those of `citizens` against whom a ban stands (see standing_against)."""
    if not citizens:
        return set()
    seals = Seals(session)
    anonymous = {case_id: c.id for c in citizens for case_id in seals.anonymous_case_ids(c)}
    by_telegram_id = {c.telegram_id: c.id for c in citizens}
    ids = {c.id for c in citizens}
    banned: set[int] = set()
    for standing in await Bans(session).standing_for(ids, anonymous):
        if standing.citizen_id in ids:
            banned.add(standing.citizen_id)
        elif standing.case_id in anonymous:
            banned.add(anonymous[standing.case_id])
        elif standing.sealed_person is not None:
            person = sealer_of(session).unseal_int(standing.sealed_person, _where(standing.id))
            if person in by_telegram_id:
                banned.add(by_telegram_id[person])
    return banned


async def keep_past_resident(session: AsyncSession, case: Case, citizen: Citizen) -> None:
    """The case is losing its resident: a ban made from it keeps the person, sealed."""
    standing = await Bans(session).standing_from(case.id)
    if standing is None:
        return
    standing.citizen_id = None
    standing.sealed_person = sealer_of(session).seal_int(citizen.telegram_id, _where(standing.id))
