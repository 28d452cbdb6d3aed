"""The residents' right to be forgotten and the retention periods, with their Telegram side:
/forget erases a resident at once and tells the desks of their open named cases; the hourly
sweep pseudonymises what the `[retention]` periods make due, and the anonymous cases of
residents who erased their data, in batches; at start-up, anonymous cases from before the
sealed link are sealed."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.domain import cases as case_service
from bot.domain import erasure
from bot.kinds import CaseStatus
from bot.network.schema import Network
from bot.ui.i18n import _
from bot.workflows.handling import tell_partners_closed
from bot.workflows.relay import Relay
from storage.erasure import Erasures
from storage.models import Citizen
from storage.outbox import Outboxes
from storage.updates import UpdateLog

logger = logging.getLogger(__name__)

BATCH = 200  # cases per transaction: short transactions, the bot keeps answering meanwhile
MAX_BATCHES = 50  # per run; the rest waits an hour
SENT_MESSAGES_KEPT = timedelta(days=7)  # finished outbox rows (what a resident got is gone)


async def forget(relay: Relay, session: AsyncSession, citizen: Citizen, now: datetime) -> int:
    """Erase the resident (bot.domain.erasure.forget) and tell the desks: each open named case
    gets a neutral note and is closed (partners that have it are told), every named card is
    refreshed so it names nobody. Their anonymous cases are not touched in any chat now: a
    note there at the same moment would tell the desk who reported them (the retention sweep
    finishes them). Returns how many named cases were pseudonymised."""
    cases = await erasure.forget(session, citizen, now)
    for case in cases:
        if case.status != CaseStatus.CLOSED:
            with relay.staff_language():
                relay.note(
                    case, _("The resident erased their data; this case can no longer be answered.")
                )
                outcome = _("The resident erased their data.")
            case_service.close(case, outcome, now)
            await tell_partners_closed(relay, session, case)
        if case.thread_id is not None:
            await relay.refresh_card(case)
    logger.info("a resident erased their data: %d named case(s) pseudonymised", len(cases))
    return len(cases)


@dataclass(frozen=True)
class Swept:
    """What one run of the retention sweep did."""

    cases: int
    deliveries: int
    update_proofs: int
    sent_messages: int


@dataclass(frozen=True)
class RetentionSweep:
    """Applies the network's `[retention]` periods, and pseudonymises the anonymous cases
    /forget left without a resident; APScheduler only calls `run` (hourly).

    Every step is a conditional statement on what is due now, so a run that is interrupted, or
    two that overlap, do nothing twice; cases go in batches of `batch`, one transaction each.
    """

    session_factory: async_sessionmaker[AsyncSession]
    network: Network
    clock: Clock
    batch: int = BATCH
    max_batches: int = MAX_BATCHES

    async def run(self) -> Swept:
        now = self.clock.now()
        periods = self.network.retention
        closed_before = now - timedelta(days=periods.closed_cases_days)
        delivered_before = now - timedelta(days=periods.alert_deliveries_days)
        handled_before = now - timedelta(days=periods.update_proofs_days)
        cases = await self._in_batches(
            lambda session: erasure.pseudonymise_closed(session, closed_before, now, self.batch)
        )
        cases += await self._in_batches(
            lambda session: erasure.pseudonymise_unlinked(session, now, self.batch)
        )
        async with self.session_factory() as session:
            deliveries = await Erasures(session).deliveries_due(delivered_before)
            proofs = await UpdateLog(session).prune(handled_before)
            sent = await Outboxes(session).prune(now - SENT_MESSAGES_KEPT)
            await session.commit()
        swept = Swept(cases, deliveries, proofs, sent)
        if cases or deliveries:
            logger.info(
                "retention: %d case(s) pseudonymised, %d alert deliveries",
                cases,
                deliveries,
            )
        return swept

    async def _in_batches(self, step: Callable[[AsyncSession], Awaitable[int]]) -> int:
        """Run `step` (one batch of cases) in its own transactions until it does less than a
        batch; how many cases it did."""
        total = 0
        for _batch in range(self.max_batches):
            async with self.session_factory() as session:
                done = await step(session)
                await session.commit()
            total += done
            if done < self.batch:
                break
        return total


async def seal_legacy(session_factory: async_sessionmaker[AsyncSession]) -> int:
    """Seal anonymous cases stored before the sealed link (start-up, in batches)."""
    total = 0
    while True:
        async with session_factory() as session:
            done = await erasure.seal_legacy(session, BATCH)
            await session.commit()
        total += done
        if done == 0:
            break
    if total:
        logger.info("sealed %d anonymous case(s) and resident list(s) from before", total)
    return total
