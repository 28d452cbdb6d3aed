"""The figures as published: durations with their median and 90th percentile, shares within the
response target, and the rows of each breakdown (counts already through the "< 5" rule)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.stats.periods import Period
from bot.domain.stats.pulse import PulseFigures
from bot.domain.stats.rules import Cell, Scope
from storage.statistics_shapes import Spread


@dataclass(frozen=True)
class Durations:
    """Minutes from a case's opening to an event: how many, the median and 90th percentile."""

    count: int
    median: float | None
    p90: float | None


def durations(spread: Spread) -> Durations:
    return Durations(spread.count, spread.median, spread.p90)


@dataclass(frozen=True)
class TargetShare:
    """Cases judged against their desk's `response_minutes`, and how many were answered in
    time. Judged: answered, or still unanswered after the target (those count as late)."""

    judged: int
    within: int

    @property
    def share(self) -> float | None:
        return self.within / self.judged if self.judged else None


@dataclass(frozen=True)
class ReplyBin:
    """First replies that took more than `low` and at most `high` minutes (None: no limit)."""

    low: float
    high: float | None
    within: int  # the desk has a target and this reply met it
    late: int
    no_target: int  # the desk has no response target

    @property
    def total(self) -> int:
        return self.within + self.late + self.no_target


@dataclass(frozen=True)
class Bucket:
    """Cases opened from `first_day` to `last_day`, per category."""

    first_day: date
    last_day: date
    by_category: dict[str, Cell]


@dataclass(frozen=True)
class CaseFigures:
    new: int  # opened in the period
    open_at_end: int  # not closed when the period ended
    closed: int  # closed in the period
    by_category: dict[str, Cell]
    by_area: dict[str, Cell]
    by_language: dict[str, Cell]
    by_privacy: dict[str, Cell]
    buckets: list[Bucket]
    first_reply: Durations
    unanswered: int  # opened in the period, no staff reply yet
    closing: Durations
    target: TargetShare
    reply_bins: list[ReplyBin]
    targets: tuple[int, ...]  # the response targets (minutes) of the desks in scope
    reminders: int
    escalations: int
    ratings: dict[int, int]  # stars → cases closed in the period with that rating

    @property
    def rated(self) -> int:
        return sum(self.ratings.values())

    @property
    def rating_mean(self) -> float | None:
        if not self.rated:
            return None
        return sum(stars * count for stars, count in self.ratings.items()) / self.rated


@dataclass(frozen=True)
class DeskRow:
    """One desk in the coordinators' per-desk breakdown."""

    desk: str
    new: Cell
    open_at_end: Cell
    closed: Cell
    first_reply: Durations
    target: TargetShare
    escalations: int
    rating_mean: float | None


@dataclass(frozen=True)
class ReferralRow:
    partner: str
    waiting: Cell  # the resident has not answered yet
    accepted: Cell
    declined: Cell


@dataclass(frozen=True)
class AlertRow:
    """One sending of an announcement (a recurring one has one row per sending)."""

    announcement_id: int
    occurrence_id: int
    started_at: datetime
    areas: tuple[str, ...]
    urgent: bool
    recipients: int
    delivered: int
    failed: int
    blocked: int
    unknown: int
    pending: int
    useful: int
    not_useful: int


@dataclass(frozen=True)
class Figures:
    period: Period
    scope: Scope
    as_of: datetime  # the end of the period, or now if that is earlier
    cases: CaseFigures
    desks: list[DeskRow]  # empty for one desk's figures
    referrals: list[ReferralRow]
    alerts: list[AlertRow] | None  # None: not part of a desk's figures
    subscribers: dict[str, Cell] | None
    pulse: PulseFigures | None = None  # None: not part of these figures (a partner's)
