"""Composition root: builds the Bot and the Dispatcher (middlewares, routers) and runs them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.utils.i18n import I18n
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast import Broadcaster
from bot.casework import deliver_waiting
from bot.clock import Clock, SystemClock
from bot.commands import set_commands
from bot.config import Settings
from bot.i18n import LOCALES_DIR, LocaleMiddleware, create_i18n
from bot.middlewares import (
    AlbumMiddleware,
    CitizenMiddleware,
    DatabaseMiddleware,
    RelayMiddleware,
)
from bot.network import Network, load_network
from bot.pacing import Pacer
from bot.retry import RetryMiddleware, Sleep
from bot.services.language import LanguageIdentifier
from bot.services.triage import EmergencyDetector
from bot.timers import check_response_times
from handlers import create_routers
from storage import migrate
from storage.db import create_engine, create_session_factory
from storage.repositories import UpdateLog

logger = logging.getLogger(__name__)

UPDATE_PROOF_KEPT = timedelta(days=7)


def create_bot(token: str, api_url: str | None = None, session: BaseSession | None = None) -> Bot:
    """A Bot with HTML parse mode; `api_url` points it at a self-hosted Bot API server."""
    if session is None:
        session = AiohttpSession()
    if api_url:
        session.api = TelegramAPIServer.from_base(api_url)
    return Bot(
        token=token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML)
    )


def add_retries(bot: Bot, sleep: Sleep | None = None) -> None:
    bot.session.middleware(RetryMiddleware() if sleep is None else RetryMiddleware(sleep=sleep))


@dataclass
class Services:
    """Long-lived collaborators handed to every handler through the Dispatcher."""

    settings: Settings
    network: Network
    session_factory: async_sessionmaker[AsyncSession]
    i18n: I18n
    clock: Clock
    langid: LanguageIdentifier | None = None
    album_delay: float = 1.0


def create_dispatcher(services: Services, storage: BaseStorage | None = None) -> Dispatcher:
    """A fresh Dispatcher with middlewares and routers (tests build one per test)."""
    dp = Dispatcher(
        storage=storage or MemoryStorage(),
        settings=services.settings,
        network=services.network,
        clock=services.clock,
        detector=EmergencyDetector(services.network.emergency.keywords),
    )
    dp.update.outer_middleware(AlbumMiddleware(services.album_delay))
    dp.update.outer_middleware(DatabaseMiddleware(services.session_factory, services.clock))
    dp.update.outer_middleware(RelayMiddleware(services.i18n, services.network, services.langid))
    citizen_loader = CitizenMiddleware(services.clock)
    dp.message.outer_middleware(citizen_loader)
    dp.callback_query.outer_middleware(citizen_loader)
    dp.edited_message.outer_middleware(citizen_loader)
    LocaleMiddleware(services.i18n, services.network).setup(dp)
    dp.include_routers(*create_routers(services.network))
    return dp


async def fsm_storage(settings: Settings) -> BaseStorage:
    """Redis keeps wizard state across restarts and processes; memory is the single-box default."""
    if settings.redis_url:
        from aiogram.fsm.storage.redis import RedisStorage

        return RedisStorage.from_url(settings.redis_url)
    return MemoryStorage()


async def run_polling(settings: Settings, token: str, locales: Path = LOCALES_DIR) -> None:
    """Migrate, then serve updates by long polling until interrupted."""
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
    bot.session.middleware(Pacer())  # inside the retries: every attempt waits for a slot
    dp = create_dispatcher(services, await fsm_storage(settings))
    scheduler = AsyncIOScheduler(timezone="UTC")
    # A timer only: which cases still lack a topic is read from the database on every run.
    scheduler.add_job(
        deliver_waiting,
        "interval",
        minutes=1,
        args=[bot, services.session_factory, services.i18n, network],
        next_run_time=services.clock.now(),
        max_instances=1,
        coalesce=True,
    )

    async def response_times() -> None:
        await check_response_times(
            bot, services.session_factory, services.i18n, network, services.clock.now()
        )

    scheduler.add_job(response_times, "interval", minutes=1, max_instances=1, coalesce=True)

    async def forget_old_updates() -> None:
        # Telegram redelivers for at most a day; a week of proof is plenty.
        async with services.session_factory() as session:
            await UpdateLog(session).prune(services.clock.now() - UPDATE_PROOF_KEPT)
            await session.commit()

    scheduler.add_job(forget_old_updates, "interval", hours=1, max_instances=1, coalesce=True)
    sender = Broadcaster(bot, services.session_factory, services.i18n, network, services.clock)
    await sender.recover()
    scheduler.add_job(sender.run, "interval", seconds=15, max_instances=1, coalesce=True)
    try:
        me = await bot.get_me()
        logger.info("Beatline runs as @%s", me.username)
        await set_commands(bot, services.i18n, network)
        scheduler.start()
        await dp.start_polling(bot, allowed_updates=dp.resolve_used_update_types())
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=False)
        await dp.storage.close()
        await bot.session.close()
        await engine.dispose()
