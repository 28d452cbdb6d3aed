"""Alert delivery at Telegram's limit: one announcement to N subscribers through the real
delivery engine (database rows, pacing layer, retries) against a fake Bot API that enforces
30 messages/s overall and 1/s per chat, answering 429 with retry_after when exceeded.

Prints the achieved rate as a fraction of 30/s, the number of 429s, duplicates and missing.
Targets: ≥ 0.95 of the cap, ≤ 1 % 429s, 0 duplicates, 0 missing. Run from the project root:

    .venv/bin/python -m bench.broadcast [--subscribers 3000] [--latency-ms 40] [--workers 16]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from collections import Counter, deque
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from aiogram import Bot
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.utils.i18n import I18n
from sqlalchemy import insert

from bot.app import add_retries, create_bot
from bot.broadcast import Broadcaster
from bot.clock import SystemClock
from bot.i18n import compile_catalogs
from bot.network import parse_network
from bot.pacing import Pacer
from bot.services import alerts
from storage import migrate
from storage.db import create_engine, create_session_factory
from storage.models import Citizen, Subscription
from tests.conftest import COORDINATORS, NETWORK
from tests.fakes import BOT_TOKEN, FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
CAP = 30.0


class LimitedTelegram(FakeTelegram):
    """Telegram's flood limits, enforced: 30 sends in any second, one per chat per second."""

    def __init__(self, latency: float) -> None:
        super().__init__()
        self.latency = latency
        self.window: deque[float] = deque()
        self.last_to_chat: dict[int, float] = {}
        self.too_many = 0
        self.delivered: Counter[int] = Counter()

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - BaseSession's signature
    ) -> TelegramType:
        await asyncio.sleep(self.latency)
        if method.__api_method__ == "sendMessage":
            chat_id = int(getattr(method, "chat_id", 0))
            now = time.monotonic()
            while self.window and self.window[0] <= now - 1.0:
                self.window.popleft()
            too_fast = len(self.window) >= CAP or now - self.last_to_chat.get(chat_id, -9) < 1.0
            if too_fast and chat_id != COORDINATORS:
                self.too_many += 1
                self.fail(
                    "sendMessage",
                    status=429,
                    retry_after=1,
                    chat_id=chat_id,
                    description="Too Many Requests: retry after 1",
                )
            else:
                self.window.append(now)
                self.last_to_chat[chat_id] = now
        result = await super().make_request(bot, method, timeout)
        if method.__api_method__ == "sendMessage":
            self.delivered[int(getattr(method, "chat_id", 0))] += 1
        return result


async def run(workdir: Path, i18n: I18n, subscribers: int, latency: float, workers: int) -> None:
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
                    "pseudonym": f"B-{n}",
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
            author_id=None,
            first_run=now,
        )
        await session.commit()

    api = LimitedTelegram(latency)
    bot = create_bot(BOT_TOKEN, session=api)
    add_retries(bot)
    bot.session.middleware(Pacer())
    sender = Broadcaster(bot, factory, i18n, network, SystemClock(), workers=workers)
    started = time.perf_counter()
    try:
        await sender.run()
    finally:
        elapsed = time.perf_counter() - started
        await bot.session.close()
        await engine.dispose()

    citizens = {10_000 + n for n in range(subscribers)}
    duplicates = sum(1 for chat, count in api.delivered.items() if chat in citizens and count > 1)
    missing = len(citizens - set(api.delivered))
    sent = sum(count for chat, count in api.delivered.items() if chat in citizens)
    rate = sent / elapsed
    print(f"{subscribers} subscribers, {workers} workers, {latency * 1000:.0f} ms API latency")
    print(f"sent {sent} in {elapsed:.1f} s = {rate:.2f} msg/s = {rate / CAP:.3f} of the 30/s cap")
    print(f"429 answers: {api.too_many} ({api.too_many / max(sent, 1):.2%})")
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
    parser.add_argument("--workers", type=int, default=16)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="beatline-broadcast-") as tmp:
        workdir = Path(tmp)
        compile_catalogs(ROOT / "locales", workdir / "locales")
        i18n = I18n(path=workdir / "locales", default_locale="en", domain="messages")
        asyncio.run(run(workdir, i18n, args.subscribers, args.latency_ms / 1000, args.workers))


if __name__ == "__main__":
    main()
