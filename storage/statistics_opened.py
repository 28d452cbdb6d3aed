"""/stats's breakdowns of the cases opened in the period (by category, area, language and
privacy) and its chart bars (by category), from the tally the database keeps per desk and UTC
day (storage.models.CaseOpened, migration 0014's triggers) and, where the period or a bar
starts off a UTC midnight, the cases in between (storage.statistics_slices): exact, a few rows
per day and trait instead of every case opened in the period."""

from __future__ import annotations

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case, CaseOpened
from storage.statistics_shapes import CaseWindow, Opened
from storage.statistics_slices import Cuts
from storage.statistics_tallies import at, for_desks

TRAITS = ("category", "area", "language", "privacy")


class OpenedCounts:
    """The cases opened in one window, per trait and per bar (see the module's docstring)."""

    def __init__(self, session: AsyncSession, window: CaseWindow) -> None:
        self.session = session
        self.w = window
        end = window.seen_before  # opened in the period and by now
        self.cuts = Cuts.of(window.start, end, window.bar_starts, now=end < window.end)

    async def read(self) -> Opened:
        found = Opened()
        cuts = self.cuts
        if cuts is None:
            return found
        t = CaseOpened
        bar = cuts.part(t.day)
        tallied = (
            select(bar, t.trait, t.value, func.sum(t.count))
            .where(*cuts.tallied(t.day))
            .group_by(bar, t.trait, t.value)
        )
        for n, trait, value, count in await self.session.execute(
            for_desks(tallied, t.desk, self.w.desks)
        ):
            found.add(int(n), str(trait), str(value), int(count))
        slices = cuts.slices()
        if not slices:
            return found.without_zeros()
        traits = [getattr(Case, trait) for trait in TRAITS]
        queries = [
            for_desks(
                select(literal(n), *traits, func.count())
                .where(Case.created_at >= at(piece.start), Case.created_at < at(piece.end))
                .group_by(*traits),
                Case.desk,
                self.w.desks,
            )
            for n, piece in enumerate(slices)
        ]
        for n, *values, count in await self.session.execute(union_all(*queries)):
            for part, factor in slices[int(n)].shares:
                for trait, value in zip(TRAITS, values, strict=True):
                    found.add(part, trait, str(value), factor * int(count))
        return found.without_zeros()
