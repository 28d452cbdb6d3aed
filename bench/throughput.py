"""Follow-up throughput: the full citizen path against a bare aiogram echo, on the fake Bot API.

The full path is Beatline's own Dispatcher (middlewares, database, case lookup, case_message and
outbox inserts, commit: for these plain follow-ups, its express lane, bot.workflows.express) plus
its courier, which delivers every follow-up into the case topic
(headed by who wrote it), records the copy's id and puts 👍 on the resident's message; the clock
stops when the last one is done. The
baseline is a Dispatcher with one handler that only calls copyMessage. Both get the same private
text messages, fed one by one through `dp.feed_update`, and the work done is checked afterwards.
It prints updates per second for both and their ratio (target: full path ≥ 0.20 of the echo), and
in the same rounds the same bot with its express lane off (every follow-up through the routers
and a session) and the echo with one INSERT and COMMIT (the database's floor).

Run it from the project root:

    .venv/bin/python -m bench.throughput [--messages 5000] [--citizens 50] [--rounds 3]
        [--database-url sqlite | postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]

With a PostgreSQL URL, each round runs in a fresh database created on that server (and dropped
afterwards); the URL names a database to connect to for that, not one to fill.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import platform
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from aiogram import Bot, Dispatcher, Router
from aiogram.types import Message, Update, User
from aiogram.utils.i18n import I18n
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.databases import scratch_database
from bot.app.composition import Services, create_bot
from bot.clock import SystemClock
from bot.config import Settings
from bot.kinds import CaseStatus, Direction
from bot.network.schema import parse_network
from bot.ui.i18n import compile_catalogs
from handlers.express import EXPRESS_LANE
from storage import migrate
from storage.db import create_engine, create_session_factory
from storage.models import Case, CaseMessage, ProcessedUpdate
from storage.sealing import Sealer
from storage.updates import UpdateLog

# The set-up walks the same steps as the scenario tests (and so follows the wizard as it changes).
from tests.conftest import ANONYMITY_KEY, CENTRAL, NETWORK, make_harness
from tests.fakes import BOT_TOKEN, FakeTelegram, Updates
from tests.helpers import onboard, report

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 0.20
ECHO_THREAD = 500
FIRST_USER_ID = 10_000


class BenchError(Exception):
    """The benchmark did not do the work it claims to measure."""


@dataclass
class Run:
    """One timed feed: how many updates went through and how long it took."""

    updates: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.updates / self.seconds


def citizens(count: int) -> list[User]:
    return [
        User(
            id=FIRST_USER_ID + n,
            is_bot=False,
            first_name=f"Citizen {n}",
            username=f"citizen_{n}",
            language_code="en",
        )
        for n in range(count)
    ]


def followups(updates: Updates, users: Sequence[User], count: int) -> list[Update]:
    """`count` private text messages, spread round-robin over `users`."""
    return [
        updates.message(users[n % len(users)], f"Follow-up {n}: the car was blue, plate unknown.")
        for n in range(count)
    ]


async def feed_all(dp: Dispatcher, bot: Bot, batch: Sequence[Update]) -> Run:
    started = time.perf_counter()
    for update in batch:
        await dp.feed_update(bot, update)
    return Run(len(batch), time.perf_counter() - started)


# -- baseline ------------------------------------------------------------------------------


async def echo(message: Message, bot: Bot) -> None:
    """Copy the message into a fixed topic of the desk group, as the relay does."""
    await bot.copy_message(
        chat_id=CENTRAL,
        message_thread_id=ECHO_THREAD,
        from_chat_id=message.chat.id,
        message_id=message.message_id,
    )


async def bare_echo(messages: int, users: Sequence[User]) -> Run:
    router = Router(name="echo")
    router.message.register(echo)
    dp = Dispatcher()
    dp.include_router(router)
    api = FakeTelegram()
    bot = create_bot(BOT_TOKEN, session=api)
    batch = followups(Updates(), users, messages)
    try:
        run = await feed_all(dp, bot, batch)
    finally:
        await bot.session.close()
    copies = len(api.sent("copyMessage", CENTRAL))
    if copies != messages or len(api.calls) != messages:
        msg = f"bare echo: {copies} copyMessage of {len(api.calls)} calls for {messages} updates"
        raise BenchError(msg)
    return run


async def db_echo(url: str, messages: int, users: Sequence[User]) -> Run:
    """The echo plus one INSERT and COMMIT through the same engine: the database's floor."""
    engine = create_engine(url)
    await migrate.upgrade(engine)
    factory = create_session_factory(engine)
    row_ids = itertools.count(1)

    async def echo_and_store(message: Message, bot: Bot) -> None:
        async with factory() as session:
            await UpdateLog(session).claim(next(row_ids), datetime.now(UTC))
            await session.commit()
        await echo(message, bot)

    router = Router(name="db-echo")
    router.message.register(echo_and_store)
    dp = Dispatcher()
    dp.include_router(router)
    api = FakeTelegram()
    bot = create_bot(BOT_TOKEN, session=api)
    try:
        run = await feed_all(dp, bot, followups(Updates(), users, messages))
        async with engine.connect() as connection:
            rows = await connection.scalar(select(func.count()).select_from(ProcessedUpdate))
    finally:
        await bot.session.close()
        await engine.dispose()
    if rows != messages or len(api.sent("copyMessage", CENTRAL)) != messages:
        msg = f"db echo: {rows} rows and {len(api.calls)} calls for {messages} updates"
        raise BenchError(msg)
    return run


# -- full path -----------------------------------------------------------------------------


async def citizen_rows(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        count = await connection.scalar(
            select(func.count())
            .select_from(CaseMessage)
            .where(CaseMessage.direction == Direction.CITIZEN)
        )
    return int(count or 0)


async def open_cases_with_topics(engine: AsyncEngine) -> tuple[int, int, int]:
    """(open cases, citizens having them, of which with a topic)."""
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                select(
                    func.count(Case.id),
                    func.count(func.distinct(Case.citizen_id)),
                    func.count(Case.thread_id),
                ).where(Case.status != CaseStatus.CLOSED)
            )
        ).one()
    return int(row[0]), int(row[1]), int(row[2])


async def full_path(
    url: str, i18n: I18n, messages: int, users: Sequence[User], express: bool = True
) -> Run:
    engine = create_engine(url)
    api = FakeTelegram()
    try:
        await migrate.upgrade(engine)
        services = Services(
            settings=Settings(_env_file=None, bot_token=BOT_TOKEN, anonymity_key=ANONYMITY_KEY),
            # A throughput test, not a flood: each citizen sends far more than a person would.
            network=parse_network(NETWORK + "\n[limits]\nfollowups_per_minute = 1000000\n"),
            session_factory=create_session_factory(engine, Sealer.from_text(ANONYMITY_KEY)),
            i18n=i18n,
            clock=SystemClock(),
            express_lane=express,
        )
        tg = make_harness(services, api)
        bot = tg.bot
        for user in users:
            await onboard(tg, user)
            await report(tg, user)
        cases, owners, with_topic = await open_cases_with_topics(engine)
        if not cases == owners == with_topic == len(users):
            msg = (
                f"set-up: {cases} open cases, {owners} citizens with one, {with_topic} with a "
                f"topic; expected one each for {len(users)} citizens"
            )
            raise BenchError(msg)
        batch = followups(tg.updates, users, messages)
        rows_before = await citizen_rows(engine)
        mapped_before = await mapped_rows(engine)
        api.clear()

        started = time.perf_counter()
        for update in batch:
            await tg.dp.feed_update(bot, update)
            tg.courier.wake()
        await tg.courier.drain()  # the clock stops when the last copy is recorded
        run = Run(len(batch), time.perf_counter() - started)
        mapped = await mapped_rows(engine) - mapped_before

        # Each follow-up: its words into the topic under "👤 Resident …", then 👍 on the original.
        copies = api.sent("sendMessage", CENTRAL)
        into_topics = [call for call in copies if call.thread_id is not None]
        reactions = api.sent("setMessageReaction")
        others = sorted(
            {call.method for call in api.calls} - {"sendMessage", "setMessageReaction"}
        )
        added = await citizen_rows(engine) - rows_before
        lane = tg.dp.workflow_data.get(EXPRESS_LANE)
        expressed = lane.handled if lane is not None else 0
    finally:
        await api.close()
        await engine.dispose()
    if expressed != (messages if express else 0):
        msg = f"full path: the express lane took {expressed} of {messages} follow-ups"
        raise BenchError(msg)
    wrong = len(into_topics) != messages or len(reactions) != messages or others
    if wrong or added != messages or mapped != added:
        msg = (
            f"full path: {len(into_topics)} messages into a topic (of {len(copies)}), "
            f"{len(reactions)} reactions, other calls {others or 'none'}, {added} new citizen "
            f"rows in case_message ({mapped} with their copy's id); expected {messages} of each "
            "and no other calls"
        )
        raise BenchError(msg)
    return run


async def mapped_rows(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        count = await connection.scalar(
            select(func.count())
            .select_from(CaseMessage)
            .where(
                CaseMessage.direction == Direction.CITIZEN,
                CaseMessage.target_message_id.is_not(None),
            )
        )
    return int(count or 0)


# -- report --------------------------------------------------------------------------------


def print_versions() -> None:
    print(
        f"Python {platform.python_version()}, aiogram {version('aiogram')}, "
        f"SQLAlchemy {version('SQLAlchemy')}, aiosqlite {version('aiosqlite')}, "
        f"SQLite {sqlite3.sqlite_version}"
    )


def print_floor(bare: Sequence[Run], floor: Sequence[Run]) -> None:
    """How much of the gap one database write per update already explains."""
    bare_median = statistics.median(run.rate for run in bare)
    floor_median = statistics.median(run.rate for run in floor)
    print(
        f"echo + one INSERT/COMMIT (database floor): {floor_median:,.0f} upd/s = "
        f"{floor_median / bare_median:.2f} of bare echo"
    )


def print_general(bare: Sequence[Run], full: Sequence[Run], general: Sequence[Run]) -> None:
    """The same bot with its express lane off (EXPRESS_LANE=false): every follow-up through
    the routers and a session."""
    bare_median = statistics.median(run.rate for run in bare)
    full_median = statistics.median(run.rate for run in full)
    general_median = statistics.median(run.rate for run in general)
    print(
        f"general route only (express lane off): {general_median:,.0f} upd/s = "
        f"{general_median / bare_median:.2f} of bare echo; the express lane is "
        f"{full_median / general_median:.1f}x that"
    )


def print_table(bare: Sequence[Run], full: Sequence[Run]) -> None:
    """Per-round rates, their medians, and the ratio of the medians (full / bare)."""
    print(f"{'round':<8}{'bare echo upd/s':>18}{'full path upd/s':>18}{'full/bare':>12}")
    for number, (echo_run, full_run) in enumerate(zip(bare, full, strict=True), start=1):
        print(
            f"{number:<8}{echo_run.rate:>18,.0f}{full_run.rate:>18,.0f}"
            f"{full_run.rate / echo_run.rate:>12.2f}"
        )
    bare_median = statistics.median(run.rate for run in bare)
    full_median = statistics.median(run.rate for run in full)
    ratio = full_median / bare_median
    print(f"{'median':<8}{bare_median:>18,.0f}{full_median:>18,.0f}{ratio:>12.2f}")
    verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
    print(f"ratio full/bare = {ratio:.2f}; target ≥ {TARGET_RATIO:.2f}: {verdict}")


async def bench(
    workdir: Path,
    i18n: I18n,
    messages: int,
    citizen_count: int,
    rounds: int,
    database: str,
) -> None:
    users = citizens(citizen_count)
    bare: list[Run] = []
    full: list[Run] = []
    general: list[Run] = []
    floor: list[Run] = []
    for number in range(1, rounds + 1):
        # Alternating spreads the machine's slow spells over all sides; each full-path round
        # starts from its own fresh database.
        bare.append(await bare_echo(messages, users))
        async with scratch_database(database, workdir / f"round-{number}.db") as url:
            full.append(await full_path(url, i18n, messages, users))
        async with scratch_database(database, workdir / f"general-{number}.db") as url:
            general.append(await full_path(url, i18n, messages, users, express=False))
        async with scratch_database(database, workdir / f"floor-{number}.db") as url:
            floor.append(await db_echo(url, messages, users))
        print(
            f"round {number}/{rounds}: bare {bare[-1].rate:,.0f} upd/s, "
            f"full {full[-1].rate:,.0f} upd/s, general route only {general[-1].rate:,.0f} upd/s"
        )
    print()
    kind = "SQLite file" if database == "sqlite" else "PostgreSQL"
    print(
        f"Beatline follow-up throughput: {messages} messages from {citizen_count} citizens, "
        f"{rounds} rounds, {kind} database, fake Bot API"
    )
    print_versions()
    print()
    print_table(bare, full)
    print_general(bare, full, general)
    print_floor(bare, floor)


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        msg = f"must be at least 1, not {value}"
        raise argparse.ArgumentTypeError(msg)
    return value


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.throughput", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--messages", type=positive, default=5000, help="follow-ups per run")
    parser.add_argument("--citizens", type=positive, default=50, help="citizens sending them")
    parser.add_argument("--rounds", type=positive, default=3, help="alternating runs of each")
    parser.add_argument(
        "--database-url",
        default="sqlite",
        help="sqlite (a temporary file, the default) or a PostgreSQL server's URL",
    )
    args = parser.parse_args(argv)
    # aiogram logs every update at INFO.
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="beatline-bench-") as tmp:
        workdir = Path(tmp)
        compile_catalogs(ROOT / "locales", workdir / "locales")
        i18n = I18n(path=workdir / "locales", default_locale="en", domain="messages")
        try:
            asyncio.run(
                bench(workdir, i18n, args.messages, args.citizens, args.rounds, args.database_url)
            )
        except BenchError as exc:
            raise SystemExit(f"bench failed: {exc}") from None


if __name__ == "__main__":
    main()
