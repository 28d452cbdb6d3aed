"""/stats's referrals per partner and status, from the tally the database keeps per UTC day and
desk (storage.models.ReferralTally, migration 0015's triggers) and, between the period's local
midnights and the nearest UTC midnights, from the referrals themselves
(storage.statistics_slices): exact, a few rows per day instead of every referral."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case, Referral, ReferralTally
from storage.statistics_slices import Cuts
from storage.statistics_tallies import at, for_desks

ReferralCounts = dict[tuple[str, str], int]  # (partner, status) → referrals


async def referral_counts(
    session: AsyncSession,
    start: datetime,
    end: datetime,
    desks: Sequence[str] | None,
    partner: str | None = None,
    status: str | None = None,
) -> ReferralCounts:
    """Referrals proposed in [start, end) on cases of `desks` (None: every desk), to `partner`
    and with `status` when given."""
    cuts = Cuts.of(start, end)
    if cuts is None:
        return {}
    t = ReferralTally
    tallied = for_desks(
        select(t.partner, t.status, func.sum(t.count))
        .where(*cuts.tallied(t.day), *_only(t, partner, status))
        .group_by(t.partner, t.status),
        t.desk,
        desks,
    )
    found: ReferralCounts = {}
    for name, state, count in await session.execute(tallied):
        _add(found, str(name), str(state), int(count))
    slices = cuts.slices()
    if slices:
        r = Referral
        queries = [
            for_desks(
                select(literal(n), r.partner, r.status, func.count())
                .join(Case, Case.id == r.case_id)
                .where(r.created_at >= at(piece.start), r.created_at < at(piece.end))
                .where(*_only(r, partner, status))
                .group_by(r.partner, r.status),
                Case.desk,
                desks,
            )
            for n, piece in enumerate(slices)
        ]
        for n, name, state, count in await session.execute(union_all(*queries)):
            for _part, factor in slices[int(n)].shares:
                _add(found, str(name), str(state), factor * int(count))
    return {key: count for key, count in found.items() if count}


def _only(table: Any, partner: str | None, status: str | None) -> list[Any]:
    found = [] if partner is None else [table.partner == partner]
    return found if status is None else [*found, table.status == status]


def _add(found: ReferralCounts, partner: str, status: str, count: int) -> None:
    found[(partner, status)] = found.get((partner, status), 0) + count
