"""/stats's first-reply and closing times come from histograms the database keeps (migration
0013's triggers on `case`, per desk and UTC day, in bins of 1 minute below an hour, 5 below 4
hours, 30 below 2 days, then days): they follow a changed reply, a transfer and a deletion,
and the partial first day of the period, the day still running and a reply after "now" are
counted from the cases. Worked out by hand from the moments below."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.stats import Scope, last_weeks
from bot.domain.stats.compute import window
from bot.network.schema import Network
from storage.models import Case
from storage.statistics import Statistics
from storage.statistics_durations import DeskDurations
from storage.statistics_shapes import Spread, bin_upto
from tests.stats_data import ZONE
from tests.test_stats_counting import case, store

NOW = datetime(2026, 12, 5, 12, 30, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 12, day, hour, tzinfo=UTC)


def test_the_bins_include_their_upper_edge() -> None:
    assert [bin_upto(minutes * MINUTE) for minutes in (0, 0.5, 1, 60)] == [0, 1, 1, 60]
    assert bin_upto(60 * MINUTE + timedelta(microseconds=1)) == 65
    assert [bin_upto(minutes * MINUTE) for minutes in (240.5, 2880, 2881)] == [270, 2880, 4320]
    assert Spread.of_bins({2: 1, 3: 1, 4: 1}) == Spread(3, 3.0, 3.8)


async def test_the_histograms_follow_every_change_and_the_edges(
    session_factory: async_sessionmaker[AsyncSession], network: Network
) -> None:
    period = last_weeks(NOW, ZONE)
    cases = [
        case(1, at(3, 10), reply=90 * MINUTE, closed=at(4, 9)),  # reply changed below
        case(2, at(2, 10), reply=40 * MINUTE),  # transferred to east below
        case(3, at(1, 10), reply=10 * MINUTE),  # deleted below
        case(4, at(4, 20), reply=NOW - MINUTE - at(4, 20)),  # replied in the running day
        case(5, NOW - 2 * 60 * MINUTE, reply=MINUTE),  # opened in the running day
        case(6, at(3, 10), reply=NOW + MINUTE - at(3, 10)),  # replied after "now"
        case(7, period.start + 30 * MINUTE, reply=3 * MINUTE),  # the partial first day
        case(8, period.start - MINUTE, reply=MINUTE),  # opened before the period
    ]
    await store(session_factory, cases)
    async with session_factory() as session:
        changed, transferred, deleted = [await session.get(Case, c.id) for c in cases[:3]]
        assert changed is not None and transferred is not None and deleted is not None
        changed.first_reply_at = at(3, 10) + 7 * MINUTE
        transferred.desk = "east"
        await session.delete(deleted)
        await session.commit()
    counted = window(network, Scope(), period, NOW)
    async with session_factory() as session:
        durations = DeskDurations(session, counted)
        assert durations.applies()
        found = await durations.histograms()
        tallies = await Statistics(session).case_tallies(counted)
    # 16 h 29 min from the 4th at 20:00 to 12:29 on the 5th: the 30-minute bin up to 990
    assert {desk: {k: v for k, v in h.items() if v} for desk, h in found.of("reply").items()} == {
        "central": {7: 1, 990: 1, 1: 1, 3: 1},
        "east": {40: 1},
    }
    assert {k: v for k, v in found.of("closing")["central"].items() if v} == {1380: 1}
    assert (tallies.first_reply_all.count, tallies.first_reply_all.median) == (5, 7.0)
    assert tallies.first_reply_all.p90 == pytest.approx(40.0 + (990.0 - 40.0) * 0.6)
    assert tallies.first_reply["east"] == Spread(1, 40.0, 40.0)
    assert tallies.closing_all == Spread(1, 1380.0, 1380.0)
