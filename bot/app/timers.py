"""The timers of a running process: those every process runs for itself, and those only the
elected leader runs (alerts, the trust pulse, response times, retention, Open311). What is due
is always read from the database, so a restart or a new leader repeats nothing."""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app.composition import Services
from bot.telegram.courier import Courier
from bot.workflows.broadcaster import Broadcaster
from bot.workflows.erasure import RetentionSweep
from bot.workflows.open311 import Open311Worker
from bot.workflows.pulse import PulseAsker
from bot.workflows.response_times import check_response_times
from storage.sqlite import checkpoint, database_path

logger = logging.getLogger(__name__)


def add_local_timers(
    scheduler: AsyncIOScheduler, bot: Bot, services: Services, database_url: str
) -> None:
    """Timers every process runs for itself: its cache of group admins, its SQLite log."""

    async def read_admins() -> None:
        await services.admins.refresh(bot, services.network.admin_ruled_chats)

    scheduler.add_job(read_admins, "interval", minutes=5, max_instances=1, coalesce=True)
    if database_url.startswith("sqlite"):
        path = database_path(database_url)

        async def fold_log() -> None:
            await asyncio.to_thread(checkpoint, path)

        scheduler.add_job(fold_log, "interval", seconds=30, max_instances=1, coalesce=True)


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
    scheduler.add_job(sender.run, "interval", seconds=15, max_instances=1, coalesce=True)
    # The trust pulse: who is due is read from the database, so a restart repeats nothing.
    scheduler.add_job(asker.run, "interval", minutes=10, max_instances=1, coalesce=True)
    scheduler.add_job(response_times, "interval", minutes=1, max_instances=1, coalesce=True)
    # The [retention] periods (update proofs among them): what is due is read on every run.
    scheduler.add_job(retention.run, "interval", hours=1, max_instances=1, coalesce=True)


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
        scheduler.add_job(
            referrals.send_due, "interval", seconds=15, max_instances=1, coalesce=True
        )
        scheduler.add_job(
            referrals.check_statuses, "interval", minutes=1, max_instances=1, coalesce=True
        )
    return referrals
