"""Running the bot: the shared start-up (migrations, services, timers, command menus), then
long polling, or a webhook server for deployments behind a load balancer."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app.composition import (
    Services,
    add_retries,
    create_bot,
    create_courier,
    create_dispatcher,
    fsm_storage,
)
from bot.app.feeds import Feeds, add_routes, serve
from bot.app.menus import set_commands
from bot.clock import SystemClock
from bot.config import Settings
from bot.domain.language.identifier import LanguageIdentifier
from bot.network.schema import load_network
from bot.telegram.courier import Courier
from bot.ui.i18n import LOCALES_DIR, create_i18n
from bot.workflows.broadcaster import Broadcaster
from bot.workflows.open311 import Open311Worker
from bot.workflows.pulse import PulseAsker
from bot.workflows.response_times import check_response_times
from storage import migrate
from storage.db import create_engine, create_session_factory
from storage.outbox import Outboxes
from storage.repositories import UpdateLog
from storage.sqlite import checkpoint, database_path

logger = logging.getLogger(__name__)

UPDATE_PROOF_KEPT = timedelta(days=7)
SENT_MESSAGES_KEPT = timedelta(days=7)


@dataclass
class Runtime:
    bot: Bot
    dp: Dispatcher
    feeds: Feeds


@asynccontextmanager
async def started(
    settings: Settings, token: str, locales: Path = LOCALES_DIR
) -> AsyncIterator[Runtime]:
    """Everything up and the timers running; torn down in reverse on the way out."""
    network = load_network(settings.network_file)
    engine = create_engine(settings.database_url)
    await migrate.upgrade(engine)
    services = Services(
        settings=settings,
        network=network,
        session_factory=create_session_factory(engine),
        i18n=create_i18n(network.default_language, locales),
        clock=SystemClock(),
        langid=LanguageIdentifier(network.languages),
    )
    bot = create_bot(token, settings.bot_api_url)
    add_retries(bot)
    courier = create_courier(bot, services)
    dp = create_dispatcher(services, await fsm_storage(settings), courier)
    await courier.recover()
    referrals = Open311Worker(
        bot,
        services.session_factory,
        services.i18n,
        network,
        services.clock,
        settings.public_url,
        courier.wake,
    )
    await referrals.recover()
    scheduler = _timers(bot, services, courier, settings.database_url)
    if any(desk.open311 for desk in network.desks):
        # The HTTP calls to partners' endpoints run here, never in an update's transaction.
        scheduler.add_job(
            referrals.send_due, "interval", seconds=15, max_instances=1, coalesce=True
        )
        scheduler.add_job(
            referrals.check_statuses, "interval", minutes=1, max_instances=1, coalesce=True
        )
    feeds = Feeds(services.session_factory, network, services.clock, bot, settings.public_url)
    delivering = asyncio.create_task(courier.run(), name="courier")
    try:
        me = await bot.get_me()
        logger.info("Beatline runs as @%s", me.username)
        await set_commands(bot, services.i18n, network)
        await services.admins.refresh(bot, network.admin_ruled_chats)
        scheduler.start()
        yield Runtime(bot, dp, feeds)
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=False)
        await courier.stop()
        delivering.cancel()
        await asyncio.gather(delivering, return_exceptions=True)
        await dp.storage.close()
        await bot.session.close()
        await engine.dispose()


def _timers(bot: Bot, services: Services, courier: Courier, database_url: str) -> AsyncIOScheduler:
    """APScheduler is only a timer: what is due is read from the database on every run."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    network = services.network
    sender = Broadcaster(
        bot, services.session_factory, services.i18n, network, services.clock, courier.wake
    )

    async def response_times() -> None:
        await check_response_times(
            bot, services.session_factory, services.i18n, network, services.clock
        )
        courier.wake()

    async def forget_old_updates() -> None:
        # Telegram redelivers for at most a day; a week of proof is plenty.
        now = services.clock.now()
        async with services.session_factory() as session:
            await UpdateLog(session).prune(now - UPDATE_PROOF_KEPT)
            await Outboxes(session).prune(now - SENT_MESSAGES_KEPT)
            await session.commit()

    async def read_admins() -> None:
        await services.admins.refresh(bot, network.admin_ruled_chats)

    asker = PulseAsker(
        bot, services.session_factory, services.i18n, network, services.clock, courier.wake
    )
    scheduler.add_job(sender.run, "interval", seconds=15, max_instances=1, coalesce=True)
    # The trust pulse: who is due is read from the database, so a restart repeats nothing.
    scheduler.add_job(asker.run, "interval", minutes=10, max_instances=1, coalesce=True)
    scheduler.add_job(read_admins, "interval", minutes=5, max_instances=1, coalesce=True)
    scheduler.add_job(response_times, "interval", minutes=1, max_instances=1, coalesce=True)
    scheduler.add_job(forget_old_updates, "interval", hours=1, max_instances=1, coalesce=True)
    if database_url.startswith("sqlite"):
        path = database_path(database_url)

        async def fold_log() -> None:
            await asyncio.to_thread(checkpoint, path)

        scheduler.add_job(fold_log, "interval", seconds=30, max_instances=1, coalesce=True)
    return scheduler


async def run_polling(settings: Settings, token: str, locales: Path = LOCALES_DIR) -> None:
    """Serve updates by long polling until interrupted."""
    async with started(settings, token, locales) as runtime:
        server = (
            await serve(runtime.feeds, settings.feeds_listen) if settings.feeds_listen else None
        )
        try:
            await runtime.bot.delete_webhook()
            await runtime.dp.start_polling(
                runtime.bot, allowed_updates=runtime.dp.resolve_used_update_types()
            )
        finally:
            if server is not None:
                await server.cleanup()


class SecretChecked(SimpleRequestHandler):
    """aiogram's webhook handler, with the secret header compared as bytes: a header that is
    not ASCII (Telegram never sends one) is a wrong secret, answered 401, not a 500 from
    `secrets.compare_digest`, which takes ASCII strings only."""

    def verify_secret(self, telegram_secret_token: str, bot: Bot) -> bool:
        if not self.secret_token:
            return True
        # aiohttp decodes header bytes as UTF-8, keeping undecodable ones as surrogates.
        given = telegram_secret_token.encode("utf-8", "surrogateescape")
        return secrets.compare_digest(given, self.secret_token.encode())


async def run_webhook(settings: Settings, token: str, locales: Path = LOCALES_DIR) -> None:
    """Receive updates on WEBHOOK_LISTEN; Telegram posts them to WEBHOOK_URL with the secret."""
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    secret = settings.webhook_secret.get_secret_value()
    host, _, port = settings.webhook_listen.rpartition(":")
    async with started(settings, token, locales) as runtime:
        app = web.Application()
        path = "/" + settings.webhook_url.split("://", 1)[-1].partition("/")[2]
        SecretChecked(dispatcher=runtime.dp, bot=runtime.bot, secret_token=secret).register(
            app, path=path
        )
        add_routes(app, runtime.feeds)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, host or "127.0.0.1", int(port)).start()
        try:
            await runtime.bot.set_webhook(
                settings.webhook_url,
                secret_token=secret,
                allowed_updates=runtime.dp.resolve_used_update_types(),
            )
            logger.info("webhook listening on %s%s", settings.webhook_listen, path)
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()
