"""Alert delivery at Telegram's limit: one announcement to N subscribers through the real
outbox and courier (database rows, pacing, per-chat lanes) against a fake Bot API that enforces
30 messages/s overall and a short burst then 1/s per chat, answering 429 with retry_after when
exceeded, with a latency per call.

Prints the achieved rate as a fraction of 30/s, the number of 429s, duplicates and missing.
Targets: ≥ 0.95 of the cap, ≤ 1 % 429s, 0 duplicates, 0 missing. Run from the project root:

    .venv/bin/python -m bench.broadcast [--subscribers 3000] [--latency-ms 40] [--lanes 32]

With `--workers 2` two couriers share the work as two processes would: each with its own
database connections, lane locks and pacer, the limits shared through Redis, against the one
fake Bot API. That needs a scratch PostgreSQL database (it is emptied) and Redis:

    .venv/bin/python -m bench.broadcast --workers 2 \
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench \
        --redis-url redis://127.0.0.1:6379/15

`--profile FILE` writes cProfile statistics of the timed part there and prints the Python
calls per message: on a busy machine a steadier measure of the work per message than CPU time.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import logging
import pstats
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from aiogram.utils.i18n import I18n
from redis.asyncio import Redis
from sqlalchemy import insert

from bot.app.composition import Services, create_bot, create_courier
from bot.clock import SystemClock
from bot.config import Settings
from bot.domain.alerts import engine as alerts
from bot.domain.alerts.schedule import Schedule
from bot.network.schema import parse_network
from bot.telegram.courier import Courier
from bot.telegram.lanes import AdvisoryLanes
from bot.telegram.pacing import Pacer
from bot.telegram.shared_pacing import SharedLimits
from bot.ui.i18n import compile_catalogs
from bot.workflows.broadcaster import Broadcaster
from storage import migrate
from storage.alerts import Deliveries, Occurrences
from storage.db import create_engine, create_session_factory
from storage.models import Citizen, Subscription
from tests.conftest import NETWORK
from tests.fakes import BOT_TOKEN
from tests.limited_api import LimitedTelegram

ROOT = Path(__file__).resolve().parent.parent
CAP = 30.0


@dataclass
class Setup:
    subscribers: int
    latency: float
    lanes: int
    workers: int = 1
    database_url: str | None = None
    redis_url: str | None = None
    profile: Path | None = None  # cProfile statistics of the timed part, written here


async def run(workdir: Path, i18n: I18n, setup: Setup) -> None:
    subscribers, latency, lanes = setup.subscribers, setup.latency, setup.lanes
    network = parse_network(NETWORK)
    url = setup.database_url or f"sqlite+aiosqlite:///{workdir / 'broadcast.db'}"
    engine = create_engine(url)
    if setup.database_url:
        await migrate.downgrade(engine, "base")  # a scratch database: start empty
    await migrate.upgrade(engine)
    factory = create_session_factory(engine)
    now = datetime.now(UTC)
    async with factory() as session:
        await session.execute(
            insert(Citizen),
            [
                {
                    "telegram_id": 10_000 + n,
                    "chat_id": 10_000 + n,
                    "first_name": "x",
                    "language": ("en", "nl", "ar")[n % 3],
                    "consent_at": now,
                    "blocked_bot": False,
                    "created_at": now,
                    "last_seen_at": now,
                }
                for n in range(subscribers)
            ],
        )
        await session.flush()
        await session.execute(
            insert(Subscription),
            [
                {"citizen_id": n + 1, "kind": "area", "code": "centre", "created_at": now}
                for n in range(subscribers)
            ],
        )
        await alerts.create(
            session,
            alerts.Draft(
                texts={"en": "Test alert", "nl": "Testmelding", "ar": "تنبيه"},
                areas=["centre"],
                urgent=True,
            ),
            Schedule(now),
            author_id=None,
            now=now,
        )
        await session.commit()

    api = LimitedTelegram(latency=latency)
    settings = Settings(_env_file=None, bot_token=BOT_TOKEN)
    redis = Redis.from_url(setup.redis_url) if setup.redis_url else None
    prefix = f"beatline-bench:{time.time_ns()}"
    workers: list[Courier] = []
    engines = [engine]
    for index in range(setup.workers):
        worker_engine = engine if index == 0 else create_engine(url)
        if index:
            engines.append(worker_engine)
        services = Services(
            settings, network, create_session_factory(worker_engine), i18n, SystemClock()
        )
        bot = create_bot(BOT_TOKEN, session=api)
        shared = SharedLimits(redis, prefix) if redis is not None else None
        lane_locks = AdvisoryLanes(worker_engine) if setup.workers > 1 else None
        courier = create_courier(bot, services, Pacer(shared=shared), lane_locks)
        courier.max_lanes = lanes
        workers.append(courier)
    first = workers[0]

    def wake_all() -> None:
        for worker in workers:
            worker.wake()

    broadcaster = Broadcaster(first.bot, factory, i18n, network, SystemClock(), wake_all)
    running = [asyncio.create_task(worker.run()) for worker in workers]
    lags: list[float] = []
    watching = asyncio.create_task(_watch_loop(lags))
    profiler = cProfile.Profile() if setup.profile else None
    cpu = time.process_time()
    started = time.perf_counter()
    started_loop = asyncio.get_running_loop().time()
    if profiler is not None:
        profiler.enable()
    try:
        await broadcaster.run()  # claims the announcement and queues one alert each
        while True:
            async with factory() as session:
                occurrences = await Occurrences(session).unreported()
                waiting = sum([await Deliveries(session).open_count(o.id) for o in occurrences])
            if not waiting:
                break
            await asyncio.sleep(0.2)
        elapsed = time.perf_counter() - started
    finally:
        if profiler is not None:
            profiler.disable()
        cpu = time.process_time() - cpu
        watching.cancel()
        for worker in workers:
            await worker.stop()
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        await first.bot.session.close()
        if redis is not None:
            await redis.aclose()
        for each in engines:
            await each.dispose()

    citizens = {10_000 + n for n in range(subscribers)}
    duplicates = sum(1 for chat, count in api.delivered.items() if chat in citizens and count > 1)
    missing = len(citizens - set(api.delivered))
    sent = sum(count for chat, count in api.delivered.items() if chat in citizens)
    rate = sent / elapsed
    print(
        f"{subscribers} subscribers, {setup.workers} worker(s) of {lanes} lanes, "
        f"{latency * 1000:.0f} ms API latency"
    )
    print(f"sent {sent} in {elapsed:.1f} s = {rate:.2f} msg/s = {rate / CAP:.3f} of the 30/s cap")
    print(
        f"429 answers: {api.too_many} ({api.too_many / max(sent, 1):.2%}), "
        f"{api.too_many_for_the_bot} of them for the bot's 30 in a second"
    )
    late = sum(worker.pacer.late for worker in workers)
    given_back = sum(worker.pacer.given_back for worker in workers)
    lags.sort()
    print(
        f"this process: {cpu / max(sent, 1) * 1000:.1f} ms CPU per message, event loop late "
        f"by {_at(lags, 0.5) * 1000:.0f} ms (median) / {_at(lags, 0.9) * 1000:.0f} ms (p90); "
        f"shared slots sent late: {late}, given back after a stall: {given_back}"
    )
    alerts_sent = [t for t, call in api.accepted if call.chat_id in citizens]
    if alerts_sent:
        print(
            f"first alert after {alerts_sent[0] - started_loop:.2f} s, steady rate "
            f"{(len(alerts_sent) - 1) / (alerts_sent[-1] - alerts_sent[0]):.2f} msg/s"
        )
    print(f"duplicates: {duplicates}, missing: {missing}")
    if profiler is not None and setup.profile is not None:
        profiler.dump_stats(setup.profile)
        calls = pstats.Stats(profiler).total_calls  # type: ignore[attr-defined]
        print(f"Python calls per message: {calls / max(sent, 1):.0f} (profile in {setup.profile})")
    verdicts = [
        ("≥ 0.95 of the cap", rate / CAP >= 0.95),
        ("≤ 1 % 429s", api.too_many <= 0.01 * sent),
        ("0 duplicates", duplicates == 0),
        ("0 missing", missing == 0),
    ]
    for label, met in verdicts:
        print(f"target {label}: {'met' if met else 'NOT met'}")


async def _watch_loop(lags: list[float], every: float = 0.01) -> None:
    """How late the event loop wakes a sleeper (a busy or starved process sends late)."""
    loop = asyncio.get_running_loop()
    while True:
        before = loop.time()
        await asyncio.sleep(every)
        lags.append(loop.time() - before - every)


def _at(ordered: list[float], share: float) -> float:
    return ordered[int(share * (len(ordered) - 1))] if ordered else 0.0


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.broadcast", description=__doc__)
    parser.add_argument("--subscribers", type=int, default=3000)
    parser.add_argument("--latency-ms", type=float, default=40.0)
    parser.add_argument("--lanes", type=int, default=32, help="chats served at once")
    parser.add_argument("--workers", type=int, default=1, help="couriers, as processes")
    parser.add_argument("--database-url", help="a scratch PostgreSQL database (emptied)")
    parser.add_argument("--redis-url", help="Redis for the shared limits")
    parser.add_argument("--profile", type=Path, help="write cProfile statistics here")
    args = parser.parse_args(argv)
    if args.workers > 1 and not (args.database_url and args.redis_url):
        parser.error("--workers > 1 needs --database-url (PostgreSQL) and --redis-url")
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="beatline-broadcast-") as tmp:
        workdir = Path(tmp)
        compile_catalogs(ROOT / "locales", workdir / "locales")
        i18n = I18n(path=workdir / "locales", default_locale="en", domain="messages")
        setup = Setup(
            args.subscribers,
            args.latency_ms / 1000,
            args.lanes,
            args.workers,
            args.database_url,
            args.redis_url,
            args.profile,
        )
        asyncio.run(run(workdir, i18n, setup))


if __name__ == "__main__":
    main()
