"""Running the bot: the shared start-up (HTTP server first, then the database, Telegram,
command menus, the courier and the elected timers), then long polling or a webhook server,
and an orderly stop.

Start-up never gives up: while the database or Telegram cannot be reached the process logs
one line per attempt and answers /healthz. A stop (SIGTERM, see bot.app.cli) first stops
taking updates, then lets the courier finish or release what it claimed, all within about
ten seconds.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import feeds as feed_routes
from bot.app import ops as ops_routes
from bot.app.composition import (
    Services,
    add_retries,
    create_bot,
    create_courier,
    create_dispatcher,
    fsm_storage,
)
from bot.app.feeds import Feeds
from bot.app.leadership import Leadership, elector_for
from bot.app.menus import set_commands
from bot.app.ops import Ops
from bot.app.startup import (
    Patience,
    Sleep,
    StartupError,
    StopRequested,
    napping,
    with_database,
    with_telegram,
)
from bot.clock import SystemClock
from bot.config import Settings
from bot.domain.language.identifier import LanguageIdentifier
from bot.metrics import Metrics
from bot.network.schema import load_network
from bot.telegram.courier import Courier
from bot.telegram.lanes import lanes_for
from bot.telegram.pacing import Pacer
from bot.telegram.shared_pacing import SharedLimits
from bot.ui.i18n import LOCALES_DIR, create_i18n
from bot.workflows.broadcaster import Broadcaster
from bot.workflows.erasure import RetentionSweep, seal_legacy
from bot.workflows.open311 import Open311Worker
from bot.workflows.pulse import PulseAsker
from bot.workflows.response_times import check_response_times
from storage import migrate
from storage.db import create_engine, create_session_factory
from storage.sealing import AnonymityKeyError, Sealer
from storage.sqlite import checkpoint, database_path

logger = logging.getLogger(__name__)

NO_KEY = (
    "ANONYMITY_KEY is not set. It encrypts the link between anonymous reports and the "
    "residents who made them, so that a copy of the database alone cannot unmask them. Make "
    "one with `python -m bot new-key`, put ANONYMITY_KEY=<key> in .env, and keep a copy "
    "apart from the database backups: without it, the bot cannot reach anonymous reporters."
)


def anonymity_sealer(settings: Settings) -> Sealer:
    """The sealer for ANONYMITY_KEY; the bot does not run without one (see README)."""
    if settings.anonymity_key is None or not settings.anonymity_key.get_secret_value().strip():
        raise AnonymityKeyError(NO_KEY)
    return Sealer.from_text(settings.anonymity_key.get_secret_value())


@dataclass(frozen=True)
class Shutdown:
    """Seconds each stage of a stop may take; together well under ten."""

    requests: float = 2.0  # webhook posts being handled
    courier: float = 5.0  # lanes finishing their batch before they are released


@dataclass
class Runtime:
    bot: Bot
    dp: Dispatcher
    feeds: Feeds
    ops: Ops
    patience: Patience
    nap: Sleep
    http: web.AppRunner | None


@asynccontextmanager
async def started(
    settings: Settings,
    token: str,
    locales: Path = LOCALES_DIR,
    *,
    listen: str | None = None,
    webhook_path: str | None = None,
    patience: Patience | None = None,
    shutdown: Shutdown | None = None,
    stop: asyncio.Event | None = None,
) -> AsyncIterator[Runtime]:
    """Everything up and the timers running; torn down in reverse on the way out.

    The HTTP server on `listen` (with the webhook at `webhook_path`, if given) starts first,
    so /healthz answers while the database and Telegram are still being waited for.
    """
    patience = patience or Patience()
    shutdown = shutdown or Shutdown()
    network = load_network(settings.network_file)
    sealer = anonymity_sealer(settings)
    engine = create_engine(settings.database_url)
    metrics = Metrics()
    services = Services(
        settings=settings,
        network=network,
        session_factory=create_session_factory(engine, sealer),
        i18n=create_i18n(network.default_language, locales),
        clock=SystemClock(),
        langid=LanguageIdentifier(network.languages),
        metrics=metrics,
    )
    ops = Ops(
        engine, services.session_factory, metrics, services.clock, network, settings.redis_url
    )
    bot = create_bot(token, settings.bot_api_url)
    add_retries(bot)
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    shared = SharedLimits(redis, f"beatline:{bot.id}:pace") if redis is not None else None
    courier = create_courier(bot, services, Pacer(shared=shared), lanes_for(engine))
    dp = create_dispatcher(
        services, await fsm_storage(settings, network.retention.drafts), courier
    )
    feeds = Feeds(services.session_factory, network, services.clock, bot, settings.public_url)
    try:
        http = await _serve_http(listen, ops, feeds, dp, bot, settings, webhook_path, shutdown)
    except StartupError:
        await _close(dp, bot, ops, engine, redis)
        raise
    tasks: list[asyncio.Task[None]] = []
    local = AsyncIOScheduler(timezone="UTC")
    leader_timers = AsyncIOScheduler(timezone="UTC")
    leadership: Leadership | None = None
    try:
        nap = napping(stop)
        await with_database("the database", lambda: migrate.upgrade(engine), patience, nap)
        await seal_legacy(services.session_factory)  # anonymous cases from before the seal
        me = await with_telegram("the Bot API server", bot.get_me, patience, nap)
        ops.telegram_reached = True
        logger.info("Beatline runs as @%s", me.username)
        await _menus(bot, services)
        await services.admins.refresh(bot, network.admin_ruled_chats)
        await courier.recover()
        _local_timers(local, bot, services, settings.database_url)
        _leader_timers(leader_timers, bot, services, courier)
        referrals = _referrals(leader_timers, bot, services, courier)
        leadership = Leadership(elector_for(engine), leader_timers, metrics, referrals.recover)
        local.start()
        leader_timers.start(paused=True)
        tasks.append(asyncio.create_task(courier.run(), name="courier"))
        tasks.append(asyncio.create_task(leadership.run(), name="leadership"))
        yield Runtime(bot, dp, feeds, ops, patience, nap, http)
    finally:
        ops.stopping = True
        await _stop(
            http,
            leadership,
            (local, leader_timers),
            courier,
            tasks,
            shutdown,
            dp,
            bot,
            ops,
            engine,
        )


async def _serve_http(
    listen: str | None,
    ops: Ops,
    feeds: Feeds,
    dp: Dispatcher,
    bot: Bot,
    settings: Settings,
    webhook_path: str | None,
    shutdown: Shutdown,
) -> web.AppRunner | None:
    if listen is None:
        return None
    app = web.Application()
    ops_routes.add_routes(app, ops)
    feed_routes.add_routes(app, feeds)
    if webhook_path is not None:
        assert settings.webhook_secret is not None
        secret = settings.webhook_secret.get_secret_value()
        # Answered after the update's commit: a process killed mid-update never said 200, so
        # Telegram sends the update again (to any process) and the update claim keeps it once.
        SecretChecked(
            dispatcher=dp, bot=bot, secret_token=secret, handle_in_background=False
        ).register(app, path=webhook_path)
    runner = web.AppRunner(app, shutdown_timeout=shutdown.requests)
    await runner.setup()
    host, _, port = listen.rpartition(":")
    try:
        await web.TCPSite(runner, host or "127.0.0.1", int(port)).start()
    except OSError as exc:
        await runner.cleanup()
        msg = f"cannot listen on {listen}: {exc.strerror or exc}"
        raise StartupError(msg) from exc
    logger.info("HTTP server on %s (/healthz, /readyz, /metrics)", listen)
    return runner


async def _menus(bot: Bot, services: Services) -> None:
    try:
        await set_commands(bot, services.i18n, services.network)
    except TelegramAPIError as exc:  # cosmetic: the next start sets them again
        logger.warning("command menus could not be set (%s); continuing", exc.message)


async def _stop(
    http: web.AppRunner | None,
    leadership: Leadership | None,
    schedulers: tuple[AsyncIOScheduler, ...],
    courier: Courier,
    tasks: list[asyncio.Task[None]],
    shutdown: Shutdown,
    dp: Dispatcher,
    bot: Bot,
    ops: Ops,
    engine: AsyncEngine,
) -> None:
    """Stop taking updates, stop the timers, let the courier finish or release, close."""
    if http is not None:
        await http.cleanup()  # waits up to `shutdown.requests` for posts being handled
    for scheduler in schedulers:
        if scheduler.running:
            scheduler.shutdown(wait=False)
    if leadership is not None:
        with suppress(Exception):
            await leadership.resign()
    await courier.stop(shutdown.courier)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await _close(dp, bot, ops, engine, None)
    logger.info("stopped")


async def _close(
    dp: Dispatcher, bot: Bot, ops: Ops, engine: AsyncEngine, redis: Redis | None
) -> None:
    await dp.storage.close()
    await bot.session.close()
    await ops.close()
    await engine.dispose()
    if redis is not None:
        await redis.aclose()


def _local_timers(
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


def _leader_timers(
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


def _referrals(
    scheduler: AsyncIOScheduler, bot: Bot, services: Services, courier: Courier
) -> Open311Worker:
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


async def _until(stop: asyncio.Event | None, work: asyncio.Task[None] | None = None) -> None:
    """Until `stop` is set (or `work` ends); forever when there is neither."""
    waiters: list[asyncio.Future[object]] = []
    if stop is not None:
        waiters.append(asyncio.ensure_future(stop.wait()))
    if work is not None:
        waiters.append(work)  # type: ignore[arg-type]
    if not waiters:
        await asyncio.Event().wait()
        return
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            if waiter is not work:
                waiter.cancel()


async def run_polling(
    settings: Settings,
    token: str,
    locales: Path = LOCALES_DIR,
    *,
    stop: asyncio.Event | None = None,
    patience: Patience | None = None,
    shutdown: Shutdown | None = None,
) -> None:
    """Serve updates by long polling until `stop` is set (or the task is cancelled)."""
    with suppress(StopRequested):
        await _poll(settings, token, locales, stop, patience, shutdown)


async def _poll(
    settings: Settings,
    token: str,
    locales: Path,
    stop: asyncio.Event | None,
    patience: Patience | None,
    shutdown: Shutdown | None,
) -> None:
    async with started(
        settings,
        token,
        locales,
        listen=settings.feeds_listen,
        patience=patience,
        shutdown=shutdown,
        stop=stop,
    ) as runtime:
        await with_telegram(
            "deleteWebhook", runtime.bot.delete_webhook, runtime.patience, runtime.nap
        )
        polling = asyncio.create_task(
            runtime.dp.start_polling(
                runtime.bot,
                allowed_updates=runtime.dp.resolve_used_update_types(),
                handle_signals=False,
                close_bot_session=False,
            ),
            name="polling",
        )
        try:
            await _until(stop, polling)
            if polling.done():
                polling.result()  # polling ended by itself: say why
        finally:
            if not polling.done():
                with suppress(RuntimeError):  # polling had not started yet
                    await runtime.dp.stop_polling()
                try:
                    await asyncio.wait_for(polling, 5)
                except (TimeoutError, asyncio.CancelledError):
                    polling.cancel()
                    await asyncio.gather(polling, return_exceptions=True)


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


def webhook_path(settings: Settings) -> str:
    assert settings.webhook_url is not None
    return "/" + settings.webhook_url.split("://", 1)[-1].partition("/")[2]


async def run_webhook(
    settings: Settings,
    token: str,
    locales: Path = LOCALES_DIR,
    *,
    stop: asyncio.Event | None = None,
    patience: Patience | None = None,
    shutdown: Shutdown | None = None,
) -> None:
    """Receive updates on WEBHOOK_LISTEN; Telegram posts them to WEBHOOK_URL with the secret.

    Every process of a deployment registers the same webhook; Telegram keeps one.
    """
    with suppress(StopRequested):
        await _hook(settings, token, locales, stop, patience, shutdown)


async def _hook(
    settings: Settings,
    token: str,
    locales: Path,
    stop: asyncio.Event | None,
    patience: Patience | None,
    shutdown: Shutdown | None,
) -> None:
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    secret = settings.webhook_secret.get_secret_value()
    path = webhook_path(settings)
    async with started(
        settings,
        token,
        locales,
        listen=settings.webhook_listen,
        webhook_path=path,
        patience=patience,
        shutdown=shutdown,
        stop=stop,
    ) as runtime:

        async def register() -> bool:
            return await runtime.bot.set_webhook(
                settings.webhook_url or "",
                secret_token=secret,
                allowed_updates=runtime.dp.resolve_used_update_types(),
            )

        await with_telegram("setWebhook", register, runtime.patience, runtime.nap)
        logger.info("webhook listening on %s%s", settings.webhook_listen, path)
        await _until(stop)
