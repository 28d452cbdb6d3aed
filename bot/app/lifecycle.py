"""One process's life: the shared start-up (HTTP server first, then the database, Telegram,
command menus, the courier and the elected timers) and an orderly stop.

Start-up never gives up: while the database or Telegram cannot be reached the process logs
one line per attempt and answers /healthz. A stop (SIGTERM, see bot.app.cli) first stops
taking updates, then lets the courier finish or release what it claimed, all within about
ten seconds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.composition import (
    Services,
    add_retries,
    create_bot,
    create_courier,
    create_dispatcher,
    fsm_storage,
)
from bot.app.feeds import Feeds
from bot.app.http_server import serve_http
from bot.app.leadership import Leadership, elector_for
from bot.app.menus import set_commands
from bot.app.ops import Ops
from bot.app.startup import Patience, Sleep, StartupError, napping, with_database, with_telegram
from bot.app.timers import add_leader_timers, add_local_timers, add_referral_timers
from bot.clock import SystemClock
from bot.config import Settings
from bot.domain.followup_limit import LocalBuckets, SharedBuckets
from bot.domain.language.identifier import LanguageIdentifier
from bot.metrics import Metrics
from bot.network.schema import load_network
from bot.telegram.courier import Courier
from bot.telegram.lanes import lanes_for
from bot.telegram.pacing import Pacer
from bot.telegram.shared_pacing import SharedLimits
from bot.ui.i18n import LOCALES_DIR, create_i18n
from bot.workflows.erasure import seal_legacy
from storage import migrate
from storage.db import create_engine, create_session_factory
from storage.sealing import AnonymityKeyError, Sealer

if TYPE_CHECKING:
    from redis.asyncio import Redis

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
    bot = create_bot(token, settings.bot_api_url)
    add_retries(bot)
    redis = _redis(settings.redis_url)
    services = Services(
        settings=settings,
        network=network,
        session_factory=create_session_factory(engine, sealer),
        i18n=create_i18n(network.default_language, locales),
        clock=SystemClock(),
        langid=LanguageIdentifier(network.languages),
        metrics=metrics,
        followup_limit=(
            SharedBuckets(redis, f"beatline:{bot.id}:followups")
            if redis is not None
            else LocalBuckets()
        ),
        express_lane=settings.express_lane,
    )
    ops = Ops(
        engine, services.session_factory, metrics, services.clock, network, settings.redis_url
    )
    shared = SharedLimits(redis, f"beatline:{bot.id}:pace") if redis is not None else None
    courier = create_courier(bot, services, Pacer(shared=shared), lanes_for(engine))
    dp = create_dispatcher(
        services, await fsm_storage(settings, network.retention.drafts), courier
    )
    feeds = Feeds(services.session_factory, network, services.clock, bot, settings.public_url)
    try:
        http = await serve_http(
            listen, ops, feeds, dp, bot, settings, webhook_path, shutdown.requests
        )
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
        add_local_timers(local, bot, services, settings.database_url)
        add_leader_timers(leader_timers, bot, services, courier)
        referrals = add_referral_timers(leader_timers, bot, services, courier)
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


def _redis(url: str | None) -> Redis | None:
    """A client for REDIS_URL, if set. Imported only then: Redis is an optional part of the
    install (`beatline[redis]`), and the SQLite default runs without it."""
    if not url:
        return None
    from redis.asyncio import Redis

    return Redis.from_url(url)
