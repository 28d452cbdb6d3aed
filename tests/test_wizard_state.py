"""A wizard step moves the conversation only when its transaction commits: a step whose commit
fails leaves the resident at the step before, so they can simply repeat it. With the state in
memory and in Redis (skipped, saying so, when Redis is not reachable)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import pytest
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import User
from aiogram.utils.i18n import I18n
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from bot.app.composition import Services, fsm_storage
from bot.config import Settings
from bot.network.schema import Network
from bot.ui.report_wizard import ReportCb, WizardAction
from bot.ui.texts import SKIP
from tests.conftest import CENTRAL, Harness, make_harness
from tests.fakes import FakeClock, FakeTelegram
from tests.helpers import onboard, send_report
from tests.redis_server import REDIS_URL, skip_without_redis


@pytest.fixture(params=["memory", "redis"])
async def storage(
    request: pytest.FixtureRequest, settings: Settings
) -> AsyncIterator[BaseStorage]:
    if request.param == "memory":
        yield MemoryStorage()
        return
    await skip_without_redis(" (the Redis half is NOT tested)")
    redis = await fsm_storage(settings.model_copy(update={"redis_url": REDIS_URL}))
    yield redis
    await redis.close()


@pytest.fixture
async def bot(
    settings: Settings,
    network: Network,
    session_factory: async_sessionmaker[AsyncSession],
    i18n: I18n,
    clock: FakeClock,
    storage: BaseStorage,
) -> AsyncIterator[Harness]:
    services = Services(settings, network, session_factory, i18n, clock)
    harness = make_harness(services, FakeTelegram(), storage)
    yield harness
    await harness.bot.session.close()


@pytest.fixture
def resident() -> User:
    return User(id=int(uuid.uuid4().int % 10**9), is_bot=False, first_name="Rosa")


@contextmanager
def commits_fail(engine: AsyncEngine) -> Iterator[None]:
    """The database refuses to commit meanwhile (a full disk, a lost connection)."""

    def refuse(session: Session) -> None:
        if session.bind is engine.sync_engine:
            raise OperationalError("COMMIT", None, OSError("disk I/O error"))

    event.listen(Session, "before_commit", refuse)
    try:
        yield
    finally:
        event.remove(Session, "before_commit", refuse)


def privacy_question(bot: Harness, resident: User) -> list[str]:
    """The times the wizard asked the resident how private the report is."""
    return [
        call.text
        for call in bot.api.sent("sendMessage", resident.id)
        if "Confidential" in str(call.params.get("reply_markup"))
    ]


async def test_a_step_whose_commit_fails_leaves_the_wizard_at_the_step_before(
    bot: Harness, engine: AsyncEngine, resident: User
) -> None:
    await onboard(bot, resident)
    await bot.send(resident, "/report")

    with commits_fail(engine), pytest.raises(OperationalError):
        await bot.press(resident, ReportCb(action=WizardAction.CATEGORY, value="burglary"))
    assert privacy_question(bot, resident) == []  # the step's answer was not sent either

    # The resident repeats the step: it is still the step they are at, and the wizard goes on.
    await bot.press(resident, ReportCb(action=WizardAction.CATEGORY, value="burglary"))
    assert len(privacy_question(bot, resident)) == 1
    await bot.press(resident, ReportCb(action=WizardAction.PRIVACY, value="confidential"))
    await bot.send(resident, SKIP)
    await bot.press(resident, ReportCb(action=WizardAction.AREA, value="centre"))
    await bot.send(resident, "Bike stolen from the rack")
    await send_report(bot, resident)
    assert bot.api.sent("createForumTopic", CENTRAL)
    assert "BL-26-00001" in bot.api.last("sendMessage", resident.id).text


async def test_the_draft_a_failed_step_wrote_is_not_kept(
    bot: Harness, engine: AsyncEngine, resident: User
) -> None:
    await onboard(bot, resident)
    await bot.send(resident, "/report")
    await bot.press(resident, ReportCb(action=WizardAction.CATEGORY, value="burglary"))
    await bot.press(resident, ReportCb(action=WizardAction.PRIVACY, value="confidential"))
    await bot.send(resident, SKIP)
    await bot.press(resident, ReportCb(action=WizardAction.AREA, value="centre"))

    with commits_fail(engine), pytest.raises(OperationalError):
        await bot.send(resident, "A text that never reached the database")
    await bot.send(resident, "Bike stolen from the rack")
    await send_report(bot, resident)

    card = bot.api.last("sendMessage", CENTRAL).text
    assert "Bike stolen from the rack" in card
    assert "never reached" not in card
