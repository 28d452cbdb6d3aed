"""The figures the database counts for /stats, at their edges: durations exact to the
microsecond (from the cases, in a period not on whole UTC hours) or to within their bin (from
the histograms the database keeps, in a period on whole hours), a reply or a closing right on
the response target, a case opened right at a chart bar's local midnight, and cases right at
the ends of the period. Worked out by hand from the moments below (November 2026 in
Amsterdam; desk central's target is 30 minutes)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.stats import Cell, Figures, Period, Scope, collect, month_period
from bot.kinds import CaseStatus
from bot.network.schema import Network
from storage.models import Case, Citizen
from tests.conftest import CENTRAL
from tests.stats_data import NOW, ZONE, local

NOVEMBER = month_period(2026, 11, ZONE)
# Half an hour off UTC: the duration histograms (whole UTC days) are not used.
NOVEMBER_OFF_THE_HOUR = month_period(2026, 11, ZoneInfo("Asia/Kolkata"))
MINUTE = timedelta(minutes=1)
TICK = timedelta(microseconds=1)


def case(
    number: int,
    created: datetime,
    *,
    reply: timedelta | None = None,
    closed: datetime | None = None,
    reminded: datetime | None = None,
    rating: int | None = None,
) -> Case:
    return Case(
        ref=f"BL-26-{number:05d}",
        category="burglary",
        area="centre",
        language="nl",
        privacy="confidential",
        status=CaseStatus.CLOSED if closed is not None else CaseStatus.OPEN,
        desk="central",
        staff_chat_id=CENTRAL,
        created_at=created,
        first_reply_at=None if reply is None else created + reply,
        closed_at=closed,
        sla_reminded_at=reminded,
        rating=rating,
    )


async def store(factory: async_sessionmaker[AsyncSession], cases: list[Case]) -> None:
    """The cases, reported by one resident."""
    async with factory() as session:
        resident = Citizen(
            telegram_id=900,
            chat_id=900,
            first_name="Ria",
            language="nl",
            created_at=NOW,
            last_seen_at=NOW,
        )
        session.add(resident)
        await session.flush()
        for one in cases:
            one.citizen_id = resident.id
        session.add_all(cases)
        await session.commit()


async def figures_for(
    factory: async_sessionmaker[AsyncSession],
    network: Network,
    cases: list[Case],
    period: Period = NOVEMBER,
) -> Figures:
    await store(factory, cases)
    async with factory() as session:
        return await collect(session, network, Scope(), period, NOW)


REPLIES = [
    timedelta(minutes=1, microseconds=1),
    timedelta(minutes=2, seconds=30, microseconds=7),
    timedelta(minutes=4),
]


async def test_response_times_are_exact_to_the_microsecond_off_the_hour(
    session_factory: async_sessionmaker[AsyncSession], network: Network
) -> None:
    cases = [case(n, local(11, 10), reply=reply) for n, reply in enumerate(REPLIES)]
    figures = await figures_for(session_factory, network, cases, NOVEMBER_OFF_THE_HOUR)
    middle, last = 150.000007 / 60, 4.0
    assert figures.cases.first_reply.count == 3
    assert figures.cases.first_reply.median == middle
    # rank 0.9 × 2 = 1.8: eight tenths of the way from the second reply to the third
    assert figures.cases.first_reply.p90 == middle + (last - middle) * (0.9 * 2 - 1)
    assert figures.desks[1].desk == "central"
    assert figures.desks[1].first_reply == figures.cases.first_reply


async def test_response_times_on_whole_hours_are_right_to_within_their_bin(
    session_factory: async_sessionmaker[AsyncSession], network: Network
) -> None:
    """Deliberately not exact: in a period on whole UTC hours the median and 90th percentile
    come from the 1-minute bins below an hour, each reply taken as its bin's upper edge
    (1 min 1 µs → 2, 2 min 30 s → 3, 4 min → 4), then interpolated as before."""
    cases = [case(n, local(11, 10), reply=reply) for n, reply in enumerate(REPLIES)]
    figures = await figures_for(session_factory, network, cases)
    assert figures.cases.first_reply.count == 3
    assert figures.cases.first_reply.median == 3.0
    assert figures.cases.first_reply.p90 == 3.0 + (4.0 - 3.0) * (0.9 * 2 - 1)
    assert figures.desks[1].first_reply == figures.cases.first_reply


async def test_a_reply_or_a_closing_right_on_the_target_is_on_time(
    session_factory: async_sessionmaker[AsyncSession], network: Network
) -> None:
    opened = local(11, 10)
    deadline = opened + 30 * MINUTE
    cases = [
        case(1, opened, reply=30 * MINUTE),  # within, in the bin up to 30 minutes
        case(2, opened, reply=30 * MINUTE + TICK),  # late, in the next bin
        case(3, opened, closed=deadline),  # unanswered when the time was up: late
        case(4, opened, closed=deadline - TICK),  # closed in time without a reply: not judged
    ]
    figures = await figures_for(session_factory, network, cases)
    assert (figures.cases.target.judged, figures.cases.target.within) == (3, 1)
    assert figures.desks[1].target == figures.cases.target
    bins = {(b.low, b.high): (b.within, b.late, b.no_target) for b in figures.cases.reply_bins}
    assert bins[(15, 30)] == (1, 0, 0)
    assert bins[(30, 60)] == (0, 1, 0)
    assert figures.cases.closing.count == 2
    assert figures.cases.closing.median == 30.0  # both in the bin up to 30 minutes


async def test_a_case_opened_at_local_midnight_is_in_the_bar_that_starts_then(
    session_factory: async_sessionmaker[AsyncSession], network: Network
) -> None:
    midnight = local(11, 8, 0, 0)  # 23:00 UTC on 7 November: the second week's first moment
    cases = [case(n, midnight) for n in range(5)]
    cases += [case(n, midnight - TICK) for n in range(5, 10)]
    figures = await figures_for(session_factory, network, cases)
    weeks = {bucket.first_day.day: bucket.by_category for bucket in figures.cases.buckets}
    assert weeks[1]["burglary"] == Cell(5)
    assert weeks[8]["burglary"] == Cell(5)
    assert weeks[15]["burglary"] == Cell(0)


async def test_cases_right_at_the_ends_of_the_period_count_once_or_not_at_all(
    session_factory: async_sessionmaker[AsyncSession], network: Network
) -> None:
    start, end = NOVEMBER.start, NOVEMBER.end
    october = local(10, 20)
    cases = [
        case(1, october, closed=start - TICK),  # gone before the period: nowhere
        case(2, october, closed=start, reminded=start),  # closed (and reminded) in it
        case(3, october),  # still open at the end
        case(4, october, closed=end),  # closed at the first moment after: open at the end
        case(5, end - TICK),  # opened at the last moment: new and open at the end
        case(6, end),  # opened after the period: nowhere
    ]
    figures = await figures_for(session_factory, network, cases)
    counts = figures.cases
    assert (counts.new, counts.open_at_end, counts.closed) == (1, 3, 1)
    assert (counts.reminders, counts.unanswered) == (1, 1)
    assert [row.desk for row in figures.desks] == ["east", "central"]
    assert figures.desks[0].new == figures.desks[0].open_at_end == Cell(0)
    assert figures.desks[1].open_at_end == Cell(None)
