"""Alert delivery at Telegram's limit: one announcement to N subscribers through the real
outbox and courier (database rows, pacing, per-chat lanes) against a fake Bot API that enforces
30 messages/s overall and a short burst then 1/s per chat, answering 429 with retry_after when
exceeded, with a latency per call.

Prints the achieved rate as a fraction of 30/s, the number of 429s, duplicates and missing.
Targets: ≥ 0.95 of the cap, ≤ 1 % 429s, 0 duplicates, 0 missing. Run from the project root:

    .venv/bin/python -m bench.broadcast [--subscribers 3000] [--latency-ms 40] [--lanes 32]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from aiogram.utils.i18n import I18n
from sqlalchemy import insert

from bot.app.composition import Services
from bot.clock import SystemClock
from bot.config import Settings
from bot.domain.alerts import engine as alerts
from bot.domain.alerts.schedule import Schedule
from bot.network.schema import parse_network
from bot.telegram.pacing import Pacer
from bot.ui.i18n import compile_catalogs
from storage import migrate
from storage.db import create_engine, create_session_factory
from storage.models import Citizen, Subscription
from tests.conftest import NETWORK, make_harness
from tests.fakes import BOT_TOKEN
from tests.limited_api import LimitedTelegram

ROOT = Path(__file__).resolve().parent.parent
CAP = 30.0


async def run(workdir: Path, i18n: I18n, subscribers: int, latency: float, lanes: int) -> None:
    network = parse_network(NETWORK)
    engine = create_engine(f"sqlite+aiosqlite:///{workdir / 'broadcast.db'}")
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
                    "banned": False,
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
    tg = make_harness(
        Services(settings, network, factory, i18n, SystemClock()), api, pacer=Pacer()
    )
    tg.courier.max_lanes = lanes
    courier = asyncio.create_task(tg.courier.run())
    started = time.perf_counter()
    started_loop = asyncio.get_running_loop().time()
    try:
        await tg.broadcaster.run()  # claims the announcement and queues one alert each
        while True:
            async with factory() as session:
                occurrences = await alerts.unfinished(session)
                waiting = sum([await alerts.open_count(session, o.id) for o in occurrences])
            if not waiting:
                break
            await asyncio.sleep(0.2)
        elapsed = time.perf_counter() - started
    finally:
        await tg.courier.stop()
        courier.cancel()
        await asyncio.gather(courier, return_exceptions=True)
        await tg.bot.session.close()
        await engine.dispose()

    citizens = {10_000 + n for n in range(subscribers)}
    duplicates = sum(1 for chat, count in api.delivered.items() if chat in citizens and count > 1)
    missing = len(citizens - set(api.delivered))
    sent = sum(count for chat, count in api.delivered.items() if chat in citizens)
    rate = sent / elapsed
    print(f"{subscribers} subscribers, {lanes} lanes, {latency * 1000:.0f} ms API latency")
    print(f"sent {sent} in {elapsed:.1f} s = {rate:.2f} msg/s = {rate / CAP:.3f} of the 30/s cap")
    print(f"429 answers: {api.too_many} ({api.too_many / max(sent, 1):.2%})")
    alerts_sent = [t for t, call in api.accepted if call.chat_id in citizens]
    if alerts_sent:
        print(
            f"first alert after {alerts_sent[0] - started_loop:.2f} s, steady rate "
            f"{(len(alerts_sent) - 1) / (alerts_sent[-1] - alerts_sent[0]):.2f} msg/s"
        )
    print(f"duplicates: {duplicates}, missing: {missing}")
    verdicts = [
        ("≥ 0.95 of the cap", rate / CAP >= 0.95),
        ("≤ 1 % 429s", api.too_many <= 0.01 * sent),
        ("0 duplicates", duplicates == 0),
        ("0 missing", missing == 0),
    ]
    for label, met in verdicts:
        print(f"target {label}: {'met' if met else 'NOT met'}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.broadcast", description=__doc__)
    parser.add_argument("--subscribers", type=int, default=3000)
    parser.add_argument("--latency-ms", type=float, default=40.0)
    parser.add_argument("--lanes", type=int, default=32, help="chats served at once")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="beatline-broadcast-") as tmp:
        workdir = Path(tmp)
        compile_catalogs(ROOT / "locales", workdir / "locales")
        i18n = I18n(path=workdir / "locales", default_locale="en", domain="messages")
        asyncio.run(run(workdir, i18n, args.subscribers, args.latency_ms / 1000, args.lanes))


if __name__ == "__main__":
    main()
