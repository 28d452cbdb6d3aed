"""The figures of /stats and the monthly report: periods in the network's time zone, exact
numbers for a known data set, the "< 5" rule, and a desk that only ever sees its own cases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.stats import (
    Cell,
    Figures,
    PeriodError,
    PeriodProblem,
    Scope,
    collect,
    common_periods,
    month_period,
    parse_period,
    publishable,
    quantile,
    scope_for_chat,
)
from bot.network.schema import Network
from storage.models import Case
from tests.conftest import CENTRAL, COORDINATORS, PARTNER
from tests.stats_data import NOW, ZONE, local, seed

HIDDEN = Cell(None)
NOVEMBER = month_period(2026, 11, ZONE)


async def figures_of(
    factory: async_sessionmaker[AsyncSession], network: Network, scope: Scope
) -> Figures:
    async with factory() as session:
        return await collect(session, network, scope, NOVEMBER, NOW)


# -- periods ---------------------------------------------------------------------------------


def test_a_month_runs_from_local_midnight_to_local_midnight() -> None:
    period = parse_period("2026-11", NOW, ZONE)
    assert period.is_month
    assert (period.first_day, period.last_day) == (date(2026, 11, 1), date(2026, 11, 30))
    # Amsterdam is UTC+1 in November: the month starts at 23:00 UTC the day before.
    assert period.start == datetime(2026, 10, 31, 23, 0, tzinfo=UTC)
    assert period.end == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    assert period.argument == "2026-11"


def test_a_range_of_days_includes_both_days_and_reads_back() -> None:
    period = parse_period("2026-11-03 2026-11-09", NOW, ZONE)
    assert period.days == 7
    assert period.end - period.start == timedelta(days=7)
    assert parse_period(period.argument, NOW, ZONE) == period


def test_no_argument_means_the_last_four_weeks_up_to_today() -> None:
    # 00:30 on 5 March in Amsterdam is still 4 March in UTC.
    now = datetime(2026, 3, 4, 23, 30, tzinfo=UTC)
    period = parse_period("", now, ZONE)
    assert (period.first_day, period.last_day) == (date(2026, 2, 6), date(2026, 3, 5))
    assert [len(range((last - first).days + 1)) for first, last in period.buckets()] == [7] * 4


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("2026-13", PeriodProblem.UNREADABLE),
        ("last week", PeriodProblem.UNREADABLE),
        ("2026-11-01 2026-11-30 2026-12-01", PeriodProblem.UNREADABLE),
        ("2026-11-30 2026-11-01", PeriodProblem.REVERSED),
        ("2025-01-01 2026-06-30", PeriodProblem.TOO_LONG),
    ],
)
def test_a_period_that_cannot_be_used_says_why(text: str, problem: PeriodProblem) -> None:
    with pytest.raises(PeriodError) as caught:
        parse_period(text, NOW, ZONE)
    assert caught.value.problem is problem


def test_the_common_periods_read_back_from_their_arguments() -> None:
    now = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
    periods = common_periods(now, ZONE)
    assert [p.argument for p in periods] == ["2025-12-14 2026-01-10", "2026-01", "2025-12"]
    assert [parse_period(p.argument, now, ZONE) for p in periods] == periods


def test_a_long_period_is_charted_per_month() -> None:
    period = parse_period("2026-01-15 2026-06-30", NOW, ZONE)
    assert period.buckets()[0] == (date(2026, 1, 15), date(2026, 1, 31))
    assert period.buckets()[-1] == (date(2026, 6, 1), date(2026, 6, 30))
    assert len(period.buckets()) == 6


def test_stats_shows_a_desk_its_own_figures_and_the_coordinators_everything(
    network: Network,
) -> None:
    assert scope_for_chat(network, CENTRAL) == Scope("central")
    assert scope_for_chat(network, PARTNER) == Scope("housing")
    assert scope_for_chat(network, COORDINATORS) == Scope()
    assert scope_for_chat(network, -100999) is None


# -- the rule and the arithmetic -------------------------------------------------------------


def test_one_to_four_cases_are_hidden_zero_and_five_are_shown() -> None:
    assert [publishable(n).text() for n in range(7)] == [
        "0",
        "< 5",
        "< 5",
        "< 5",
        "< 5",
        "5",
        "6",
    ]
    assert publishable(3).height == 0


def test_quantiles_interpolate_between_ranks() -> None:
    values = [5.0, 10.0, 20.0, 25.0, 30.0, 45.0, 60.0, 120.0]
    assert quantile(values, 0.5) == 27.5
    assert quantile(values, 0.9) == pytest.approx(78.0)
    assert quantile([7.0], 0.9) == 7.0


# -- a desk's figures ------------------------------------------------------------------------


async def test_a_desks_figures_are_exact_for_the_known_data_set(
    session_factory: async_sessionmaker[AsyncSession], network: Network
) -> None:
    await seed(session_factory)
    figures = await figures_of(session_factory, network, Scope("central"))
    cases = figures.cases
    assert (cases.new, cases.open_at_end, cases.closed) == (9, 6, 5)
    assert cases.unanswered == 1
    assert cases.first_reply.count == 8
    # Whole minutes on the histograms' bin edges: binned percentiles are the exact ones here.
    assert cases.first_reply.median == 27.5
    assert cases.first_reply.p90 == pytest.approx(78.0)
    assert cases.closing.count == 4
    assert cases.closing.median == 780.0
    assert cases.closing.p90 == pytest.approx(2448.0)
    # Within 30 minutes: 5, 10, 20, 25 and 30; late: 45, 60, 120 and the unanswered case.
    assert (cases.target.judged, cases.target.within) == (9, 5)
    assert cases.target.share == pytest.approx(5 / 9)
    assert cases.targets == (30,)
    assert (cases.reminders, cases.escalations) == (4, 2)
    assert cases.ratings == {1: 1, 2: 0, 3: 0, 4: 2, 5: 1}
    assert cases.rating_mean == 3.5
    assert figures.alerts is None and figures.subscribers is None and figures.desks == []


async def test_the_reply_distribution_puts_a_reply_on_target_left_of_the_line(
    session_factory: async_sessionmaker[AsyncSession], network: Network
) -> None:
    await seed(session_factory)
    figures = await figures_of(session_factory, network, Scope("central"))
    bins = {(b.low, b.high): (b.within, b.late, b.no_target) for b in figures.cases.reply_bins}
    assert bins[(0, 15)] == (2, 0, 0)
    assert bins[(15, 30)] == (3, 0, 0)
    assert bins[(30, 60)] == (0, 2, 0)
    assert bins[(60, 120)] == (0, 1, 0)
    assert sum(b.total for b in figures.cases.reply_bins) == 8


async def test_small_cells_are_hidden_per_category_area_language_and_tier(
    session_factory: async_sessionmaker[AsyncSession], network: Network
) -> None:
    await seed(session_factory)
    cases = (await figures_of(session_factory, network, Scope("central"))).cases
    assert cases.by_category == {"burglary": Cell(6), "nuisance": HIDDEN}
    assert cases.by_area == {"centre": Cell(7), "east": HIDDEN}
    assert cases.by_language == {"en": Cell(6), "nl": HIDDEN}
    assert cases.by_privacy == {
        "anonymous": HIDDEN,
        "confidential": Cell(5),
        "identified": HIDDEN,
    }
    weeks = {bucket.first_day.day: bucket.by_category for bucket in cases.buckets}
    assert sorted(weeks) == [1, 8, 15, 22, 29]
    assert weeks[1] == {"burglary": HIDDEN, "nuisance": HIDDEN}
    assert weeks[29] == {"burglary": Cell(0), "nuisance": HIDDEN}


async def test_referrals_count_the_residents_answers(
    session_factory: async_sessionmaker[AsyncSession], network: Network
) -> None:
    await seed(session_factory)
    figures = await figures_of(session_factory, network, Scope("central"))
    [row] = figures.referrals
    assert row.partner == "housing"
    assert (row.accepted, row.declined, row.waiting) == (Cell(5), HIDDEN, Cell(0))


async def test_a_partner_sees_only_the_referrals_it_received(
    session_factory: async_sessionmaker[AsyncSession], network: Network
) -> None:
    await seed(session_factory)
    figures = await figures_of(session_factory, network, Scope("housing"))
    assert figures.cases.new == 0
    [row] = figures.referrals
    # The declined referral never reached the partner, so it is not counted for them.
    assert (row.accepted, row.declined, row.waiting) == (Cell(5), Cell(0), Cell(0))


async def test_a_desks_figures_never_include_another_desks_cases(
    session_factory: async_sessionmaker[AsyncSession], network: Network
) -> None:
    ids = await seed(session_factory)
    east = await figures_of(session_factory, network, Scope("east"))
    assert east.cases.new == 5
    assert east.cases.by_area == {"centre": Cell(0), "east": Cell(5)}
    # Median and 90th percentile to within the bin (a month on whole UTC hours reads the
    # histograms): 100, 200, 300, 400, 500 minutes are taken as 100, 200, 300, 420, 510
    # (5-minute bins below 4 hours, 30-minute bins above), so the 90th is 420 + 0.6 × 90.
    assert east.cases.first_reply.median == 300.0
    assert east.cases.first_reply.p90 == pytest.approx(474.0)
    assert east.referrals == []
    async with session_factory() as session:
        await session.execute(delete(Case).where(Case.id.in_(ids["central"])))
        await session.commit()
    # With every other desk's case gone, not one figure of desk east changes.
    assert await figures_of(session_factory, network, Scope("east")) == east


async def test_a_case_within_its_target_time_is_not_judged_until_the_time_is_up(
    session_factory: async_sessionmaker[AsyncSession], network: Network
) -> None:
    await seed(session_factory)
    opened = local(11, 29, 12)  # the unanswered case; central's target is 30 minutes
    period = parse_period("2026-11-29", opened, ZONE)
    async with session_factory() as session:
        early = await collect(
            session, network, Scope("central"), period, opened + timedelta(minutes=29)
        )
        late = await collect(
            session, network, Scope("central"), period, opened + timedelta(minutes=30)
        )
    assert (early.cases.target.judged, early.cases.target.within) == (0, 0)
    assert (late.cases.target.judged, late.cases.target.within) == (1, 0)
    assert early.cases.unanswered == late.cases.unanswered == 1


# -- the whole network -----------------------------------------------------------------------


async def test_the_coordinators_get_every_desk_with_a_breakdown(
    session_factory: async_sessionmaker[AsyncSession], network: Network
) -> None:
    await seed(session_factory)
    figures = await figures_of(session_factory, network, Scope())
    cases = figures.cases
    assert (cases.new, cases.open_at_end, cases.closed) == (14, 11, 5)
    assert cases.by_category == {"burglary": Cell(11), "nuisance": HIDDEN}
    # East's 2 central cases are hidden for central, but with desk east's 5 the cell is 7.
    assert cases.by_area == {"centre": Cell(7), "east": Cell(7)}
    assert cases.buckets[1].by_category == {"burglary": Cell(7), "nuisance": Cell(0)}
    # Desk east has no target: its replies are shown but not judged.
    assert (cases.target.judged, cases.target.within) == (9, 5)
    assert cases.first_reply.count == 13
    assert sum(b.no_target for b in cases.reply_bins) == 5
    rows = {row.desk: row for row in figures.desks}
    assert list(rows) == ["east", "central"]
    assert (rows["central"].new, rows["central"].open_at_end) == (Cell(9), Cell(6))
    assert rows["central"].closed == Cell(5)
    assert (rows["east"].new, rows["east"].closed) == (Cell(5), Cell(0))
    assert rows["east"].first_reply.median == 300.0
    assert rows["east"].target.share is None
    assert rows["central"].escalations == 2


async def test_alerts_and_subscribers_are_counted_per_sending_and_area(
    session_factory: async_sessionmaker[AsyncSession], network: Network
) -> None:
    await seed(session_factory)
    figures = await figures_of(session_factory, network, Scope())
    assert figures.alerts is not None
    first, second = figures.alerts
    assert first.started_at == local(11, 12, 18)
    assert first.areas == ("centre",)
    assert (first.recipients, first.delivered, first.failed) == (9, 6, 1)
    assert (first.blocked, first.unknown, first.pending) == (1, 1, 0)
    assert (first.useful, first.not_useful) == (2, 1)
    assert (second.recipients, second.delivered, second.useful) == (3, 3, 0)
    # A resident who blocked the bot or never agreed to the privacy notice is not counted.
    assert figures.subscribers == {"centre": Cell(6), "east": HIDDEN}
