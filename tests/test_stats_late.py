"""/stats's cases judged late though unanswered (their desk's target passed by the period's
end, or by now, before any reply or closing), counted in two parts: those never answered
(migration 0016's partial index) and those answered only after the end or after now. At their
edges, worked out by hand (desk central's target is 30 minutes)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.stats import last_weeks
from bot.network.schema import Network
from tests.stats_data import NOW, ZONE, local
from tests.test_stats_counting import NOVEMBER, case, figures_for

MINUTE = timedelta(minutes=1)
TICK = timedelta(microseconds=1)


async def test_a_case_unanswered_when_its_target_passed_in_a_past_period_is_late(
    session_factory: async_sessionmaker[AsyncSession], network: Network
) -> None:
    end = NOVEMBER.end
    deadline = end - 30 * MINUTE  # opened then, its target passes right at the end
    cases = [
        case(1, local(11, 11)),  # never answered, still open
        case(2, local(11, 11), reply=end + MINUTE - local(11, 11)),  # answered in December
        case(3, deadline),
        case(4, deadline + TICK),  # its target passes after the end: not judged
        case(5, local(11, 12), reply=end - local(11, 12)),  # answered at the first moment after
        case(6, local(11, 13), closed=local(11, 13) + 29 * MINUTE),  # closed in time
        case(7, local(11, 14), reply=10 * MINUTE),  # answered in time
    ]
    figures = await figures_for(session_factory, network, cases)
    assert (figures.cases.target.judged, figures.cases.target.within) == (5, 1)
    assert figures.cases.unanswered == 6
    assert figures.desks[1].target == figures.cases.target


async def test_a_case_answered_after_now_in_a_period_still_running_is_late(
    session_factory: async_sessionmaker[AsyncSession], network: Network
) -> None:
    opened = NOW - 2 * 60 * MINUTE
    cases = [
        case(1, opened, reply=2 * 60 * MINUTE + TICK),  # answered a microsecond after now
        case(2, opened, reply=2 * 60 * MINUTE),  # answered at now: replied, late
        case(3, NOW - 30 * MINUTE),  # unanswered, its target passes at now: late
        case(4, NOW - 30 * MINUTE + TICK),  # its target has not passed yet: not judged
    ]
    figures = await figures_for(session_factory, network, cases, last_weeks(NOW, ZONE))
    assert (figures.cases.target.judged, figures.cases.target.within) == (3, 0)
    assert figures.cases.unanswered == 3
