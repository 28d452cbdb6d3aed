"""With REDIS_URL set, a report being written survives a restart of the bot."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import User
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app.composition import Services, fsm_storage
from bot.config import Settings
from bot.network.schema import Network
from bot.ui.report_wizard import ReportCb, WizardAction
from bot.ui.texts import SKIP
from tests.conftest import CENTRAL, Harness, make_harness
from tests.fakes import FakeClock, FakeTelegram
from tests.helpers import onboard, send_report
from tests.redis_server import REDIS_URL, skip_without_redis


@pytest.fixture
async def redis_settings(settings: Settings) -> AsyncIterator[Settings]:
    await skip_without_redis()
    yield settings.model_copy(update={"redis_url": REDIS_URL})


async def start_bot(
    settings: Settings,
    network: Network,
    factory: async_sessionmaker[AsyncSession],
    i18n: I18n,
    clock: FakeClock,
    storage: BaseStorage,
) -> Harness:
    services = Services(settings, network, factory, i18n, clock)
    return make_harness(services, FakeTelegram(), storage)


async def test_wizard_state_survives_a_restart(
    redis_settings: Settings,
    network: Network,
    session_factory: async_sessionmaker[AsyncSession],
    i18n: I18n,
    clock: FakeClock,
) -> None:
    user = User(id=int(uuid.uuid4().int % 10**9), is_bot=False, first_name="Rosa")
    first_storage = await fsm_storage(redis_settings)
    first = await start_bot(redis_settings, network, session_factory, i18n, clock, first_storage)
    try:
        await onboard(first, user)
        await first.send(user, "/report")
        await first.press(user, ReportCb(action=WizardAction.CATEGORY, value="burglary"))
        await first.press(user, ReportCb(action=WizardAction.PRIVACY, value="confidential"))
    finally:
        await first_storage.close()
        await first.bot.session.close()

    second_storage = await fsm_storage(redis_settings)
    second = await start_bot(redis_settings, network, session_factory, i18n, clock, second_storage)
    second.updates = first.updates  # Telegram keeps counting update ids across our restart
    try:
        await second.send(user, SKIP)
        await second.press(user, ReportCb(action=WizardAction.AREA, value="centre"))
        await second.send(user, "Bike stolen from the rack")
        await send_report(second, user)
        assert second.api.sent("createForumTopic", CENTRAL)
        assert "BL-26-00001" in second.api.last("sendMessage", user.id).text
    finally:
        await second_storage.close()
        await second.bot.session.close()


async def test_a_report_being_written_expires_from_redis_after_the_draft_period(
    redis_settings: Settings,
    network: Network,
    session_factory: async_sessionmaker[AsyncSession],
    i18n: I18n,
    clock: FakeClock,
) -> None:
    from redis.asyncio import Redis

    user = User(id=int(uuid.uuid4().int % 10**9), is_bot=False, first_name="Rosa")
    storage = await fsm_storage(redis_settings, network.retention.drafts)
    bot = await start_bot(redis_settings, network, session_factory, i18n, clock, storage)
    client = Redis.from_url(REDIS_URL)
    try:
        await onboard(bot, user)
        await bot.send(user, "/report")
        await bot.press(user, ReportCb(action=WizardAction.CATEGORY, value="burglary"))
        keys = [key async for key in client.scan_iter(f"fsm:{user.id}:{user.id}:*")]
        assert {key.decode().rsplit(":", 1)[-1] for key in keys} == {"state", "data"}
        for key in keys:
            assert 0 < await client.ttl(key) <= 24 * 3600  # [retention] drafts_days = 1
        await client.delete(*keys)
    finally:
        await client.aclose()
        await storage.close()
        await bot.bot.session.close()
