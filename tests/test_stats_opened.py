"""/stats's breakdowns and chart bars of the cases opened come from a tally the database keeps
per desk and UTC day (migration 0014's triggers on `case`): it follows a change of a trait, a
transfer and a deletion, and the cases between a local midnight (the period's ends, a bar's
first moment) and the nearest UTC midnight are counted from the cases, to the microsecond,
in zones 8 hours behind, 5½ and 13 hours ahead of UTC. Worked out by hand from the moments
below."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.stats import Period, Scope, last_weeks, month_period
from bot.domain.stats.compute import window
from bot.network.schema import Network
from storage.models import Case
from storage.statistics_opened import OpenedCounts
from storage.statistics_shapes import Opened
from storage.statistics_slices import Cuts, midnight_near
from tests.stats_data import ZONE
from tests.test_stats_counting import case, store

NOW = datetime(2026, 12, 5, 12, 30, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
TICK = timedelta(microseconds=1)


def at(day: int, hour: int, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone).astimezone(UTC)


async def opened(
    factory: async_sessionmaker[AsyncSession], network: Network, period: Period, scope: Scope
) -> Opened:
    async with factory() as session:
        return await OpenedCounts(session, window(network, scope, period, NOW)).read()


def test_a_cut_moves_to_the_nearest_utc_midnight_and_its_slice_to_its_parts() -> None:
    assert midnight_near(at(4, 23)) == at(5, 0)
    assert midnight_near(at(4, 8)) == midnight_near(at(4, 12)) == at(4, 0)
    assert midnight_near(at(4, 8), later=True) == at(5, 0)  # the end of a period running
    cuts = Cuts.of(at(1, 23), at(4, 8), [at(2, 23)])
    assert cuts is not None
    assert cuts.days == (at(2, 0), at(3, 0), at(4, 0))
    # rows before the period's start (from the 1st at 23:00) are in the first part; the
    # first hour of the 3rd moves back to the first part; the 4th until 08:00 is added
    assert [(s.start, s.end, s.shares) for s in cuts.slices()] == [
        (at(1, 23), at(2, 0), ((0, 1),)),
        (at(2, 23), at(3, 0), ((1, 1), (0, -1))),
        (at(4, 0), at(4, 8), ((1, 1),)),
    ]
    assert Cuts.of(at(4, 8), at(4, 8)) is None


async def test_the_tally_follows_every_change_of_the_cases(
    session_factory: async_sessionmaker[AsyncSession], network: Network
) -> None:
    period = last_weeks(NOW, ZONE)  # 8 November to 5 December; bars from 15, 22 and 29 Nov
    last_bar = midnight(date(2026, 11, 29), ZONE)
    cases = [
        case(1, at(3, 10)),  # becomes a nuisance below
        case(2, at(2, 10)),  # transferred to east below
        case(3, at(1, 10)),  # deleted below
        case(4, at(4, 10)),  # its language becomes English below
        case(5, NOW + MINUTE),  # opened after "now"
        case(6, period.start),
        case(7, period.start - TICK),  # before the period
        case(8, last_bar - TICK),
        case(9, last_bar),
    ]
    await store(session_factory, cases)
    async with session_factory() as session:
        changed, transferred, deleted, english = [await session.get(Case, c.id) for c in cases[:4]]
        assert changed and transferred and deleted and english
        changed.category = "nuisance"
        transferred.desk = "east"
        await session.delete(deleted)
        english.language = "en"
        await session.commit()
    found = await opened(session_factory, network, period, Scope())
    assert found.traits == {
        "category": {"burglary": 5, "nuisance": 1},
        "area": {"centre": 6},
        "language": {"nl": 5, "en": 1},
        "privacy": {"confidential": 6},
    }
    assert found.bars == {
        0: {"burglary": 1},
        2: {"burglary": 1},
        3: {"burglary": 3, "nuisance": 1},
    }
    east = await opened(session_factory, network, period, Scope(desk="east"))
    assert east.traits["category"] == {"burglary": 1}
    assert east.bars == {3: {"burglary": 1}}


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "Asia/Kolkata", "Pacific/Auckland"])
async def test_cases_at_local_midnights_count_where_they_belong_in_any_zone(
    session_factory: async_sessionmaker[AsyncSession], network: Network, zone: str
) -> None:
    local = ZoneInfo(zone)
    november = month_period(2026, 11, local)  # bars from 8, 15, 22 and 29 November
    second, fifth = midnight(date(2026, 11, 8), local), midnight(date(2026, 11, 29), local)
    cases = [
        case(1, november.start - TICK),  # before the period
        case(2, november.start),
        case(3, second - TICK),
        case(4, second),
        case(5, second + 3 * 60 * MINUTE),
        case(6, fifth - TICK),
        case(7, november.end - TICK),
        case(8, november.end),  # after the period
    ]
    cases[4].category = "nuisance"
    running = [case(10, NOW), case(11, NOW + TICK)]  # at "now" and a microsecond later
    for one in running:
        one.desk = "east"
    await store(session_factory, [*cases, *running])
    found = await opened(session_factory, network, november, Scope())
    assert found.traits["category"] == {"burglary": 5, "nuisance": 1}
    assert found.bars == {
        0: {"burglary": 2},
        1: {"burglary": 1, "nuisance": 1},
        3: {"burglary": 1},
        4: {"burglary": 1},
    }
    # in a period still running, the case opened at "now" counts, the one after it does not
    found = await opened(session_factory, network, last_weeks(NOW, local), Scope(desk="east"))
    assert found.traits["category"] == {"burglary": 1}
