"""Composition root: builds the Bot and the Dispatcher (middlewares, routers) and runs them."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.domain.followup_limit import FollowupLimit, LocalBuckets
from bot.domain.language.identifier import LanguageIdentifier
from bot.domain.triage import EmergencyDetector
from bot.metrics import Metrics
from bot.network.schema import Network
from bot.telegram.admins import GroupAdmins
from bot.telegram.answers import AnswerModels
from bot.telegram.courier import Courier
from bot.telegram.lanes import LaneLocks
from bot.telegram.pacing import Pacer
from bot.telegram.retry import RetryMiddleware, Sleep
from bot.workflows.anonymous import SCRUBBED_FILE
from bot.workflows.broadcaster import ALERT, AlertComposer, AlertDelivered
from bot.workflows.effects import case_effects
from bot.workflows.express import Express
from bot.workflows.insights import REPORT, STATS, ReportComposer, StatsComposer
from bot.workflows.progress import (
    EDITED,
    POSTED,
    PROGRESS,
    ProgressComposer,
    ProgressEdited,
    ProgressPosted,
    WithProgress,
)
from bot.workflows.referrals import PARTNER_TOPIC, PartnerTopics
from bot.workflows.relay import OPEN_TOPIC, REFRESH_CARD
from bot.workflows.scrubbed_files import ScrubbedFiles
from bot.workflows.topics import TopicKeeper, nothing
from bot.workflows.whereami import WHEREAMI, WhereAmI
from handlers import create_routers
from handlers.express import EXPRESS_LANE, ExpressLane
from handlers.filters import button_labels
from handlers.middlewares import (
    AlbumMiddleware,
    CitizenMiddleware,
    EmergencyMiddleware,
    LocaleMiddleware,
    RelayMiddleware,
    UpdateMetrics,
)
from handlers.transaction import DatabaseMiddleware
from storage.db import engine_of, factory_sealer
from storage.express import ExpressRows

logger = logging.getLogger(__name__)


def create_bot(token: str, api_url: str | None = None, session: BaseSession | None = None) -> Bot:
    """A Bot with HTML parse mode; `api_url` points it at a self-hosted Bot API server. Its
    session holds the answer models it uses (bot.telegram.answers)."""
    if session is None:
        session = AiohttpSession()
    if api_url:
        session.api = TelegramAPIServer.from_base(api_url)
    session.middleware(AnswerModels())
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
    admins: GroupAdmins = field(default_factory=GroupAdmins)
    metrics: Metrics = field(default_factory=Metrics)
    # In memory for one process; shared in Redis (SharedBuckets) when REDIS_URL is set.
    followup_limit: FollowupLimit = field(default_factory=LocalBuckets)
    # Plain follow-ups on the database driver (bot.workflows.express); off: all the full path.
    express_lane: bool = True


def create_courier(
    bot: Bot, services: Services, pacer: Pacer | None = None, lanes: LaneLocks | None = None
) -> Courier:
    """The outbox's courier with every effect and composer the workflows define."""
    topics = TopicKeeper(services.session_factory, services.i18n, services.network)
    effects = case_effects(services.i18n, services.network, services.clock)
    effects[ALERT] = WithProgress(AlertDelivered(services.clock), services.clock)
    effects[POSTED] = ProgressPosted(services.clock)
    effects[EDITED] = ProgressEdited(services.clock)
    reads = (services.session_factory, services.i18n, services.network, services.clock)
    return Courier(
        bot,
        services.session_factory,
        services.clock,
        pacer or Pacer(),
        effects=effects,
        composers={
            OPEN_TOPIC: nothing,
            REFRESH_CARD: topics.refresh,
            ALERT: AlertComposer(services.session_factory, services.i18n),
            PARTNER_TOPIC: PartnerTopics(
                services.session_factory, services.i18n, services.network
            ),
            WHEREAMI: WhereAmI(services.i18n, services.network, bot.id),
            SCRUBBED_FILE: ScrubbedFiles(bot),
            STATS: StatsComposer(*reads),
            REPORT: ReportComposer(*reads),
            PROGRESS: ProgressComposer(*reads),
        },
        topics=topics,
        metrics=services.metrics,
        lanes=lanes,
    )


def create_dispatcher(
    services: Services, storage: BaseStorage | None = None, courier: Courier | None = None
) -> Dispatcher:
    """A fresh Dispatcher with middlewares and routers (tests build one per test)."""
    detector = EmergencyDetector(services.network.emergency.keywords)
    dp = Dispatcher(
        storage=storage or MemoryStorage(),
        settings=services.settings,
        network=services.network,
        clock=services.clock,
        detector=detector,
        admins=services.admins,
        followup_limit=services.followup_limit,
    )
    routers = create_routers(services.network)  # first: they name the buttons (express)
    wake = courier.wake if courier is not None else (lambda: None)
    dp.update.outer_middleware(UpdateMetrics(services.metrics))
    if services.express_lane:
        lane = ExpressLane(express(services, detector), wake)
        dp.update.outer_middleware(lane)
        dp[EXPRESS_LANE] = lane
    dp.update.outer_middleware(AlbumMiddleware(services.album_delay))
    dp.update.outer_middleware(DatabaseMiddleware(services.session_factory, services.clock, wake))
    dp.update.outer_middleware(RelayMiddleware(services.i18n, services.network, services.langid))
    citizen_loader = CitizenMiddleware(services.clock)
    dp.message.outer_middleware(citizen_loader)
    dp.callback_query.outer_middleware(citizen_loader)
    dp.edited_message.outer_middleware(citizen_loader)
    LocaleMiddleware(services.i18n, services.network).setup(dp)
    # After the locale is known, before any router: an emergency is answered in every state.
    emergency = EmergencyMiddleware(detector, services.i18n, services.network)
    dp.message.outer_middleware(emergency)
    dp.edited_message.outer_middleware(emergency)
    dp.include_routers(*routers)
    return dp


def express(services: Services, detector: EmergencyDetector) -> Express:
    """The express lane for plain follow-ups (bot.workflows.express)."""
    factory = services.session_factory
    return Express(
        rows=ExpressRows(engine_of(factory)),
        i18n=services.i18n,
        network=services.network,
        clock=services.clock,
        detector=detector,
        followup_limit=services.followup_limit,
        sealer=factory_sealer(factory),
        langid=services.langid,
        labels=button_labels(services.i18n),
    )


async def fsm_storage(settings: Settings, expiry: timedelta | None = None) -> BaseStorage:
    """Redis keeps wizard state across restarts and processes; memory is the single-box default.

    In Redis a conversation's state and data (a report being written) expire `expiry` after
    they were last written (`[retention] drafts_days`); in memory they end with the process."""
    if settings.redis_url:
        from aiogram.fsm.storage.redis import RedisStorage

        return RedisStorage.from_url(settings.redis_url, state_ttl=expiry, data_ttl=expiry)
    return MemoryStorage()
