"""The live delivery report: while an alert goes out, the coordinators' report message is edited
with the progress, never faster than Telegram allows per message, and it ends as the delivery
report; if the message is gone, the report arrives as a new one."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from storage.models import Citizen
from tests.conftest import COORDINATORS, Harness
from tests.fakes import Call, FakeClock
from tests.limited_api import LimitedTelegram
from tests.test_alerts_engine import announce, citizens
from tests.test_outbox import run_scenario
from tests.virtual_time import until

RESIDENTS = 450  # about 15 s at Telegram's 30 messages a second
EDIT_INTERVAL = 3


@dataclass
class LiveReport:
    """What the coordinators' group saw of one broadcast to RESIDENTS residents."""

    posts: list[Call]
    edits: list[tuple[float, Call]]
    alerts: list[Call]
    refused: int  # 429s Telegram gave


def broadcast(tmp_path: Path, settings: Settings, i18n: I18n, edit_interval: int) -> LiveReport:
    """An urgent alert to RESIDENTS residents, paced against a Telegram that refuses a second
    edit of a message within `edit_interval` seconds; the alert timer ticks every 15 s."""
    seen: list[LiveReport] = []

    async def scenario(tg: Harness, api: LimitedTelegram) -> None:
        def edits() -> list[tuple[float, Call]]:
            return [
                (t, c) for t, c in api.accepted_to(COORDINATORS) if c.method.startswith("edit")
            ]

        factory = tg.courier.session_factory
        now = tg.courier.clock.now()
        await citizens(factory, RESIDENTS, now)
        await announce(factory, now)

        async def alert_timer() -> None:  # APScheduler's 15-second job
            while True:
                await tg.broadcaster.run()
                await asyncio.sleep(15)

        timer = asyncio.create_task(alert_timer())
        try:
            await until(lambda: any("Delivery report" in c.text for _, c in edits()), step=0.5)
            await asyncio.sleep(60)  # nothing more arrives afterwards
        finally:
            timer.cancel()
        to_coordinators = [c for _, c in api.accepted_to(COORDINATORS)]
        seen.append(
            LiveReport(
                posts=[c for c in to_coordinators if c.method == "sendMessage"],
                edits=edits(),
                alerts=[
                    c
                    for _, c in api.accepted
                    if c.method == "sendMessage" and (c.chat_id or 0) > 0
                ],
                refused=api.too_many,
            )
        )

    run_scenario(tmp_path, settings, i18n, scenario, edit_interval=edit_interval)
    return seen[0]


def test_a_paced_broadcast_edits_its_report_live_and_ends_with_the_final_report(
    tmp_path: Path, settings: Settings, i18n: I18n
) -> None:
    report = broadcast(tmp_path, settings, i18n, edit_interval=EDIT_INTERVAL)

    [post] = report.posts
    assert "Sending announcement #1" in post.text and f"of {RESIDENTS}" in post.text
    assert len({c.params["message_id"] for _, c in report.edits}) == 1, "one message is edited"
    texts = [c.text for _, c in report.edits]
    progress, final = texts[:-1], texts[-1]
    assert len(progress) >= 3, texts
    assert all("▓" in text and f"of {RESIDENTS}" in text for text in progress)
    assert any("left" in text for text in progress)
    sent = [int(text.split("Sent: ")[1].split(" ")[0]) for text in progress]
    assert sent == sorted(sent) and 0 < sent[0] < RESIDENTS
    assert f"Recipients: {RESIDENTS}" in final and f"Sent: {RESIDENTS}" in final
    times = [t for t, _ in report.edits]
    assert all(later - earlier >= EDIT_INTERVAL for earlier, later in pairwise(times))
    assert report.refused == 0
    assert len(report.alerts) == len({c.chat_id for c in report.alerts}) == RESIDENTS


def test_when_telegram_allows_fewer_edits_the_refused_ones_wait_and_the_report_still_comes(
    tmp_path: Path, settings: Settings, i18n: I18n
) -> None:
    report = broadcast(tmp_path, settings, i18n, edit_interval=5)

    assert report.refused >= 1  # our 3 s were too quick for this Telegram
    texts = [c.text for _, c in report.edits]
    assert "Delivery report" in texts[-1] and f"Sent: {RESIDENTS}" in texts[-1]
    assert len(report.alerts) == len({c.chat_id for c in report.alerts}) == RESIDENTS
    assert len(report.posts) == 1


async def test_the_report_arrives_as_a_new_message_when_the_live_one_cannot_be_edited(
    tg: Harness, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await citizens(session_factory, 3, clock.now())
    number = await announce(session_factory, clock.now())
    tg.api.fail("editMessageText", description="Bad Request: message to edit not found")

    await tg.run_alerts()
    await tg.courier.drain()

    post, report = tg.api.sent("sendMessage", COORDINATORS)
    assert f"Sending announcement #{number}" in post.text
    assert "Recipients: 3" in report.text and "Sent: 3" in report.text
    [refused] = tg.api.sent("editMessageText", COORDINATORS)
    assert "Delivery report" in refused.text


async def test_the_live_report_counts_alerts_held_for_quiet_hours(
    tg: Harness, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    clock.current = datetime(2026, 3, 5, 22, 30, tzinfo=UTC)  # 23:30 in Amsterdam
    people = await citizens(session_factory, 3, clock.now())
    async with session_factory() as session:
        sleeper = await session.get(Citizen, people[0].id)
        assert sleeper is not None
        sleeper.quiet_start, sleeper.quiet_end = "22:00", "07:00"
        await session.commit()
    await announce(session_factory, clock.now())

    await tg.run_alerts()

    [post] = tg.api.sent("sendMessage", COORDINATORS)
    assert "Waiting for quiet hours to end: 1" in post.text
    assert tg.api.sent("editMessageText") == []  # not finished: no report yet
    clock.current = datetime(2026, 3, 6, 6, 1, tzinfo=UTC)  # 07:01
    await tg.run_alerts()
    [report] = tg.api.sent("editMessageText", COORDINATORS)
    assert "Sent: 3" in report.text


async def test_an_announcement_nobody_follows_gets_only_the_report(
    tg: Harness, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await announce(session_factory, clock.now())

    await tg.run_alerts()

    [report] = tg.api.sent("sendMessage", COORDINATORS)
    assert "Recipients: 0" in report.text
    assert tg.api.sent("editMessageText") == []
