"""The alert delivery engine: the database decides what is due and what was sent; a crash
leaves `unknown`, never a second copy; the report counts what the rows say."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiogram import Bot
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.utils.i18n import I18n
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app.composition import Services, add_retries
from bot.config import Settings
from bot.domain.alerts import engine, subscriptions
from bot.domain.alerts.schedule import ONCE, Schedule
from bot.kinds import DeliveryStatus, SubscriptionKind
from bot.network.schema import Network, parse_network
from storage.models import Citizen, Delivery
from tests.conftest import COORDINATORS, NETWORK, Harness, make_harness
from tests.fakes import BOT_TOKEN, NO_ANSWER, FakeClock, FakeTelegram

LANGUAGES = ["en", "nl", "ar", "pl"]  # pl has no text in the announcements below: fallback


@pytest.fixture
def network() -> Network:
    return parse_network(NETWORK)


async def citizens(
    factory: async_sessionmaker[AsyncSession], count: int, now: datetime, area: str = "centre"
) -> list[Citizen]:
    made = []
    async with factory() as session:
        for n in range(count):
            citizen = Citizen(
                telegram_id=1000 + n,
                chat_id=1000 + n,
                first_name=f"C{n}",
                language=LANGUAGES[n % len(LANGUAGES)],
                consent_at=now,
                blocked_bot=False,
                created_at=now,
                last_seen_at=now,
            )
            session.add(citizen)
            await session.flush()
            await subscriptions.toggle(session, citizen, SubscriptionKind.AREA, area, now)
            made.append(citizen)
        await session.commit()
    return made


async def announce(factory: async_sessionmaker[AsyncSession], at: datetime, **draft: Any) -> int:
    texts = draft.pop(
        "texts",
        {
            "en": "Burglaries in the centre: lock your doors.",
            "nl": "Inbraken in het centrum: sluit uw deuren.",
            "ar": "سرقات في وسط المدينة",
        },
    )
    repeat = draft.pop("schedule", ONCE)
    async with factory() as session:
        announcement = await engine.create(
            session,
            engine.Draft(texts=texts, areas=draft.pop("areas", ["centre"]), **draft),
            Schedule(at, repeat),
            author_id=1,
            now=at,
        )
        await session.commit()
        return int(announcement.id)


async def rows(factory: async_sessionmaker[AsyncSession]) -> list[Delivery]:
    async with factory() as session:
        return list((await session.scalars(select(Delivery).order_by(Delivery.id))).all())


class Engine:
    """The alert timer and the courier of one bot process, on `api`."""

    def __init__(self, harness: Harness) -> None:
        self.harness = harness

    async def run(self) -> None:
        await self.harness.run_alerts()

    async def recover(self) -> int:
        """A restart's recovery; how many alerts became unknown."""
        _repeated, unknown = await self.harness.courier.recover()
        return unknown


def broadcaster(
    api: FakeTelegram,
    factory: async_sessionmaker[AsyncSession],
    i18n: I18n,
    network: Network,
    clock: FakeClock,
    lanes: int = 8,
) -> Engine:
    settings = Settings(_env_file=None, bot_token=BOT_TOKEN)
    harness = make_harness(Services(settings, network, factory, i18n, clock), api)
    harness.courier.max_lanes = lanes
    return Engine(harness)


async def test_everyone_gets_their_language_once_and_the_report_counts_it(
    session_factory: async_sessionmaker[AsyncSession],
    i18n: I18n,
    network: Network,
    clock: FakeClock,
) -> None:
    people = await citizens(session_factory, 8, clock.now())
    await announce(session_factory, clock.now())
    api = FakeTelegram()

    await broadcaster(api, session_factory, i18n, network, clock).run()

    sent = {c.chat_id: c.text for c in api.sent("sendMessage") if c.chat_id != COORDINATORS}
    assert set(sent) == {c.chat_id for c in people}
    by_language = {c.chat_id: c.language or "" for c in people}
    for chat_id, text in sent.items():
        assert chat_id is not None
        expected = {
            "en": "lock your doors",
            "nl": "sluit uw deuren",
            "ar": "سرقات",
            "pl": "lock your doors",
        }[by_language[chat_id]]
        assert expected in text
    assert all(r.status == DeliveryStatus.SENT for r in await rows(session_factory))
    report = api.last(chat_id=COORDINATORS).text
    assert "Recipients: 8" in report and "Sent: 8" in report
    assert "Got the default language (theirs was missing): 2" in report


async def test_a_scheduled_announcement_fires_once_at_its_time(
    session_factory: async_sessionmaker[AsyncSession],
    i18n: I18n,
    network: Network,
    clock: FakeClock,
) -> None:
    await citizens(session_factory, 3, clock.now())
    await announce(session_factory, clock.now() + timedelta(hours=2))
    api = FakeTelegram()
    sender = broadcaster(api, session_factory, i18n, network, clock)

    await sender.run()
    assert api.sent("sendMessage") == []
    clock.advance(hours=2)
    await sender.run()
    await sender.run()

    assert len([c for c in api.sent("sendMessage") if c.chat_id != COORDINATORS]) == 3


class CrashingTelegram(FakeTelegram):
    """Dies (as a killed process would) in the middle of the `crash_at`-th sendMessage."""

    def __init__(self, crash_at: int) -> None:
        super().__init__()
        self.crash_at = crash_at

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109
    ) -> TelegramType:
        result = await super().make_request(bot, method, timeout)
        if len(self.sent("sendMessage")) == self.crash_at:
            raise asyncio.CancelledError
        return result


async def test_a_crash_mid_way_sends_nobody_a_second_copy(
    session_factory: async_sessionmaker[AsyncSession],
    i18n: I18n,
    network: Network,
    clock: FakeClock,
) -> None:
    people = await citizens(session_factory, 10, clock.now())
    await announce(session_factory, clock.now())
    crashing = CrashingTelegram(crash_at=4)
    # One lane at a time, so that when it dies nothing else of the old process keeps running.
    with pytest.raises(asyncio.CancelledError):
        await broadcaster(crashing, session_factory, i18n, network, clock, lanes=1).run()

    restarted_api = FakeTelegram()
    restarted = broadcaster(restarted_api, session_factory, i18n, network, clock)
    interrupted = await restarted.recover()
    await restarted.run()

    received = [
        c.chat_id
        for api in (crashing, restarted_api)
        for c in api.sent("sendMessage")
        if c.chat_id != COORDINATORS
    ]
    assert len(received) == len(set(received)), "somebody got the alert twice"
    final = await rows(session_factory)
    assert {r.status for r in final} <= {DeliveryStatus.SENT, DeliveryStatus.UNKNOWN}
    unknown = [r for r in final if r.status == DeliveryStatus.UNKNOWN]
    assert len(unknown) == interrupted >= 1
    assert len(final) == len(people)
    report = restarted_api.last(chat_id=COORDINATORS).text
    sent_rows = len([r for r in final if r.status == DeliveryStatus.SENT])
    assert f"Sent: {sent_rows}" in report and f"Unknown (interrupted): {len(unknown)}" in report


async def test_a_restart_before_delivery_loses_nothing(
    session_factory: async_sessionmaker[AsyncSession],
    i18n: I18n,
    network: Network,
    clock: FakeClock,
) -> None:
    await citizens(session_factory, 4, clock.now())
    await announce(session_factory, clock.now() + timedelta(minutes=30))
    first = broadcaster(FakeTelegram(), session_factory, i18n, network, clock)
    await first.run()  # nothing due yet; then the process "dies"

    clock.advance(minutes=31)
    api = FakeTelegram()
    second = broadcaster(api, session_factory, i18n, network, clock)
    assert await second.recover() == 0
    await second.run()

    assert len([c for c in api.sent("sendMessage") if c.chat_id != COORDINATORS]) == 4


async def test_recurring_announcement_fires_on_each_occurrence(
    session_factory: async_sessionmaker[AsyncSession],
    i18n: I18n,
    network: Network,
    clock: FakeClock,
) -> None:
    clock.current = datetime(2026, 3, 5, 7, 0, tzinfo=UTC)  # 08:00 in Amsterdam
    await citizens(session_factory, 2, clock.now())
    await announce(session_factory, clock.now(), schedule="0 8 * * *")
    api = FakeTelegram()
    sender = broadcaster(api, session_factory, i18n, network, clock)

    for _day in range(3):
        await sender.run()
        await sender.run()
        clock.advance(days=1)

    assert len([c for c in api.sent("sendMessage") if c.chat_id != COORDINATORS]) == 6
    assert len(api.sent("sendMessage", COORDINATORS)) == 3


async def test_cancel_before_start_sends_nothing(
    session_factory: async_sessionmaker[AsyncSession],
    i18n: I18n,
    network: Network,
    clock: FakeClock,
) -> None:
    await citizens(session_factory, 2, clock.now())
    announcement_id = await announce(session_factory, clock.now() + timedelta(hours=1))
    async with session_factory() as session:
        assert await engine.cancel(session, announcement_id)
        await session.commit()
    clock.advance(hours=2)
    api = FakeTelegram()
    await broadcaster(api, session_factory, i18n, network, clock).run()
    assert api.calls == []


async def test_quiet_hours_wait_but_urgent_alerts_do_not(
    session_factory: async_sessionmaker[AsyncSession],
    i18n: I18n,
    network: Network,
    clock: FakeClock,
) -> None:
    clock.current = datetime(2026, 3, 5, 22, 30, tzinfo=UTC)  # 23:30 in Amsterdam
    [sleeper] = await citizens(session_factory, 1, clock.now())
    async with session_factory() as session:
        citizen = await session.get(Citizen, sleeper.id)
        assert citizen is not None
        citizen.quiet_start, citizen.quiet_end = "22:00", "07:00"
        await session.commit()
    await announce(session_factory, clock.now(), texts={"en": "Road works tomorrow"})
    await announce(session_factory, clock.now(), texts={"en": "Missing child"}, urgent=True)
    api = FakeTelegram()
    sender = broadcaster(api, session_factory, i18n, network, clock)

    await sender.run()
    first = [c.text for c in api.sent("sendMessage", sleeper.chat_id)]
    assert len(first) == 1 and "Missing child" in first[0] and "Urgent" in first[0]

    clock.current = datetime(2026, 3, 6, 6, 1, tzinfo=UTC)  # 07:01 in Amsterdam
    await sender.run()
    later = [c.text for c in api.sent("sendMessage", sleeper.chat_id)]
    assert len(later) == 2 and "Road works tomorrow" in later[1]


async def test_blocked_citizens_are_marked_and_counted(
    session_factory: async_sessionmaker[AsyncSession],
    i18n: I18n,
    network: Network,
    clock: FakeClock,
) -> None:
    people = await citizens(session_factory, 3, clock.now())
    await announce(session_factory, clock.now())
    api = FakeTelegram()
    api.fail(
        "sendMessage",
        status=403,
        chat_id=people[1].chat_id,
        description="Forbidden: bot was blocked by the user",
    )

    await broadcaster(api, session_factory, i18n, network, clock).run()

    assert "Blocked the bot: 1" in api.last(chat_id=COORDINATORS).text
    async with session_factory() as session:
        citizen = await session.get(Citizen, people[1].id)
        assert citizen is not None and citizen.blocked_bot


async def test_an_alert_with_a_photo_is_sent_as_a_photo_with_the_text(
    session_factory: async_sessionmaker[AsyncSession],
    i18n: I18n,
    network: Network,
    clock: FakeClock,
) -> None:
    [person] = await citizens(session_factory, 1, clock.now())
    await announce(
        session_factory,
        clock.now(),
        texts={"en": "Have you seen this bike?"},
        photo_file_id="bike-photo",
    )
    api = FakeTelegram()

    await broadcaster(api, session_factory, i18n, network, clock).run()

    [photo] = api.sent("sendPhoto", person.chat_id)
    assert photo.params["photo"] == "bike-photo"
    assert "Have you seen this bike?" in photo.text
    assert photo.buttons[0] == "ℹ️ I have information"


@pytest.mark.parametrize(
    ("status", "description"),
    [(NO_ANSWER, "Request timeout error"), (502, "Bad Gateway")],
    ids=["timeout", "bad-gateway"],
)
async def test_an_alert_whose_answer_was_lost_is_unknown_and_never_sent_again(
    session_factory: async_sessionmaker[AsyncSession],
    i18n: I18n,
    network: Network,
    clock: FakeClock,
    status: int,
    description: str,
) -> None:
    """Telegram may have delivered an alert whose call timed out or got a 502: with the retry
    layer in place, as in production, it is not sent again, now or on later ticks."""
    people = await citizens(session_factory, 3, clock.now())
    await announce(session_factory, clock.now())
    api = FakeTelegram()
    sender = broadcaster(api, session_factory, i18n, network, clock)
    pauses: list[float] = []

    async def no_wait(seconds: float) -> None:
        pauses.append(seconds)

    add_retries(sender.harness.bot, sleep=no_wait)
    unlucky = people[1].chat_id
    api.fail("sendMessage", chat_id=unlucky, status=status, description=description)

    await sender.run()
    clock.advance(minutes=30)
    await sender.run()

    assert len(api.sent("sendMessage", unlucky)) == 1
    statuses = {r.chat_id: r.status for r in await rows(session_factory)}
    assert statuses[unlucky] == DeliveryStatus.UNKNOWN
    assert [s for chat, s in statuses.items() if chat != unlucky] == [DeliveryStatus.SENT] * 2
    report = api.last(chat_id=COORDINATORS).text
    assert "Sent: 2" in report and "Unknown (interrupted): 1" in report
