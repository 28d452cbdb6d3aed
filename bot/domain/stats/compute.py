"""Computing the figures from the rows storage.statistics reads: pure functions over a known
data set, so every median, share and count can be checked by hand."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.stats.figures import (
    AlertRow,
    Bucket,
    CaseFigures,
    DeskRow,
    Figures,
    ReferralRow,
    ReplyBin,
    TargetShare,
    durations,
)
from bot.domain.stats.periods import Period
from bot.domain.stats.pulse import compute_pulse, pulse_areas, trend_months
from bot.domain.stats.rules import Scope, cells, publishable
from bot.kinds import DeliveryStatus, Privacy, ReferralStatus
from bot.network.desks import DeskKind
from bot.network.schema import Network
from storage.statistics import AlertFacts, CaseFacts, ReferralFacts, Statistics

# Bin edges (minutes) of the response-time distribution; desk targets are added as edges.
REPLY_EDGES = (15, 30, 60, 120, 240, 480, 1440)
OTHER_LANGUAGE = "other"


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
    figures = compute(network, scope, period, now, cases, referrals, alerts, subscribers)
    areas = pulse_areas(network, scope)
    if areas is None:
        return figures
    months = trend_months(period)
    answers = await stats.pulse(months[0], months[-1])
    return replace(figures, pulse=compute_pulse(network, areas, months, answers))


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
