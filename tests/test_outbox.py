"""Commit first, deliver per chat: a busy chat never holds up another, nothing is lost or
doubled across crashes, and the backlog of a saturated desk group drains as fast as Telegram's
limits allow. The flood-control scenarios run on a time-travelling event loop against a fake
Bot API that enforces Telegram's limits, so their times are exact and nobody waits."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiogram.types import User
from aiogram.utils.i18n import I18n
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app.composition import Services
from bot.config import Settings
from bot.kinds import OutboxStatus
from bot.network.schema import parse_network
from bot.telegram.pacing import Pacer
from bot.ui.keyboards import ConsentCb, LanguageCb
from storage import migrate
from storage.db import create_engine, create_session_factory
from storage.models import OutboxMessage
from storage.sealing import Sealer
from tests.conftest import ANONYMITY_KEY, CENTRAL, EAST, NETWORK, Harness, make_harness
from tests.fakes import Call
from tests.helpers import half_sent, onboard, report, send_report
from tests.limited_api import LimitedTelegram
from tests.virtual_time import LoopClock, run_virtual, until

GROUP_WINDOW = 60.0


def resident(number: int, language: str = "en") -> User:
    return User(id=50_000 + number, is_bot=False, first_name=f"R{number}", language_code=language)


Scenario = Callable[[Harness, LimitedTelegram], Awaitable[None]]


def run_scenario(
    tmp_path: Path, settings: Settings, i18n: I18n, scenario: Scenario, **limits: int
) -> None:
    """A bot on its own SQLite file and a limited fake Telegram, its courier running."""

    async def main() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'scenario.db'}")
        await migrate.upgrade(engine)
        # Residents here write fast on purpose: the scenarios are about desks and Telegram.
        network = parse_network(NETWORK + "\n[limits]\nfollowups_per_minute = 120\n")
        factory = create_session_factory(engine, Sealer.from_text(ANONYMITY_KEY))
        services = Services(settings, network, factory, i18n, LoopClock())
        api = LimitedTelegram(**limits)
        tg = make_harness(services, api, pacer=Pacer(clock=asyncio.get_running_loop().time))
        tg.auto_drain = False
        runner = asyncio.create_task(tg.courier.run())
        try:
            await scenario(tg, api)
        finally:
            await tg.courier.stop()
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)
            await tg.bot.session.close()
            await engine.dispose()

    run_virtual(main)


def followup_numbers(calls: list[Call], sources: dict[int, int]) -> list[int]:
    """The follow-up numbers carried by the desk's messages, in the order they arrived."""
    numbers: list[int] = []
    for call in calls:
        if call.method == "copyMessage":
            numbers.append(sources[int(call.params["message_id"])])
        elif call.method == "sendMessage":
            numbers += [int(n) for n in re.findall(r"Follow-up (\d+):", call.text)]
    return numbers


def forced_seconds(messages: int, per_window: int = 20) -> float:
    """How long Telegram's 20-a-minute group limit makes `messages` queued at once take."""
    return ((messages - 1) // per_window) * GROUP_WINDOW


def test_a_desk_in_flood_control_holds_up_no_other_chat(
    tmp_path: Path, settings: Settings, i18n: I18n
) -> None:
    alice, bram, carol = resident(1), resident(2), resident(3)

    async def scenario(tg: Harness, api: LimitedTelegram) -> None:
        loop = asyncio.get_running_loop()
        await onboard(tg, alice)
        await report(tg, alice)  # central
        await onboard(tg, bram)
        await report(tg, bram, area="east")  # team east
        await asyncio.sleep(120)  # everything settles; the group windows empty
        api.flood(CENTRAL, 60)
        start = loop.time()
        sources = {}
        for number in range(25):
            update = await tg.send(alice, f"Follow-up {number}: the van is still there")
            assert update.message is not None
            sources[update.message.message_id] = number
        await asyncio.sleep(1)

        asked = loop.time()
        await tg.send(carol, "/start")
        await tg.send(bram, "Follow-up for team east: the noise is back")
        await tg.send(bram, "/report")

        answered_start = await until(lambda: bool(api.accepted_to(carol.id, asked)))
        relayed = await until(lambda: bool(api.accepted_to(EAST, asked)))
        wizard = await until(
            lambda: any("Burglary" in c.buttons for _, c in api.accepted_to(bram.id, asked))
        )
        for answered in (answered_start, relayed, wizard):
            assert answered - asked < 2.0, "a chat waited for the flooded desk group"

        def arrived() -> list[int]:
            calls = [c for _, c in api.accepted_to(CENTRAL, start)]
            return followup_numbers(calls, sources)

        await until(lambda: len(arrived()) >= 25)
        await asyncio.sleep(300)  # nothing more trickles in
        assert arrived() == list(range(25)), "lost, doubled or out of order"
        after_flood = [
            (t, c) for t, c in api.accepted_to(CENTRAL, start) if c.method != "setMessageReaction"
        ]
        first_allowed = start + 60
        drained = after_flood[-1][0] - first_allowed
        assert drained <= 1.1 * forced_seconds(len(after_flood)) + 0.5
        assert len(after_flood) < 25, "the backlog was not merged"

    run_scenario(tmp_path, settings, i18n, scenario)


def test_a_saturated_desk_group_drains_at_its_limit_in_order(
    tmp_path: Path, settings: Settings, i18n: I18n
) -> None:
    alice = resident(1)
    photo = [{"file_id": "ph", "file_unique_id": "u", "width": 10, "height": 10}]

    async def scenario(tg: Harness, api: LimitedTelegram) -> None:
        loop = asyncio.get_running_loop()
        await onboard(tg, alice)
        await report(tg, alice)
        await asyncio.sleep(120)
        start = loop.time()
        ids = []
        for _ in range(45):  # photos cannot be merged: 45 messages
            update = await tg.send(alice, None, photo=photo)
            assert update.message is not None
            ids.append(update.message.message_id)
        await until(lambda: len(api.accepted_to(CENTRAL, start)) >= 45)
        copies = [c for _, c in api.accepted_to(CENTRAL, start) if c.method == "copyMessage"]
        times = [t for t, c in api.accepted_to(CENTRAL, start) if c.method == "copyMessage"]

        assert [int(c.params["message_id"]) for c in copies] == ids
        assert times[-1] - start <= 1.1 * forced_seconds(45)
        assert api.too_many == 0

    run_scenario(tmp_path, settings, i18n, scenario)


def test_a_crowd_onboarding_at_once_gets_through_at_the_bots_rate(
    tmp_path: Path, settings: Settings, i18n: I18n
) -> None:
    crowd = [resident(n, "nl") for n in range(300)]

    async def scenario(tg: Harness, api: LimitedTelegram) -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()

        async def walk(user: User) -> float:
            """A resident scans the poster, then taps each answer once it has arrived."""
            seen = api.accepted_count
            await tg.send(user, "/start area-centre")
            await until(lambda: seen[user.id] >= 1, step=0.25)
            await tg.press(user, LanguageCb(code="nl"))
            await until(lambda: seen[user.id] >= 2, step=0.25)
            await tg.press(user, ConsentCb())
            return await until(lambda: seen[user.id] >= 4, step=0.25)

        finished = await asyncio.gather(*(walk(user) for user in crowd))
        messages = sum(
            1 for _, c in api.accepted if c.chat_id and c.chat_id > 0 and c.method == "sendMessage"
        )
        forced = messages / 30
        took = max(finished) - start
        assert took <= 1.25 * forced + 2, (
            f"{messages} messages took {took:.1f} s, not {forced:.1f}"
        )
        assert api.too_many <= messages // 100

    run_scenario(tmp_path, settings, i18n, scenario)


async def outbox_rows(factory: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    async with factory() as session:
        return list((await session.scalars(select(OutboxMessage))).all())


async def test_a_crash_between_commit_and_send_loses_nothing(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    tg.auto_drain = False
    tg.api.clear()

    await tg.send(alice, "Committed, not yet sent")  # the process dies here
    assert tg.api.sent("sendMessage", CENTRAL) == []

    restarted = tg.restarted()
    repeated, unknown = await restarted.courier.recover()
    await restarted.courier.drain()

    assert (repeated, unknown) == (0, 0)
    [relayed] = restarted.api.sent("sendMessage", CENTRAL)
    assert "Committed, not yet sent" in str(relayed.text)
    assert not any(row.possibly_repeated for row in await outbox_rows(session_factory))


async def test_a_crash_between_send_and_record_repeats_only_that_message_and_says_so(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await half_sent(tg, alice, "Sent, then the process died")
    assert len(tg.api.sent("sendMessage", CENTRAL)) == 1

    restarted = tg.restarted()
    repeated, unknown = await restarted.courier.recover()
    await restarted.courier.drain()

    assert (repeated, unknown) == (1, 0)
    [again] = restarted.api.sent("sendMessage", CENTRAL)
    assert "Sent, then the process died" in str(again.text)
    [flagged] = [r for r in await outbox_rows(session_factory) if r.possibly_repeated]
    assert flagged.method == "sendMessage" and flagged.status == OutboxStatus.SENT


async def test_send_report_keeps_the_case_when_items_fail_and_delivers_them_later(
    tg: Harness,
    alice: User,
    session_factory: async_sessionmaker[AsyncSession],
    clock: object,
) -> None:
    from tests.fakes import FakeClock
    from tests.helpers import start_report

    assert isinstance(clock, FakeClock)
    await onboard(tg, alice)
    await start_report(tg, alice)
    photos = []
    for name in ("one", "two", "three"):
        update = await tg.send(
            alice, None, photo=[{"file_id": name, "file_unique_id": name, "width": 1, "height": 1}]
        )
        assert update.message is not None
        photos.append(update.message.message_id)
    tg.api.fail(
        "copyMessage",
        description="Bad Request: message to copy not found",
        where={"message_id": photos[1]},
    )
    tg.api.fail(
        "copyMessage", status=502, description="Bad Gateway", where={"message_id": photos[2]}
    )

    await send_report(tg, alice)

    receipt = tg.api.last("sendMessage", alice.id).text
    assert "BL-26-00001" in receipt
    assert len(tg.api.sent("createForumTopic", CENTRAL)) == 1
    clock.advance(minutes=1)
    await tg.courier.drain()
    delivered = [
        c for c in tg.api.sent("copyMessage", CENTRAL) if c.params["message_id"] != photos[1]
    ]
    assert [c.params["message_id"] for c in delivered] == [photos[0], photos[2], photos[2]]
    topic_notes = [c.text for c in tg.api.sent("sendMessage", CENTRAL)]
    assert any("could not be shown here" in text for text in topic_notes)
    assert "could not be passed on" in tg.api.last("sendMessage", alice.id).text
    assert len(tg.api.sent("createForumTopic", CENTRAL)) == 1  # nothing orphaned


async def test_a_desk_with_two_supergroups_gives_a_new_case_to_the_less_busy_one(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    i18n: I18n,
    alice: User,
    bram: User,
) -> None:
    from tests.fakes import FakeClock, FakeTelegram

    second = -1001000000011
    network = parse_network(
        NETWORK.replace(
            "chat_id = -1001000000001", f"chat_id = -1001000000001\nchat_ids = [{second}]"
        )
    )
    tg = make_harness(
        Services(settings, network, session_factory, i18n, FakeClock()), FakeTelegram()
    )
    await onboard(tg, alice)
    await report(tg, alice)  # both groups idle: the first one
    tg.api.fail("copyMessage", status=429, retry_after=60, chat_id=CENTRAL)
    for number in range(3):
        await tg.send(alice, f"Follow-up {number}")  # CENTRAL now has messages waiting

    await onboard(tg, bram)
    await report(tg, bram)

    assert tg.api.sent("createForumTopic", CENTRAL) and tg.api.sent("createForumTopic", second)
    [bram_card] = [c for c in tg.api.sent("sendMessage", second) if "BL-26-00002" in c.text]
    assert bram_card.thread_id is not None
    await tg.bot.session.close()
