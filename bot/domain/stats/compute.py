"""Computing the figures from what storage.statistics counts: the database counts the cases
(per desk, breakdown, chart bar and reply-time bin) and gives their percentiles, so the work
here does not grow with the number of cases; pure functions, checked by hand on a known data
set."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, time
from typing import Any

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
from bot.kinds import AlertFeedback, DeliveryStatus, Privacy, ReferralStatus
from bot.network.desks import DeskKind
from bot.network.schema import Network
from storage.statistics import AlertFacts, Statistics
from storage.statistics_referrals import ReferralCounts
from storage.statistics_shapes import CaseTallies, CaseWindow, DeskTally, Spread

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
    tallies = await stats.case_tallies(window(network, scope, period, now))
    desk = network.desks_by_code().get(scope.desk or "")
    if desk is not None and desk.kind is DeskKind.PARTNER:
        referrals = await stats.referrals_received(desk.code, period.start, period.end)
    else:
        referrals = await stats.referrals_made(desks, period.start, period.end)
    alerts = await stats.alerts(period.start, period.end) if scope.everything else None
    subscribers = await stats.subscribers_per_area(as_of) if scope.everything else None
    figures = compute(network, scope, period, now, tallies, referrals, alerts, subscribers)
    areas = pulse_areas(network, scope)
    if areas is None:
        return figures
    months = trend_months(period)
    answers = await stats.pulse(months[0], months[-1])
    return replace(figures, pulse=compute_pulse(network, areas, months, answers))


def _in_scope_targets(network: Network, scope: Scope) -> list[int]:
    """The response targets (minutes) of the desks in scope, each once, smallest first."""
    codes = [scope.desk] if scope.desk is not None else [d.code for d in network.desks]
    desks = network.desks_by_code()
    return sorted(
        {
            target
            for code in codes
            if code in desks and (target := desks[code].response_minutes) is not None
        }
    )


def window(network: Network, scope: Scope, period: Period, now: datetime) -> CaseWindow:
    """What the database counts for these figures: the period, the desks' targets, the chart's
    bars (whole local days) and the reply-time bins (the fixed edges and the targets)."""
    bars = [
        datetime.combine(first, time(0), period.zone).astimezone(UTC)
        for first, _last in period.buckets()[1:]
    ]
    return CaseWindow(
        start=period.start,
        end=period.end,
        now=now,
        desks=None if scope.desk is None else [scope.desk],
        targets={
            desk.code: desk.response_minutes
            for desk in network.desks
            if desk.response_minutes is not None
        },
        bar_starts=bars,
        reply_edges=[
            float(edge) for edge in sorted({*REPLY_EDGES, *_in_scope_targets(network, scope)})
        ],
    )


def compute(
    network: Network,
    scope: Scope,
    period: Period,
    now: datetime,
    tallies: CaseTallies,
    referrals: ReferralCounts,
    alerts: Sequence[AlertFacts] | None,
    subscribers: dict[str, int] | None,
) -> Figures:
    """The figures from what the database counted (pure, so they can be checked by hand)."""
    desk_rows: list[DeskRow] = []
    if scope.everything:
        police = [d.code for d in network.desks if d.kind is DeskKind.POLICE]
        for code in [*police, *sorted(set(tallies.desks) - set(police))]:
            desk_rows.append(_desk_row(code, tallies))
    return Figures(
        period=period,
        scope=scope,
        as_of=min(period.end, now),
        cases=_case_figures(network, scope, period, tallies),
        desks=desk_rows,
        referrals=_referral_rows(network, referrals),
        alerts=None if alerts is None else [_alert_row(alert) for alert in alerts],
        subscribers=(
            None
            if subscribers is None
            else cells(Counter(subscribers), [a.code for a in network.areas])
        ),
    )


def _desk_row(code: str, tallies: CaseTallies) -> DeskRow:
    tally = tallies.desks.get(code, DeskTally())
    return DeskRow(
        desk=code,
        new=publishable(tally.new),
        open_at_end=publishable(tally.open_at_end),
        closed=publishable(tally.closed),
        first_reply=durations(tallies.first_reply.get(code, Spread())),
        target=TargetShare(tally.judged, tally.within),
        escalations=tally.escalations,
        rating_mean=_mean(tally.ratings),
    )


def _mean(ratings: dict[int, int]) -> float | None:
    rated = sum(ratings.values())
    return sum(stars * count for stars, count in ratings.items()) / rated if rated else None


def _case_figures(
    network: Network, scope: Scope, period: Period, tallies: CaseTallies
) -> CaseFigures:
    total = sum(tallies.desks.values(), DeskTally(ratings=dict.fromkeys(range(1, 6), 0)))
    opened = tallies.opened
    languages = [*network.languages, OTHER_LANGUAGE]
    categories = [c.code for c in network.categories]
    targets = _in_scope_targets(network, scope)
    return CaseFigures(
        new=total.new,
        open_at_end=total.open_at_end,
        closed=total.closed,
        by_category=cells(_counts(opened.traits, "category"), categories),
        by_area=cells(_counts(opened.traits, "area"), [a.code for a in network.areas]),
        by_language=cells(_counts(opened.traits, "language"), languages, keep_zero=False),
        by_privacy=cells(_counts(opened.traits, "privacy"), [p.value for p in Privacy]),
        buckets=[
            Bucket(first, last, cells(_counts(opened.bars, bar), categories))
            for bar, (first, last) in enumerate(period.buckets())
        ],
        first_reply=durations(tallies.first_reply_all),
        unanswered=total.new - total.replied,
        closing=durations(tallies.closing_all),
        target=TargetShare(total.judged, total.within),
        reply_bins=_reply_bins(tallies.reply_bins, targets),
        targets=tuple(targets),
        reminders=total.reminders,
        escalations=total.escalations,
        ratings=total.ratings,
    )


def _counts(counted: Mapping[Any, dict[str, int]], key: object) -> Counter[str]:
    return Counter(counted.get(key, {}))


def _reply_bins(counts: dict[tuple[int, str], int], extra_edges: Sequence[int]) -> list[ReplyBin]:
    edges = sorted({*REPLY_EDGES, *extra_edges})
    lows = [0.0, *map(float, edges)]
    highs: list[float | None] = [*map(float, edges), None]
    return [
        ReplyBin(
            low,
            high,
            counts.get((n, "within"), 0),
            counts.get((n, "late"), 0),
            counts.get((n, "no_target"), 0),
        )
        for n, (low, high) in enumerate(zip(lows, highs, strict=True))
    ]


def _referral_rows(network: Network, referrals: ReferralCounts) -> list[ReferralRow]:
    partners = [d.code for d in network.desks if d.kind is DeskKind.PARTNER]
    by_partner: dict[str, Counter[str]] = {}
    for (partner, status), count in referrals.items():
        by_partner.setdefault(partner, Counter())[status] += count
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
        pending=status.get(DeliveryStatus.PENDING.value, 0),
        useful=alert.by_feedback.get(AlertFeedback.USEFUL, 0),
        not_useful=alert.by_feedback.get(AlertFeedback.NOT_USEFUL, 0),
    )
