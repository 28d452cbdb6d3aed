"""What storage.statistics_cases counts: the window it counts in and the tallies it returns,
and the percentile interpolation both dialects share."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta

TICK = timedelta(microseconds=1)  # the columns' resolution: t <= now is t < now + TICK

QUANTILES = (0.5, 0.9)
# The bins of the duration tallies (migration 0013): up to (minutes), bins of (minutes); then days.
BINS = ((60, 1), (240, 5), (2880, 30))
DAY_MINUTES = 1440
MICROS_PER_MINUTE = 60_000_000


def bin_upto(span: timedelta) -> int:
    """The upper edge (minutes, included) of the tallies' bin `span` falls in, as 0013's
    triggers compute it: exact to the microsecond."""
    micros = span // timedelta(microseconds=1)
    width = next(
        (width for limit, width in BINS if micros <= limit * MICROS_PER_MINUTE), DAY_MINUTES
    )
    return -(-micros // (width * MICROS_PER_MINUTE)) * width


def on_bin_edge(minutes: float) -> bool:
    """Whether `minutes` is an upper edge of one of the tallies' bins (so a count of the
    durations up to it can be read from them)."""
    return minutes.is_integer() and bin_upto(timedelta(minutes=minutes)) == minutes


def quantile(values: Sequence[float], q: float) -> float:
    """The q-quantile of sorted `values`, interpolated linearly between the two nearest ranks
    (rank = q × (n − 1), counted from 0), as PostgreSQL's percentile_cont; q = 0.5 is the
    usual median."""
    if not values:
        msg = "no values"
        raise ValueError(msg)
    rank = q * (len(values) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (rank - low)


def _binned(edges: Sequence[int], counts: Mapping[int, int], rank: float) -> float:
    """The value at fractional `rank` (from 0) of the sorted durations the histogram stands
    for, interpolated between the two nearest ranks as `quantile` does."""

    def at(position: int) -> float:
        seen = 0
        for edge in edges:
            seen += counts[edge]
            if position < seen:
                return float(edge)
        return float(edges[-1])

    low = math.floor(rank)
    return at(low) + (at(low + 1) - at(low)) * (rank - low)


@dataclass(frozen=True)
class CaseWindow:
    """What to count: cases of `desks` (None: every desk) for the period [start, end) as seen
    at `now`, with the desks' response targets, the chart's bars and the reply-time bins."""

    start: datetime
    end: datetime
    now: datetime
    desks: Sequence[str] | None
    targets: Mapping[str, int]  # minutes, for the desks that have a target
    bar_starts: Sequence[datetime]  # the first moment of every chart bar but the first
    reply_edges: Sequence[float]  # upper edges (minutes, included) of all bins but the last

    @property
    def as_of(self) -> datetime:
        return min(self.end, self.now)

    @property
    def seen_before(self) -> datetime:
        """The first moment not counted: the end, or for a period still running the moment
        after now (what happened at `now` has happened)."""
        return min(self.end, self.now + TICK)


@dataclass(frozen=True)
class DeskTally:
    """One desk's counts: opened, open at the end, closed in the period, first replies by the
    end, cases judged against the target and those within it, reminders, escalations, and the
    ratings (stars → cases) of the cases closed in the period."""

    new: int = 0
    open_at_end: int = 0
    closed: int = 0
    replied: int = 0
    judged: int = 0
    within: int = 0
    reminders: int = 0
    escalations: int = 0
    ratings: dict[int, int] = field(default_factory=dict)

    @classmethod
    def of(cls, counts: Mapping[str, int]) -> DeskTally:
        """From counts by figure name (`rated_1` … `rated_5` for the ratings; missing: 0)."""
        return cls(
            **{f.name: counts.get(f.name, 0) for f in fields(cls) if f.name != "ratings"},
            ratings={stars: counts.get(f"rated_{stars}", 0) for stars in range(1, 6)},
        )

    def __add__(self, other: DeskTally) -> DeskTally:
        return DeskTally(
            new=self.new + other.new,
            open_at_end=self.open_at_end + other.open_at_end,
            closed=self.closed + other.closed,
            replied=self.replied + other.replied,
            judged=self.judged + other.judged,
            within=self.within + other.within,
            reminders=self.reminders + other.reminders,
            escalations=self.escalations + other.escalations,
            ratings={
                stars: self.ratings.get(stars, 0) + other.ratings.get(stars, 0)
                for stars in sorted({*self.ratings, *other.ratings})
            },
        )


@dataclass(frozen=True)
class Spread:
    """How many durations (minutes), their median and 90th percentile (None: no durations)."""

    count: int = 0
    median: float | None = None
    p90: float | None = None

    @classmethod
    def of_sorted(cls, minutes: Sequence[float]) -> Spread:
        if not minutes:
            return cls()
        return cls(len(minutes), quantile(minutes, 0.5), quantile(minutes, 0.9))

    @classmethod
    def of_bins(cls, counts: Mapping[int, int]) -> Spread:
        """From a histogram (bin's upper edge in minutes → durations): each duration taken as
        its bin's upper edge, so the percentiles are right to within their bin."""
        edges = sorted(edge for edge, count in counts.items() if count)
        total = sum(counts[edge] for edge in edges)
        if not total:
            return cls()
        return cls(total, *(_binned(edges, counts, q * (total - 1)) for q in QUANTILES))


@dataclass(frozen=True)
class Opened:
    """Cases opened in the period: per trait ("category", "area", "language", "privacy") the
    cases with each value, and per chart bar (counted from 0) those of each category."""

    traits: dict[str, dict[str, int]] = field(default_factory=dict)
    bars: dict[int, dict[str, int]] = field(default_factory=dict)

    def add(self, bar: int, trait: str, value: str, count: int) -> None:
        _add(self.traits.setdefault(trait, {}), value, count)
        if trait == "category":
            _add(self.bars.setdefault(bar, {}), value, count)

    def without_zeros(self) -> Opened:
        """The same without the values no case has (a count the tallies took back to 0)."""
        return Opened(
            {trait: _nonzero(counts) for trait, counts in self.traits.items()},
            {bar: _nonzero(counts) for bar, counts in self.bars.items()},
        )


def _add(counts: dict[str, int], value: str, count: int) -> None:
    counts[value] = counts.get(value, 0) + count


def _nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {value: count for value, count in counts.items() if count}


@dataclass(frozen=True)
class CaseTallies:
    desks: dict[str, DeskTally]  # every desk with a case that matters for the period
    opened: Opened
    reply_bins: dict[tuple[int, str], int]  # (bin, "within" | "late" | "no_target") → replies
    first_reply: dict[str, Spread]  # per desk
    first_reply_all: Spread
    closing_all: Spread
