"""/stats's per-desk event counts come from tallies the database keeps (migration 0012's
triggers on `case`): they follow a transfer, a reopening, a deletion, and in a period still
running the hour under way (and a closing after "now") is counted from the cases themselves.
Worked out by hand from the moments below."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.stats import Scope, last_weeks
from bot.domain.stats.compute import window
from bot.kinds import CaseStatus
from bot.network.schema import Network
from storage.models import Case
from storage.statistics import Statistics
from storage.statistics_shapes import DeskTally
from tests.stats_data import ZONE
from tests.test_stats_counting import case, store

NOW = datetime(2026, 12, 5, 12, 30, tzinfo=UTC)  # half-way through an hour
MINUTE = timedelta(minutes=1)


def at(day: int, hour: int, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


async def test_the_tallies_follow_every_change_and_the_running_hour(
    session_factory: async_sessionmaker[AsyncSession], network: Network
) -> None:
    cases = [
        case(1, NOW - 10 * MINUTE),  # opened in the running hour
        case(2, at(4, 10), closed=NOW - 5 * MINUTE, rating=4),  # closed in the running hour
        case(3, at(3, 10), closed=at(3, 11), rating=5),  # transferred to east below
        case(4, at(2, 10)),  # deleted below
        case(5, at(1, 10), closed=at(1, 12), rating=2),  # reopened below
        case(6, at(1, 10, month=10), reminded=at(2, 9)),  # from before the period, open
        case(7, NOW - 20 * MINUTE, closed=NOW + 10 * MINUTE),  # closed after "now"
    ]
    await store(session_factory, cases)
    async with session_factory() as session:
        transferred, deleted, reopened = [await session.get(Case, c.id) for c in cases[2:5]]
        assert transferred is not None and deleted is not None and reopened is not None
        transferred.desk = "east"
        await session.delete(deleted)
        reopened.closed_at = None
        reopened.rating = None
        reopened.status = CaseStatus.OPEN
        await session.commit()
    async with session_factory() as session:
        period = last_weeks(NOW, ZONE)
        tallies = await Statistics(session).case_tallies(window(network, Scope(), period, NOW))
    central, east = tallies.desks["central"], tallies.desks["east"]
    assert (central.new, central.closed, central.open_at_end) == (4, 1, 4)
    assert central.ratings == {1: 0, 2: 0, 3: 0, 4: 1, 5: 0}
    assert central.reminders == 1
    assert east == DeskTally(new=1, closed=1, ratings={1: 0, 2: 0, 3: 0, 4: 0, 5: 1})
