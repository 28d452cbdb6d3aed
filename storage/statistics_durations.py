"""/stats's first-reply and closing times from the histograms the database keeps
(storage.models.CaseDuration, kept by migration 0013's triggers): a few rows per desk, UTC
day and bin instead of every case opened in the period, so the percentiles are those of the
bins (right to within the bin: 1 minute below an hour, 5 below 4 hours, 30 below 2 days, a
day beyond) and the reply-time bins and targets are counted exactly when their edges are the
histograms' (storage.statistics_shapes.on_bin_edge).

The histograms hold whole UTC days of openings and of replies or closings. They are used when
the period starts and ends on whole hours (as storage.statistics_tallies); the cases opened in
its partial first and last UTC days, and those opened before whose reply or closing came in
the last one (or in the day still running), are binned from the cases in the database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case, CaseDuration
from storage.statistics_shapes import (
    BINS,
    DAY_MINUTES,
    MICROS_PER_MINUTE,
    CaseWindow,
    Spread,
    on_bin_edge,
)
from storage.statistics_tallies import at, for_desks, micros, whole_hour

DAY = timedelta(days=1)
MOMENTS = {"reply": "first_reply_at", "closing": "closed_at"}

Histogram = dict[int, int]  # bin's upper edge (minutes) → durations


@dataclass
class Histograms:
    """Per measure ("reply", "closing") and desk, the durations of the cases opened in the
    period that were replied to or closed by its end (and by now)."""

    by_desk: dict[str, dict[str, Histogram]] = field(default_factory=dict)

    def add(self, measure: str, desk: str, upto: int, count: int) -> None:
        found = self.by_desk.setdefault(measure, {}).setdefault(desk, {})
        found[upto] = found.get(upto, 0) + count

    def of(self, measure: str) -> dict[str, Histogram]:
        return self.by_desk.get(measure, {})


def _day(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


class DeskDurations:
    """The histograms of one window (see the module's docstring)."""

    def __init__(self, session: AsyncSession, window: CaseWindow) -> None:
        self.session = session
        self.w = window
        self.postgres = session.get_bind().dialect.name == "postgresql"
        start = _day(window.start)
        self.first = start if start == window.start else start + DAY
        self.cut = max(self.first, min(_day(window.end), _day(window.now)))

    def applies(self) -> bool:
        edges = [*self.w.reply_edges, *map(float, self.w.targets.values())]
        return (
            whole_hour(self.w.start)
            and whole_hour(self.w.end)
            and all(on_bin_edge(edge) for edge in edges)
        )

    async def histograms(self) -> Histograms:
        """Everything in one round trip: the tallied days and the cases binned here."""
        t = CaseDuration
        tallied = (
            select(t.measure, t.desk, t.upto, func.sum(t.count))
            .where(t.opened_on >= at(self.first), t.opened_on < at(self.cut))
            .where(t.done_on < at(self.cut))
            .group_by(t.measure, t.desk, t.upto)
        )
        w = self.w
        edges = or_(
            and_(Case.created_at >= at(w.start), Case.created_at < at(self.first)),
            and_(Case.created_at >= at(self.cut), Case.created_at < at(w.end)),
        )
        opened = [Case.created_at >= at(self.first), Case.created_at < at(self.cut)]
        queries = [for_desks(tallied, t.desk, self.w.desks)]
        for measure, column in MOMENTS.items():
            moment = getattr(Case, column)
            by_end = [moment < at(w.end), moment <= at(w.now)]
            # opened in the partial first or last day (or the day running) …
            queries.append(self._binned(measure, edges, Case.created_at <= at(w.now), *by_end))
            # … or before, and replied to or closed in the last (or running) day
            queries.append(self._binned(measure, *opened, moment >= at(self.cut), *by_end))
        found = Histograms()
        for measure, desk, upto, count in await self.session.execute(union_all(*queries)):
            found.add(str(measure), str(desk), int(upto), int(count))
        return found

    def _binned(self, measure: str, *where: ColumnElement[bool]) -> Any:
        """The durations of the cases that meet `where`, binned in the database."""
        upto = self._upto(getattr(Case, MOMENTS[measure]))
        query = (
            select(literal(measure, String()), Case.desk, upto, func.count())
            .where(*where)
            .group_by(Case.desk, upto)
        )
        return for_desks(query, Case.desk, self.w.desks)

    def _upto(self, moment: Any) -> ColumnElement[int]:
        """As storage.statistics_shapes.bin_upto, in SQL (NULL without a moment)."""
        if self.postgres:  # float seconds hold microseconds exactly for spans below 280 years
            epoch = func.date_part("epoch", moment - Case.created_at)
            span: Any = cast(epoch * 1_000_000, BigInteger)
        else:
            span = micros(moment) - micros(Case.created_at)

        def rounded_up(minutes: int) -> ColumnElement[int]:
            unit = minutes * MICROS_PER_MINUTE
            return case((span > 0, (span + (unit - 1)) // unit), else_=span // unit) * minutes

        limbs = [(span <= limit * MICROS_PER_MINUTE, rounded_up(width)) for limit, width in BINS]
        return case(*limbs, else_=rounded_up(DAY_MINUTES))


@dataclass(frozen=True)
class DurationFigures:
    """What /stats shows of the histograms: the spreads, the reply-time bins and, per desk,
    the replies by the end, those judged against a target and those within it (the cases
    still unanswered when their target passed are added to "judged" from the cases)."""

    first_reply: dict[str, Spread]
    first_reply_all: Spread
    closing_all: Spread
    reply_bins: dict[tuple[int, str], int]
    replies: dict[str, dict[str, int]]

    @classmethod
    def of(cls, window: CaseWindow, found: Histograms) -> DurationFigures:
        replies = found.of("reply")
        counts: dict[str, dict[str, int]] = {}
        for desk, histogram in replies.items():
            target = window.targets.get(desk)
            replied = sum(histogram.values())
            within = sum(
                n for upto, n in histogram.items() if target is not None and upto <= target
            )
            judged = replied if target is not None else 0
            counts[desk] = {"replied": replied, "judged": judged, "within": within}
        return cls(
            first_reply={
                desk: spread
                for desk, histogram in replies.items()
                if (spread := Spread.of_bins(histogram)).count
            },
            first_reply_all=Spread.of_bins(_merged(replies)),
            closing_all=Spread.of_bins(_merged(found.of("closing"))),
            reply_bins=reply_bins(window, replies),
            replies=counts,
        )


def _merged(histograms: dict[str, Histogram]) -> Histogram:
    found: Histogram = {}
    for histogram in histograms.values():
        for upto, count in histogram.items():
            found[upto] = found.get(upto, 0) + count
    return found


def reply_bins(window: CaseWindow, replies: dict[str, Histogram]) -> dict[tuple[int, str], int]:
    """(bin, "within" | "late" | "no_target") → replies, as storage.statistics_cases counts
    them from the cases (exact when `DeskDurations.applies`)."""
    edges: Sequence[float] = list(window.reply_edges)
    found: dict[tuple[int, str], int] = {}
    for desk, histogram in replies.items():
        target = window.targets.get(desk)
        for upto, count in histogram.items():
            n = next((n for n, edge in enumerate(edges) if upto <= edge), len(edges))
            kind = "no_target" if target is None else "within" if upto <= target else "late"
            found[(n, kind)] = found.get((n, kind), 0) + count
    return {key: count for key, count in found.items() if count}
