"""What bench.seeded times: each probe calls the domain functions its handler calls, in the
handler's order, with the resident loaded as the middleware loads them (by Telegram id)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.seeding_shape import Samples
from bot.domain import cases as case_service
from bot.domain import referrals as referral_service
from bot.domain.citizens import citizen_of_case
from bot.domain.stats import Scope, collect, last_weeks
from bot.network.schema import Network
from storage.cases import Cases
from storage.citizens import Citizens
from storage.messages import CaseMessages
from storage.models import Citizen


class ProbeError(Exception):
    """A probe did not find what the samples promise: the timing would be of nothing."""


async def resident(session: AsyncSession, citizen_id: int) -> Citizen:
    """As handlers.middlewares does for every private update (bench.seeding's ids)."""
    citizen = await Citizens(session).by_telegram_id(700_000_000 + citizen_id)
    if citizen is None:
        raise ProbeError(f"no resident {citizen_id}")
    return citizen


async def status(session: AsyncSession, sample: Any) -> None:
    """`/status BL-…` (handlers.resident.case_views.cmd_status)."""
    citizen_id, ref = sample
    case = await case_service.find_own_case(session, await resident(session, citizen_id), ref)
    if case is None:
        raise ProbeError(f"/status {ref}: not found")
    await CaseMessages(session).last_answer_at(case.id)


async def my_cases(session: AsyncSession, sample: Any) -> None:
    """*My cases* (handlers.resident.case_views.cmd_cases); on the small database the heavy
    residents' few cases may all be pseudonymised already, and the list is then empty."""
    await case_service.recent_cases(session, await resident(session, sample))


async def staff_reply(session: AsyncSession, sample: Any) -> None:
    """A staff message in a case topic (bot.workflows.from_staff.relay_from_staff): the topic's
    case, whether this message was relayed already, the resident to send it to."""
    chat_id, thread_id, message_id = sample
    case = await Cases(session).by_topic(chat_id, thread_id)
    if case is None:
        raise ProbeError(f"no case in topic {thread_id}")
    if await CaseMessages(session).exists(chat_id, message_id):
        raise ProbeError("a new message is in the map")
    await citizen_of_case(session, case)


async def resident_reply(session: AsyncSession, sample: Any) -> None:
    """A resident's reply to a relayed message (bot.workflows.followups.target and
    answer_partner): the case of the copy replied to, and whether a partner wrote it."""
    citizen_id, chat_id, message_id = sample
    citizen = await resident(session, citizen_id)
    case = await case_service.case_replied_to(session, citizen, chat_id, message_id)
    if case is None:
        raise ProbeError(f"reply to {message_id}: no case")
    await referral_service.partner_replied_to(session, case, chat_id, message_id)


@dataclass(frozen=True)
class Probe:
    name: str
    run: Callable[[AsyncSession, Any], Awaitable[None]]
    samples: Callable[[Samples], Sequence[Any]]
    notes: Callable[
        [async_sessionmaker[AsyncSession], async_sessionmaker[AsyncSession]],
        Awaitable[list[str]],
    ]


async def no_notes(*_factories: async_sessionmaker[AsyncSession]) -> list[str]:
    return []


def probes(network: Network, now: datetime) -> list[Probe]:
    period = last_weeks(now, network.zone)

    async def stats(session: AsyncSession, _sample: Any) -> None:
        """The coordinators' `/stats` (last 4 weeks, every desk): what the composer reads and
        computes (bot.workflows.insights), without drawing the charts."""
        await collect(session, network, Scope(), period, now)

    async def stats_notes(
        small: async_sessionmaker[AsyncSession], large: async_sessionmaker[AsyncSession]
    ) -> list[str]:
        counts = []
        for factory in (small, large):
            async with factory() as session:
                figures = await collect(session, network, Scope(), period, now)
            counts.append(f"{figures.cases.new:,} new and {figures.cases.open_at_end:,} open")
        return [
            f"the 4 weeks hold {counts[0]} cases on the small database, {counts[1]} on the large"
        ]

    return [
        Probe("/status <ref>", status, lambda s: s.refs, no_notes),
        Probe("My cases (a few cases)", my_cases, lambda s: s.residents, no_notes),
        Probe("My cases (very many cases)", my_cases, lambda s: s.heavy, no_notes),
        Probe("relay: staff message in a topic", staff_reply, lambda s: s.topics, no_notes),
        Probe("relay: resident's reply to a copy", resident_reply, lambda s: s.replies, no_notes),
        Probe("/stats (coordinators, 4 weeks)", stats, lambda _s: [None], stats_notes),
    ]


async def explain(
    factory: async_sessionmaker[AsyncSession], probe: Probe, samples: Samples
) -> list[str]:
    """EXPLAIN ANALYZE of every statement `probe` runs for its first sample."""
    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        statements.append((statement, parameters))

    async with factory() as session:
        engine = session.bind
        event.listen(engine.sync_engine, "before_cursor_execute", record)
        try:
            await probe.run(session, probe.samples(samples)[0])
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", record)
    lines = []
    async with factory() as session:
        connection = await session.connection()
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            lines.append(" ".join(statement.split())[:200])
            plan = await connection.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters
            )
            lines += ["    " + str(row[0]) for row in plan]
    return lines
