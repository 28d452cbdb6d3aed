"""The cases behind /stats counted in the database: per desk, per reply-time bin, and the
median and 90th percentile of the response and closing times (from the histograms the database
keeps, storage.statistics_durations, when they cover the window).

Only counts and percentiles leave the database (`percentile_cont` on PostgreSQL; on SQLite the
sorted minutes, interpolated here the same way), so the work in Python no longer grows with the
number of cases in the period. Every condition is the one the figures are defined by
(bot.domain.stats.compute), written so that a NULL never counts. Per desk, what happened to
the cases (opened, closed, rated, reminded, escalated, open at the end) comes from the tallies
the database keeps (storage.statistics_tallies) when they cover the window; the breakdowns and
chart bars of the cases opened come from storage.statistics_opened.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql

from storage.models import Case
from storage.statistics_durations import DeskDurations, DurationFigures
from storage.statistics_opened import OpenedCounts
from storage.statistics_shapes import QUANTILES, CaseTallies, DeskTally, Spread
from storage.statistics_tallies import DeskEvents, at, count_where, for_desks
from storage.statistics_window import WindowConditions


class CaseCounts(WindowConditions):
    """The counting queries of one window, in the session's SQL dialect."""

    async def tallies(self) -> CaseTallies:
        durations = DeskDurations(self.session, self.w)
        if durations.applies():
            found = DurationFigures.of(self.w, await durations.histograms())
            first_reply, first_all = found.first_reply, found.first_reply_all
            closing_all, bins = found.closing_all, found.reply_bins
            desks = await self._desks(found.replies)
        else:
            first_reply, first_all, closing_all = await self._spreads()
            bins, desks = await self._reply_bins(), await self._desks(None)
        return CaseTallies(
            desks=desks,
            opened=await OpenedCounts(self.session, self.w).read(),
            reply_bins=bins,
            first_reply=first_reply,
            first_reply_all=first_all,
            closing_all=closing_all,
        )

    async def _desks(self, replies: dict[str, dict[str, int]] | None) -> dict[str, DeskTally]:
        """Per desk; the event counts from the tallies when they cover the window, and the
        replies from the histograms when they do (`replies`; storage.statistics_durations
        applies only where the tallies do): then only the cases still unanswered when their
        target passed are counted here."""
        figures = self._desk_figures()
        where = self._matters()
        events = DeskEvents(self.session, self.w)
        found: dict[str, dict[str, int]] = {}
        if events.applies():
            found = await events.counts()
            figures = {name: figures[name] for name in ("replied", "judged", "within")}
            where.append(self._is_opened())
        if replies is not None:
            for desk, replied in replies.items():
                found.setdefault(desk, {}).update(replied)
            for desk, late in (await self._late_unanswered_counts()).items():
                counted = found.setdefault(desk, {})  # judged late though unanswered
                counted["judged"] = counted.get("judged", 0) + late
            return {desk: DeskTally.of(counts) for desk, counts in found.items()}
        query = (
            select(Case.desk, *(count_where(condition) for condition in figures.values()))
            .where(*where)
            .group_by(Case.desk)
        )
        for desk, *counts in await self.session.execute(query):
            counted = found.setdefault(str(desk), {})
            counted.update(zip(figures, (int(count or 0) for count in counts), strict=True))
        return {desk: DeskTally.of(counts) for desk, counts in found.items()}

    async def _late_unanswered_counts(self) -> dict[str, int]:
        """Per desk, the cases judged late though unanswered (`_late_unanswered`), in two parts
        each read from an index that holds little else: those still unanswered (0016's partial
        index) and those answered only after the period's end or after now (the index on the
        first reply)."""
        after = self.w.seen_before
        late = self._late_unless_answered()
        queries = [
            for_desks(
                select(Case.desk, func.count()).where(late, unanswered).group_by(Case.desk),
                Case.desk,
                self.w.desks,
            )
            for unanswered in (Case.first_reply_at.is_(None), Case.first_reply_at >= at(after))
        ]
        found: dict[str, int] = {}
        for desk, count in await self.session.execute(union_all(*queries)):
            found[str(desk)] = found.get(str(desk), 0) + int(count)
        return found

    def _late_unanswered(self) -> ColumnElement[bool]:
        """Opened in the window, unanswered by its end although its desk's target had passed,
        and not closed before it passed (a case judged late)."""
        return and_(self._late_unless_answered(), self._not_by_end(Case.first_reply_at))

    def _late_unless_answered(self) -> ColumnElement[bool]:
        """Opened in the window, its desk's target passed by its end (or now), and not closed
        before it passed: judged late unless it was answered by the end."""
        target = self._target()
        return and_(
            self._is_opened(),
            target.is_not(None),
            self._deadline_passed(),
            or_(
                Case.closed_at.is_(None),
                self._elapsed(Case.closed_at, Case.created_at) >= target,
            ),
        )

    def _desk_figures(self) -> dict[str, ColumnElement[bool]]:
        """Each per-desk figure's condition on a case that matters for the window."""
        opened = self._is_opened()
        has_reply = self._replied()
        target = self._target()
        reply = self._elapsed(Case.first_reply_at, Case.created_at)
        late_unanswered = self._late_unanswered()
        closed_in = self._inside(Case.closed_at)
        return {
            "new": opened,
            "open_at_end": and_(
                Case.created_at < at(self.w.end), self._not_by_end(Case.closed_at)
            ),
            "closed": closed_in,
            "replied": has_reply,
            "judged": or_(and_(has_reply, target.is_not(None)), late_unanswered),
            "within": and_(has_reply, reply <= target),
            "reminders": self._inside(Case.sla_reminded_at),
            "escalations": self._inside(Case.sla_escalated_at),
            **{f"rated_{stars}": and_(closed_in, Case.rating == stars) for stars in range(1, 6)},
        }

    async def _reply_bins(self) -> dict[tuple[int, str], int]:
        reply = self._elapsed(Case.first_reply_at, Case.created_at)
        edges = list(self.w.reply_edges)
        # Bins include their upper edge, so a reply exactly on target sits left of the line.
        bin_ = (
            case(
                *((reply <= self._span(edge), n) for n, edge in enumerate(edges)), else_=len(edges)
            )
            if edges
            else literal(0)
        )
        target = self._target()
        kind = case((target.is_(None), "no_target"), (reply <= target, "within"), else_="late")
        query = (
            select(bin_, kind, func.count())
            .where(*self._matters(), self._replied())
            .group_by(bin_, kind)
        )
        return {(int(n), str(k)): int(count) for n, k, count in await self.session.execute(query)}

    async def _spreads(self) -> tuple[dict[str, Spread], Spread, Spread]:
        """The first-reply spread per desk and for all, and the closing spread for all."""
        reply = self._minutes(Case.first_reply_at, Case.created_at)
        closing = self._minutes(Case.closed_at, Case.created_at)
        replied = self._replied()
        closed = and_(self._is_opened(), self._by_end(Case.closed_at))
        if not self.postgres:
            return await self._sorted_spreads(reply, closing, replied, closed)
        columns = [
            func.count().filter(replied),
            _percentiles(reply).filter(replied),
            func.count().filter(closed),
            _percentiles(closing).filter(closed),
        ]
        query = (
            select(Case.desk, func.grouping(Case.desk), *columns)
            .where(*self._matters(), self._is_opened())
            .group_by(func.rollup(Case.desk))
        )
        per_desk: dict[str, Spread] = {}
        everyone = closing_all = Spread()
        for desk, total, *figures in await self.session.execute(query):
            replies = Spread(int(figures[0]), *_floats(figures[1]))
            if total:
                everyone = replies
                closing_all = Spread(int(figures[2]), *_floats(figures[3]))
            else:
                per_desk[str(desk)] = replies
        return per_desk, everyone, closing_all

    async def _sorted_spreads(
        self,
        reply: ColumnElement[Any],
        closing: ColumnElement[Any],
        replied: ColumnElement[bool],
        closed: ColumnElement[bool],
    ) -> tuple[dict[str, Spread], Spread, Spread]:
        """Without percentile_cont (SQLite): the sorted minutes, interpolated here."""
        rows = await self.session.execute(
            select(Case.desk, reply).where(*self._matters(), replied).order_by(reply)
        )
        everyone: list[float] = []
        by_desk: dict[str, list[float]] = {}
        for desk, minutes in rows:
            everyone.append(float(minutes))
            by_desk.setdefault(str(desk), []).append(float(minutes))
        closings = await self.session.scalars(
            select(closing).where(*self._matters(), closed).order_by(closing)
        )
        return (
            {desk: Spread.of_sorted(values) for desk, values in by_desk.items()},
            Spread.of_sorted(everyone),
            Spread.of_sorted([float(minutes) for minutes in closings]),
        )


def _percentiles(minutes: ColumnElement[Any]) -> Any:
    """The median and 90th percentile in one sort (PostgreSQL)."""
    quantiles = postgresql.array([literal(q, Float) for q in QUANTILES])
    return func.percentile_cont(quantiles).within_group(minutes)


def _floats(values: Sequence[Any] | None) -> list[float | None]:
    """The percentiles of a group, or None for each when the group had no durations."""
    if values is None:
        return [None] * len(QUANTILES)
    return [None if value is None else float(value) for value in values]
