"""The timers of a running process: those every process runs for itself, and those only the
elected leader runs (alerts, the trust pulse, response times, retention, Open311). What is due
is always read from the database, so a restart or a new leader repeats nothing."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.exc import DBAPIError

from bot.app.composition import Services
from bot.telegram.courier import Courier
from bot.workflows.broadcaster import Broadcaster
from bot.workflows.erasure import RetentionSweep
from bot.workflows.open311 import Open311Worker
from bot.workflows.pulse import PulseAsker
from bot.workflows.response_times import check_response_times
from storage.db import lost_connection
from storage.sqlite import checkpoint, database_path

logger = logging.getLogger(__name__)


Job = Callable[[], Awaitable[Any]]


def again_if_connection_lost(job: Job) -> Job:
    """`job`, run once more at once when its database connection was lost (a PostgreSQL
    restart): its transaction went with the connection and the pool is renewed, and what is
    due is read again, so the run is repeated now instead of at the next interval (an hour
    for retention). Any other failure is left to the scheduler, which logs it.

    So a timer job must be safe to run twice in a row: each of today's claims what it does in
    the database before it acts, and what it claimed in a transaction that died is not
    claimed."""

    @functools.wraps(job)
    async def run() -> Any:
        try:
            return await job()
        except DBAPIError as exc:
            if not lost_connection(exc):
                raise
        logger.warning("timer %s: the database connection was lost; running it again", _name(job))
        return await job()

    return run


def every(scheduler: AsyncIOScheduler, job: Job, **interval: int) -> None:
    """`job` on `scheduler` every `interval` (`minutes=5`): one run at a time, runs missed
    meanwhile folded into one, and run again at once when its database connection was lost."""
    scheduler.add_job(
        again_if_connection_lost(job), "interval", max_instances=1, coalesce=True, **interval
    )


def _name(job: Job) -> str:
    return str(getattr(job, "__qualname__", job))


def add_local_timers(
    scheduler: AsyncIOScheduler, bot: Bot, services: Services, database_url: str
) -> None:
    """Timers every process runs for itself: its cache of group admins, its SQLite log."""

    async def read_admins() -> None:
        await services.admins.refresh(bot, services.network.admin_ruled_chats)

    every(scheduler, read_admins, minutes=5)
    if database_url.startswith("sqlite"):
        path = database_path(database_url)

        async def fold_log() -> None:
            await asyncio.to_thread(checkpoint, path)

        every(scheduler, fold_log, seconds=30)


def add_leader_timers(
    scheduler: AsyncIOScheduler, bot: Bot, services: Services, courier: Courier
) -> None:
    """Timers exactly one process runs (the elected leader). APScheduler is only a timer:
    what is due is read from the database on every run."""
    network = services.network
    sender = Broadcaster(
        bot, services.session_factory, services.i18n, network, services.clock, courier.wake
    )

    async def response_times() -> None:
        await check_response_times(
            bot, services.session_factory, services.i18n, network, services.clock
        )
        courier.wake()

    retention = RetentionSweep(services.session_factory, network, services.clock)

    asker = PulseAsker(
        bot, services.session_factory, services.i18n, network, services.clock, courier.wake
    )
    every(scheduler, sender.run, seconds=15)
    # The trust pulse: who is due is read from the database, so a restart repeats nothing.
    every(scheduler, asker.run, minutes=10)
    every(scheduler, response_times, minutes=1)
    # The [retention] periods (update proofs among them): what is due is read on every run.
    every(scheduler, retention.run, hours=1)


def add_referral_timers(
    scheduler: AsyncIOScheduler, bot: Bot, services: Services, courier: Courier
) -> Open311Worker:
    """The Open311 worker, with its timers when a desk has an endpoint (the leader runs them)."""
    network = services.network
    referrals = Open311Worker(
        bot,
        services.session_factory,
        services.i18n,
        network,
        services.clock,
        services.settings.public_url,
        courier.wake,
    )
    if any(desk.open311 for desk in network.desks):
        # The HTTP calls to partners' endpoints run here, never in an update's transaction.
        every(scheduler, referrals.send_due, seconds=15)
        every(scheduler, referrals.check_statuses, minutes=1)
    return referrals
