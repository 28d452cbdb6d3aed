"""The figures behind /stats and the monthly report, and the rules for publishing them.

A period is read in the network's time zone. A scope is one desk or the whole network; a
desk's figures are computed from its own cases only. Counts broken down by area, category,
language, privacy tier, week or desk are `Cell`s: 1 to 4 cases are never given as a number
("< 5"), so no chart, CSV or report can point at one resident. The raw counts of those
breakdowns do not leave this module.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.kinds import DeliveryStatus, Privacy, ReferralStatus
from bot.network.schema import DeskKind, Network
from storage.statistics import AlertFacts, CaseFacts, ReferralFacts, Statistics

SMALL_CELL = 5  # counts below this (and above 0) are shown as "< 5"
HIDDEN = "< 5"
DEFAULT_WEEKS = 4
MAX_PERIOD_DAYS = 366
WEEKLY_UP_TO_DAYS = 92  # longer periods are charted per month, so bars stay readable
# Bin edges (minutes) of the response-time distribution; desk targets are added as edges.
REPLY_EDGES = (15, 30, 60, 120, 240, 480, 1440)
OTHER_LANGUAGE = "other"


# -- periods ---------------------------------------------------------------------------------


class PeriodProblem(StrEnum):
    UNREADABLE = "unreadable"
    REVERSED = "reversed"
    TOO_LONG = "too_long"


class PeriodError(ValueError):
    """The text does not name a usable period; `problem` says why (the UI translates it)."""

    def __init__(self, problem: PeriodProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True)
class Period:
    """Whole local days from `first_day` to `last_day` (inclusive) in `zone`."""

    first_day: date
    last_day: date
    zone: ZoneInfo
    is_month: bool = False

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(0), self.zone).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """The first moment after the period."""
        following = self.last_day + timedelta(days=1)
        return datetime.combine(following, time(0), self.zone).astimezone(UTC)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def argument(self) -> str:
        """The text `parse_period` turns back into this period (for buttons and the CLI)."""
        if self.is_month:
            return f"{self.first_day:%Y-%m}"
        return f"{self.first_day.isoformat()} {self.last_day.isoformat()}"

    @property
    def monthly_buckets(self) -> bool:
        return self.days > WEEKLY_UP_TO_DAYS

    def buckets(self) -> list[tuple[date, date]]:
        """The bars of the cases chart: 7-day slices from the first day (the last may be
        shorter), or calendar months when the period is longer than about a quarter."""
        found: list[tuple[date, date]] = []
        day = self.first_day
        while day <= self.last_day:
            if not self.monthly_buckets:
                last = day + timedelta(days=6)
            else:
                following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
                last = following - timedelta(days=1)
            last = min(last, self.last_day)
            found.append((day, last))
            day = last + timedelta(days=1)
        return found


def month_period(year: int, month: int, zone: ZoneInfo) -> Period:
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return Period(first, following - timedelta(days=1), zone, is_month=True)


def last_weeks(now: datetime, zone: ZoneInfo, weeks: int = DEFAULT_WEEKS) -> Period:
    """The `weeks` × 7 local days ending today (today included)."""
    today = now.astimezone(zone).date()
    return Period(today - timedelta(days=7 * weeks - 1), today, zone)


def common_periods(now: datetime, zone: ZoneInfo) -> list[Period]:
    """The periods a keyboard offers: the last 4 weeks, this month so far, last month."""
    today = now.astimezone(zone).date()
    previous = today.replace(day=1) - timedelta(days=1)
    return [
        last_weeks(now, zone),
        month_period(today.year, today.month, zone),
        month_period(previous.year, previous.month, zone),
    ]


MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_period(text: str, now: datetime, zone: ZoneInfo) -> Period:
    """`""` → the last 4 weeks; `2026-11` → that month; `2026-11-01 2026-11-30` → those days
    (both included); a single date is that one day."""
    parts = text.split()
    if not parts:
        return last_weeks(now, zone)
    if len(parts) > 2:
        raise PeriodError(PeriodProblem.UNREADABLE)
    try:
        if len(parts) == 1 and (month := MONTH.match(parts[0])):
            return month_period(int(month.group(1)), int(month.group(2)), zone)
        first, last = date.fromisoformat(parts[0]), date.fromisoformat(parts[-1])
    except ValueError as exc:  # a month 13, a 31 April, or no date at all
        raise PeriodError(PeriodProblem.UNREADABLE) from exc
    if last < first:
        raise PeriodError(PeriodProblem.REVERSED)
    period = Period(first, last, zone)
    if period.days > MAX_PERIOD_DAYS:
        raise PeriodError(PeriodProblem.TOO_LONG)
    return period


# -- scope -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """One desk's figures, or (desk None) the whole network with a per-desk breakdown."""

    desk: str | None = None

    @property
    def everything(self) -> bool:
        return self.desk is None


def scope_for_chat(network: Network, chat_id: int) -> Scope | None:
    """What /stats shows in a chat: its desk's figures, everything for the coordinators."""
    if network.coordinators_chat_id is not None and chat_id == network.coordinators_chat_id:
        return Scope()
    desk = network.desk_for_chat(chat_id)
    return Scope(desk.code) if desk is not None else None


# -- the "< 5" rule --------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """A count as it may be published: `count` is None when 1 to 4 cases fall in it."""

    count: int | None

    @property
    def hidden(self) -> bool:
        return self.count is None

    @property
    def height(self) -> int:
        """What a chart may draw: nothing for a hidden cell."""
        return self.count or 0

    def text(self) -> str:
        return HIDDEN if self.count is None else str(self.count)


def publishable(count: int) -> Cell:
    """Apply the rule: 0 and 5 or more are shown, 1 to 4 are hidden."""
    return Cell(None if 0 < count < SMALL_CELL else count)


def cells(counts: Counter[str], order: Iterable[str], keep_zero: bool = True) -> dict[str, Cell]:
    """Counts in `order` (then codes not in it, sorted), each through the rule.

    The order never depends on the counts, so the order of hidden cells reveals nothing.
    """
    ordered = list(dict.fromkeys(order))
    ordered += sorted(code for code in counts if code not in ordered)
    return {code: publishable(counts[code]) for code in ordered if keep_zero or counts[code] > 0}


# -- figures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Durations:
    """Minutes from a case's opening to an event: how many, the median and 90th percentile."""

    count: int
    median: float | None
    p90: float | None


def quantile(values: Sequence[float], q: float) -> float:
    """The q-quantile of sorted `values`, interpolated linearly between the two nearest ranks
    (rank = q × (n − 1), counted from 0); q = 0.5 is the usual median."""
    if not values:
        msg = "no values"
        raise ValueError(msg)
    rank = q * (len(values) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (rank - low)


def durations(minutes: Iterable[float]) -> Durations:
    ordered = sorted(minutes)
    if not ordered:
        return Durations(0, None, None)
    return Durations(len(ordered), quantile(ordered, 0.5), quantile(ordered, 0.9))


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


async def collect(
    session: AsyncSession, network: Network, scope: Scope, period: Period, now: datetime
) -> Figures:
    """Read what the figures need (read-only) and compute them."""
    stats = Statistics(session)
    desks = None if scope.desk is None else [scope.desk]
    as_of = min(period.end, now)
    cases = await stats.cases(desks, period.start, period.end)
    desk = network.desks_by_code().get(scope.desk or "")
    if desk is not None and desk.kind is DeskKind.PARTNER:
        referrals = await stats.referrals_received(desk.code, period.start, period.end)
    else:
        referrals = await stats.referrals_made(desks, period.start, period.end)
    alerts = await stats.alerts(period.start, period.end) if scope.everything else None
    subscribers = await stats.subscribers_per_area(as_of) if scope.everything else None
    return compute(network, scope, period, now, cases, referrals, alerts, subscribers)


def compute(
    network: Network,
    scope: Scope,
    period: Period,
    now: datetime,
    cases: Sequence[CaseFacts],
    referrals: Sequence[ReferralFacts],
    alerts: Sequence[AlertFacts] | None,
    subscribers: dict[str, int] | None,
) -> Figures:
    """The figures from the rows (pure, so they can be checked on a known data set)."""
    if scope.desk is not None:
        # The query already filters; this keeps the promise even for rows handed in directly.
        cases = [case for case in cases if case.desk == scope.desk]
    clock = _Window(period.start, period.end, now)
    desk_rows: list[DeskRow] = []
    if scope.everything:
        police = [d.code for d in network.desks if d.kind is DeskKind.POLICE]
        for code in [*police, *sorted({c.desk for c in cases} - set(police))]:
            own = [case for case in cases if case.desk == code]
            figures = _case_figures(network, period, clock, own, [code])
            desk_rows.append(
                DeskRow(
                    desk=code,
                    new=publishable(figures.new),
                    open_at_end=publishable(figures.open_at_end),
                    closed=publishable(figures.closed),
                    first_reply=figures.first_reply,
                    target=figures.target,
                    escalations=figures.escalations,
                    rating_mean=figures.rating_mean,
                )
            )
    return Figures(
        period=period,
        scope=scope,
        as_of=clock.as_of,
        cases=_case_figures(
            network,
            period,
            clock,
            cases,
            [scope.desk] if scope.desk is not None else [d.code for d in network.desks],
        ),
        desks=desk_rows,
        referrals=_referral_rows(network, referrals),
        alerts=None if alerts is None else [_alert_row(alert) for alert in alerts],
        subscribers=(
            None
            if subscribers is None
            else cells(Counter(subscribers), [a.code for a in network.areas])
        ),
    )


@dataclass(frozen=True)
class _Window:
    start: datetime
    end: datetime
    now: datetime

    @property
    def as_of(self) -> datetime:
        return min(self.end, self.now)

    def inside(self, moment: datetime | None) -> bool:
        return moment is not None and self.start <= moment < self.end and moment <= self.now

    def by_end(self, moment: datetime | None) -> bool:
        """It had happened when the period ended (or now, for a period still running)."""
        return moment is not None and moment < self.end and moment <= self.now


def _minutes(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds() / 60


def _case_figures(
    network: Network,
    period: Period,
    clock: _Window,
    cases: Sequence[CaseFacts],
    desks_in_scope: Sequence[str],
) -> CaseFigures:
    desks = network.desks_by_code()
    opened = [case for case in cases if clock.inside(case.created_at)]
    targets = {code: desk.response_minutes for code, desk in desks.items()}

    replied = [case for case in opened if clock.by_end(case.first_reply_at)]
    reply_minutes = [
        _minutes(case.first_reply_at, case.created_at)
        for case in replied
        if case.first_reply_at is not None
    ]
    closing_minutes = [
        _minutes(case.closed_at, case.created_at)
        for case in opened
        if case.closed_at is not None and clock.by_end(case.closed_at)
    ]

    judged = within = 0
    for case in opened:
        target = targets.get(case.desk)
        if target is None:
            continue
        deadline = case.created_at + timedelta(minutes=target)
        if case.first_reply_at is not None and clock.by_end(case.first_reply_at):
            judged += 1
            within += _minutes(case.first_reply_at, case.created_at) <= target
        elif deadline <= clock.as_of and not (
            case.closed_at is not None and case.closed_at < deadline
        ):
            judged += 1  # still waiting after the target: late

    in_scope_targets = sorted(
        {target for code in desks_in_scope if (target := targets.get(code)) is not None}
    )
    closed_in_period = [case for case in cases if clock.inside(case.closed_at)]
    languages = [*network.languages, OTHER_LANGUAGE]
    categories = [c.code for c in network.categories]
    buckets = [
        Bucket(
            first,
            last,
            cells(
                Counter(
                    case.category
                    for case in opened
                    if first <= case.created_at.astimezone(period.zone).date() <= last
                ),
                categories,
            ),
        )
        for first, last in period.buckets()
    ]
    return CaseFigures(
        new=len(opened),
        open_at_end=sum(
            1 for case in cases if case.created_at < clock.end and not clock.by_end(case.closed_at)
        ),
        closed=len(closed_in_period),
        by_category=cells(Counter(c.category for c in opened), categories),
        by_area=cells(Counter(c.area for c in opened), [a.code for a in network.areas]),
        by_language=cells(Counter(c.language for c in opened), languages, keep_zero=False),
        by_privacy=cells(Counter(c.privacy for c in opened), [p.value for p in Privacy]),
        buckets=buckets,
        first_reply=durations(reply_minutes),
        unanswered=len(opened) - len(replied),
        closing=durations(closing_minutes),
        target=TargetShare(judged, within),
        reply_bins=_reply_bins(replied, targets, in_scope_targets),
        targets=tuple(in_scope_targets),
        reminders=sum(1 for case in cases if clock.inside(case.reminded_at)),
        escalations=sum(1 for case in cases if clock.inside(case.escalated_at)),
        ratings={
            stars: sum(1 for case in closed_in_period if case.rating == stars)
            for stars in range(1, 6)
        },
    )


def _reply_bins(
    replied: Sequence[CaseFacts], targets: dict[str, int | None], extra_edges: Sequence[int]
) -> list[ReplyBin]:
    edges = sorted({*REPLY_EDGES, *extra_edges})
    bounds: list[tuple[float, float | None]] = list(
        zip([0.0, *map(float, edges)], [*map(float, edges), None], strict=True)
    )
    counts = {bound: Counter[str]() for bound in bounds}
    for case in replied:
        assert case.first_reply_at is not None
        minutes = _minutes(case.first_reply_at, case.created_at)
        # Bins include their upper edge, so a reply exactly on target sits left of the line.
        bound = next(b for b in bounds if b[1] is None or minutes <= b[1])
        target = targets.get(case.desk)
        kind = "no_target" if target is None else "within" if minutes <= target else "late"
        counts[bound][kind] += 1
    return [
        ReplyBin(low, high, count["within"], count["late"], count["no_target"])
        for (low, high), count in counts.items()
    ]


def _referral_rows(network: Network, referrals: Sequence[ReferralFacts]) -> list[ReferralRow]:
    partners = [d.code for d in network.desks if d.kind is DeskKind.PARTNER]
    by_partner: dict[str, Counter[str]] = {}
    for referral in referrals:
        by_partner.setdefault(referral.partner, Counter())[referral.status] += 1
    ordered = [p for p in partners if p in by_partner]
    ordered += sorted(set(by_partner) - set(ordered))
    return [
        ReferralRow(
            partner=code,
            waiting=publishable(by_partner[code][ReferralStatus.PROPOSED.value]),
            accepted=publishable(by_partner[code][ReferralStatus.ACCEPTED.value]),
            declined=publishable(by_partner[code][ReferralStatus.DECLINED.value]),
        )
        for code in ordered
    ]


def _alert_row(alert: AlertFacts) -> AlertRow:
    status = alert.by_status
    return AlertRow(
        announcement_id=alert.announcement_id,
        occurrence_id=alert.occurrence_id,
        started_at=alert.started_at,
        areas=alert.areas,
        urgent=alert.urgent,
        recipients=sum(status.values()),
        delivered=status.get(DeliveryStatus.SENT.value, 0),
        failed=status.get(DeliveryStatus.FAILED.value, 0),
        blocked=status.get(DeliveryStatus.BLOCKED.value, 0),
        unknown=status.get(DeliveryStatus.UNKNOWN.value, 0),
        pending=status.get(DeliveryStatus.PENDING.value, 0)
        + status.get(DeliveryStatus.SENDING.value, 0),
        useful=alert.by_feedback.get("useful", 0),
        not_useful=alert.by_feedback.get("not_useful", 0),
    )
