"""/stats's per-desk event counts from the tallies the database keeps (storage.models.tallies,
kept by migration 0012's triggers): cases opened, closed, rated, reminded and escalated in the
period, and those open at its end, read as a few rows per desk and hour instead of every case.

The tallies hold whole UTC hours, so they are used when the period starts and ends on one
(every zone a whole number of hours from UTC; otherwise storage.statistics_cases counts the
cases). The hour still running when a period is not over is counted from the cases (indexed
on each moment), as is what a period still running sees of cases closed after "now".
"Open at the end" is today's open cases, less those opened since the end, plus those closed
since (a case is never closed before it was opened)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, case, cast, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case, CaseOpen, CaseTally, UtcDateTime
from storage.statistics_shapes import CaseWindow

STARS = range(1, 6)
EVENTS = {  # figure → the case's moment it counts at
    "new": Case.created_at,
    "closed": Case.closed_at,
    "reminders": Case.sla_reminded_at,
    "escalations": Case.sla_escalated_at,
}

Counts = dict[str, dict[str, int]]  # desk → figure → count


def whole_hour(moment: datetime) -> bool:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0) == moment


class DeskEvents:
    """The event counts of one window (see the module's docstring)."""

    def __init__(self, session: AsyncSession, window: CaseWindow) -> None:
        self.session = session
        self.w = window
        if window.end <= window.now:
            self.cut = window.end
        else:  # the running hour (and anything later) is read from the cases
            hour = window.now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
            self.cut = min(max(window.start, hour), window.end)

    def applies(self) -> bool:
        return whole_hour(self.w.start) and whole_hour(self.w.end)

    async def counts(self) -> Counts:
        found: Counts = {}
        _add(found, await self._tallied())
        if self.cut < self.w.end:
            _add(found, await self._recent())
        for desk, count in await self.session.execute(
            for_desks(select(CaseOpen.desk, CaseOpen.count), CaseOpen.desk, self.w.desks)
        ):
            found.setdefault(str(desk), {})["open_at_end"] = int(count)
        since = for_desks(
            select(CaseTally.desk, func.sum(CaseTally.opened), func.sum(CaseTally.closed))
            .where(CaseTally.hour >= at(self.w.end))
            .group_by(CaseTally.desk),
            CaseTally.desk,
            self.w.desks,
        )
        for desk, opened, closed in await self.session.execute(since):
            counts = found.setdefault(str(desk), {})
            counts["open_at_end"] = counts.get("open_at_end", 0) - int(opened) + int(closed)
        if self.w.now < self.w.end:  # closed after now but before the end: still open then
            later = for_desks(
                select(Case.desk, func.count())
                .where(Case.closed_at > at(self.w.now), Case.closed_at < at(self.w.end))
                .group_by(Case.desk),
                Case.desk,
                self.w.desks,
            )
            for desk, count in await self.session.execute(later):
                counts = found.setdefault(str(desk), {})
                counts["open_at_end"] = counts.get("open_at_end", 0) + int(count)
        return {desk: counts for desk, counts in found.items() if any(counts.values())}

    async def _tallied(self) -> Sequence[Any]:
        t = CaseTally
        columns = [t.opened, t.closed, t.reminded, t.escalated, t.rated_1, t.rated_2]
        columns += [t.rated_3, t.rated_4, t.rated_5]
        query = (
            select(t.desk, *(func.sum(column) for column in columns))
            .where(t.hour >= at(self.w.start), t.hour < at(self.cut))
            .group_by(t.desk)
        )
        return (await self.session.execute(for_desks(query, t.desk, self.w.desks))).all()

    async def _recent(self) -> Sequence[Any]:
        """The events from the cut to the end (and by now), counted from the cases."""
        inside = {name: self._inside(moment) for name, moment in EVENTS.items()}
        rated = [and_(inside["closed"], Case.rating == stars) for stars in STARS]
        query = (
            select(Case.desk, *(count_where(c) for c in [*inside.values(), *rated]))
            .where(or_(*(moment >= at(self.cut) for moment in EVENTS.values())))
            .group_by(Case.desk)
        )
        return (await self.session.execute(for_desks(query, Case.desk, self.w.desks))).all()

    def _inside(self, column: Any) -> ColumnElement[bool]:
        w = self.w
        return and_(column >= at(self.cut), column < at(w.end), column <= at(w.now))


def at(moment: datetime) -> ColumnElement[Any]:
    """A moment as the UTC timestamp the columns hold."""
    return literal(moment, UtcDateTime())


def for_desks(query: Any, desk: Any, desks: Sequence[str] | None) -> Any:
    """`query` limited to `desks` by its `desk` column (None: every desk)."""
    return query if desks is None else query.where(desk.in_(list(desks)))


def count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """How many rows meet `condition` (a NULL condition counts as not met), in any dialect."""
    return func.sum(case((condition, 1), else_=0))


def micros(column: Any) -> ColumnElement[int]:
    """A timestamp SQLite stores as text ("YYYY-MM-DD HH:MM:SS.ffffff") in microseconds."""
    # strftime would round the fraction into the seconds, so it reads the whole seconds only.
    seconds = cast(func.strftime("%s", func.substr(column, 1, 19)), Integer)
    return seconds * 1_000_000 + cast(func.substr(column, 21, 6), Integer)


def _add(found: Counts, rows: Sequence[Any]) -> None:
    names = [*EVENTS, *(f"rated_{n}" for n in STARS)]
    for desk, *counts in rows:
        into = found.setdefault(str(desk), {})
        for name, count in zip(names, counts, strict=True):
            into[name] = into.get(name, 0) + int(count or 0)
