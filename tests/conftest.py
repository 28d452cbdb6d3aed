"""Fixtures: a migrated database (SQLite, or PostgreSQL via TEST_DATABASE_URL), the network,
compiled catalogs, and `tg`, a harness that feeds real updates through a fresh Dispatcher."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import Chat, Update, User
from aiogram.utils.i18n import I18n
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app.composition import (
    Services,
    add_retries,
    create_bot,
    create_courier,
    create_dispatcher,
)
from bot.config import Settings
from bot.domain.language.identifier import LanguageIdentifier
from bot.network.schema import Network, parse_network
from bot.telegram.courier import Courier
from bot.telegram.pacing import Limits, Pacer
from bot.ui.i18n import compile_catalogs
from bot.workflows.broadcaster import Broadcaster
from storage import migrate
from storage.db import create_engine, create_session_factory
from storage.models import Base
from storage.sealing import Sealer
from tests.fakes import BOT_TOKEN, FakeClock, FakeTelegram, Updates

ROOT = Path(__file__).resolve().parent.parent

CENTRAL = -1001000000001
EAST = -1001000000002
PARTNER = -1001000000003

COORDINATORS = -1001000000009
# The anonymity key of every test bot (a fixed one, so a failure can be replayed).
ANONYMITY_KEY = "dGVzdHMtb25seS1hbm9ueW1pdHkta2V5LTMyLWJ5dGU="

NETWORK = f"""
default_language = "en"
timezone = "Europe/Amsterdam"
default_desk = "central"
coordinators_chat_id = {COORDINATORS}

[[areas]]
code = "centre"
names = {{ en = "Centre", nl = "Centrum" }}
polygon = [[52.10, 5.10], [52.10, 5.14], [52.08, 5.14], [52.08, 5.10]]

[[areas]]
code = "east"
names = {{ en = "East", nl = "Oost" }}
centre = [52.09, 5.17]

[[categories]]
code = "burglary"
names = {{ en = "Burglary", nl = "Inbraak" }}

[[categories]]
code = "nuisance"
names = {{ en = "Nuisance", nl = "Overlast" }}

[[desks]]
code = "east"
kind = "police"
names = {{ en = "Team East", nl = "Team Oost" }}
chat_id = {EAST}
areas = ["east"]
duty = {{ weekly = {{ mon = ["08:00-17:00"], tue = ["08:00-17:00"], wed = ["08:00-17:00"], \
thu = ["08:00-17:00"], fri = ["08:00-17:00"] }}, holidays = ["2026-04-27"] }}

[[desks]]
code = "central"
kind = "police"
names = {{ en = "Central desk" }}
chat_id = {CENTRAL}
response_minutes = 30

[[desks]]
code = "housing"
kind = "partner"
names = {{ en = "Housing corporation", nl = "Woningcorporatie" }}
chat_id = {PARTNER}
"""


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrated once per run; each test starts from empty tables."""
    url = os.environ.get("TEST_DATABASE_URL") or (
        f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'beatline.db'}"
    )

    async def prepare() -> None:
        engine = create_engine(url)
        try:
            await migrate.downgrade(engine, "base")
            await migrate.upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(prepare())
    return url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            await connection.execute(delete(table))
    yield engine
    await engine.dispose()


@pytest.fixture
def sealer() -> Sealer:
    return Sealer.from_text(ANONYMITY_KEY)


@pytest.fixture
def session_factory(engine: AsyncEngine, sealer: Sealer) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine, sealer)


@pytest.fixture(scope="session")
def locales(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped catalogs, compiled fresh (so a catalog that does not compile fails here)."""
    target = tmp_path_factory.mktemp("locales")
    compile_catalogs(ROOT / "locales", target)
    return target


@pytest.fixture(scope="session")
def i18n(locales: Path) -> I18n:
    return I18n(path=locales, default_locale="en", domain="messages")


@pytest.fixture
def network() -> Network:
    return parse_network(NETWORK)


@pytest.fixture(scope="session")
def langid() -> LanguageIdentifier:
    """The real detector, loaded once (about two seconds) for the whole run."""
    return LanguageIdentifier(parse_network(NETWORK).languages)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,
        bot_token=BOT_TOKEN,
        network_file=tmp_path / "network.toml",
        anonymity_key=ANONYMITY_KEY,
    )


class Harness:
    """A bot as the world sees it: updates go in, Bot API requests come out.

    After each update the outbox is drained: everything the update committed and that may be
    sent now reaches the fake Bot API before the test looks.
    """

    def __init__(
        self,
        dp: Dispatcher,
        bot: Bot,
        api: FakeTelegram,
        courier: Courier,
        broadcaster: Broadcaster,
        services: Services,
    ) -> None:
        self.services = services
        self.dp = dp
        self.bot = bot
        self.api = api
        self.courier = courier
        self.broadcaster = broadcaster
        self.updates = Updates()
        self.sleeps: list[float] = []

    async def run_alerts(self) -> None:
        """One tick of the alert timer, then everything it queued, then the delivery report."""
        await self.broadcaster.run()
        await self.courier.drain()
        await self.broadcaster.report_finished()
        await self.courier.drain()

    auto_drain = True  # scenarios with a running courier turn this off

    def restarted(self) -> Harness:
        """A new bot process on the same database (and settings), with its own Bot API
        connection: what runs after this one was killed."""
        return make_harness(self.services, FakeTelegram())

    async def feed(self, update: Update) -> Any:
        result = await self.dp.feed_update(self.bot, update)
        if self.auto_drain:
            await self.courier.drain()
        return result

    async def send(self, user: User, text: str | None = None, **content: Any) -> Update:
        """The citizen writes to the bot in private."""
        update = self.updates.message(user, text, **content)
        await self.feed(update)
        return update

    async def press(self, user: User, data: CallbackData | str) -> Update:
        """The citizen presses an inline button."""
        packed = data.pack() if isinstance(data, CallbackData) else data
        update = self.updates.callback(user, packed)
        await self.feed(update)
        return update

    async def staff(
        self,
        chat_id: int,
        thread_id: int | None,
        user: User,
        text: str | None = None,
        **content: Any,
    ) -> Update:
        """Someone writes in a staff supergroup (in a topic, when `thread_id` is given)."""
        chat = Chat(id=chat_id, type="supergroup", title="Desk", is_forum=True)
        update = self.updates.message(user, text, chat=chat, thread_id=thread_id, **content)
        await self.feed(update)
        return update


def make_harness(
    services: Services,
    api: FakeTelegram,
    storage: BaseStorage | None = None,
    pacer: Pacer | None = None,
) -> Harness:
    """A bot on `api` with its courier; by default nothing is paced (FakeTelegram has no
    limits) and the pacer keeps the test's time, so a flood wait ends when the test moves
    the clock."""
    bot = create_bot(BOT_TOKEN, session=api)
    pacer = pacer or Pacer(Limits.none(), clock=lambda: services.clock.now().timestamp())
    courier = create_courier(bot, services, pacer)
    broadcaster = Broadcaster(
        bot,
        services.session_factory,
        services.i18n,
        services.network,
        services.clock,
        courier.wake,
    )
    dp = create_dispatcher(services, storage, courier=courier)
    return Harness(dp, bot, api, courier, broadcaster, services)


@pytest.fixture
def api() -> FakeTelegram:
    return FakeTelegram()


@pytest.fixture
async def tg(
    api: FakeTelegram,
    settings: Settings,
    network: Network,
    session_factory: async_sessionmaker[AsyncSession],
    i18n: I18n,
    clock: FakeClock,
    langid: LanguageIdentifier,
) -> AsyncIterator[Harness]:
    services = Services(
        settings=settings,
        network=network,
        session_factory=session_factory,
        i18n=i18n,
        clock=clock,
        langid=langid,
        album_delay=0.05,
    )
    harness = make_harness(services, api)

    async def no_wait(seconds: float) -> None:
        harness.sleeps.append(seconds)

    add_retries(harness.bot, sleep=no_wait)
    yield harness
    await harness.bot.session.close()


@pytest.fixture
def alice() -> User:
    return User(id=111, is_bot=False, first_name="Alice", username="alice_w", language_code="en")


@pytest.fixture
def bram() -> User:
    return User(id=222, is_bot=False, first_name="Bram", username="bram_nl", language_code="nl")


@pytest.fixture
def zoe() -> User:
    """A resident with a Telegram id, name and @username worth hiding (the privacy tests)."""
    return User(
        id=7391046285,
        is_bot=False,
        first_name="Zoë",
        last_name="Quistelbaum",
        username="zq_secret",
        language_code="en",
    )


@pytest.fixture
def coordinator() -> User:
    """Someone in the coordinators' group."""
    return User(id=777, is_bot=False, first_name="Coco")


@pytest.fixture
def officer() -> User:
    return User(id=900, is_bot=False, first_name="Officer", username="agent_k")


def pytest_report_header() -> Iterator[str]:
    yield f"database: {os.environ.get('TEST_DATABASE_URL') or 'SQLite (temporary file)'}"
