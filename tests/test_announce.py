"""Coordinators compose, preview, schedule and cancel announcements in their group; citizens
get them in their language with working buttons."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiogram.types import User
from aiogram.utils.i18n import I18n
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.network.schema import Network, parse_network
from bot.ui.keyboards import AlertCb
from handlers.coordinator.announce import PickCb, parse_schedule
from storage.models import Announcement, Case, Delivery
from tests.conftest import CENTRAL, COORDINATORS, NETWORK, Harness
from tests.fakes import FakeClock
from tests.helpers import onboard, report

TOPICS = """
[[topics]]
code = "burglary-wave"
names = { en = "Burglary wave", nl = "Inbraakgolf" }

[[topics]]
code = "traffic"
names = { en = "Traffic", nl = "Verkeer" }
"""


@pytest.fixture
def network() -> Network:
    return parse_network(NETWORK + TOPICS)


@pytest.fixture
def coordinator() -> User:
    return User(id=777, is_bot=False, first_name="Coco")


async def only_announcement(factory: async_sessionmaker[AsyncSession]) -> Announcement:
    """Ids keep counting across tests on PostgreSQL, so tests look theirs up."""
    async with factory() as session:
        return (await session.scalars(select(Announcement))).one()


async def subscribe(tg: Harness, user: User, area: str) -> None:
    """A citizen subscribes the way a poster's QR code makes them: a deep link."""
    await tg.send(user, f"/start area-{area}")


async def compose(tg: Harness, coordinator: User, *texts: str, when: str = "now") -> None:
    async def say(text: str) -> None:
        await tg.staff(COORDINATORS, None, coordinator, text)

    await say("/announce")
    for step, value in (
        ("areas", "centre"),
        ("areas", "*"),
        ("topics", "*"),
        ("priority", "urgent"),
    ):
        await tg.feed(
            tg.updates.staff_callback(
                coordinator, COORDINATORS, PickCb(step=step, value=value).pack()
            )
        )
    for text in texts:
        await say(text)
    await say("/done")
    await say("/skip")
    await say(when)


async def test_a_three_language_urgent_alert_reaches_subscribers_with_a_report(
    tg: Harness,
    coordinator: User,
    alice: User,
    bram: User,
    session_factory: async_sessionmaker[AsyncSession],
    i18n: I18n,
    network: Network,
    clock: FakeClock,
) -> None:
    layla = User(id=5151, is_bot=False, first_name="Layla", language_code="ar")
    await onboard(tg, alice)
    await onboard(tg, bram, language="nl")
    await onboard(tg, layla, language="ar")
    for user in (alice, bram, layla):
        await subscribe(tg, user, "centre")
    tg.api.clear()

    await compose(
        tg,
        coordinator,
        "en: Burglary wave in the centre tonight.",
        "nl: Inbraakgolf in het centrum vannacht.",
        "ar: موجة سرقات في وسط المدينة",
    )
    previews = [c.text for c in tg.api.sent("sendMessage", COORDINATORS) if c.text.startswith("[")]
    assert len(previews) == 3 and "🔴" in previews[0]
    await tg.feed(
        tg.updates.staff_callback(
            coordinator, COORDINATORS, PickCb(step="confirm", value="yes").pack()
        )
    )
    number = (await only_announcement(session_factory)).id
    assert f"Announcement #{number} is scheduled" in tg.api.last("sendMessage", COORDINATORS).text

    await tg.run_alerts()

    assert "Burglary wave in the centre" in tg.api.last("sendMessage", alice.id).text
    assert "Inbraakgolf" in tg.api.last("sendMessage", bram.id).text
    assert "موجة سرقات" in tg.api.last("sendMessage", layla.id).text
    report_text = tg.api.last("sendMessage", COORDINATORS).text
    assert "Recipients: 3" in report_text and "Sent: 3" in report_text


async def test_alert_buttons_count_feedback_and_open_a_linked_report(
    tg: Harness,
    coordinator: User,
    alice: User,
    session_factory: async_sessionmaker[AsyncSession],
    i18n: I18n,
    network: Network,
    clock: FakeClock,
) -> None:
    await onboard(tg, alice)
    await subscribe(tg, alice, "centre")
    await compose(tg, coordinator, "en: Missing person near the station.")
    await tg.feed(
        tg.updates.staff_callback(
            coordinator, COORDINATORS, PickCb(step="confirm", value="yes").pack()
        )
    )
    await tg.run_alerts()
    alert = tg.api.last("sendMessage", alice.id)
    assert alert.buttons == ["ℹ️ I have information", "👍 Useful", "👎 Not useful"]
    async with session_factory() as session:
        delivery = (await session.scalars(select(Delivery))).one()

    await tg.press(alice, AlertCb(delivery_id=delivery.id, action="useful"))
    await tg.press(alice, AlertCb(delivery_id=delivery.id, action="info"))
    await report(tg, alice, "I saw him at the bus stop", already_started=True)

    number = (await only_announcement(session_factory)).id
    async with session_factory() as session:
        assert (await session.get(Delivery, delivery.id)).feedback == "useful"  # type: ignore[union-attr]
        case = (await session.scalars(select(Case))).one()
        assert case.alert_id == number
    assert f"In reply to alert #{number}" in tg.api.sent("sendMessage", CENTRAL)[0].text


async def test_a_not_useful_press_is_stored(
    tg: Harness,
    coordinator: User,
    alice: User,
    session_factory: async_sessionmaker[AsyncSession],
    i18n: I18n,
    network: Network,
    clock: FakeClock,
) -> None:
    await onboard(tg, alice)
    await subscribe(tg, alice, "centre")
    await compose(tg, coordinator, "en: Road works next week.")
    await tg.feed(
        tg.updates.staff_callback(
            coordinator, COORDINATORS, PickCb(step="confirm", value="yes").pack()
        )
    )
    await tg.run_alerts()
    async with session_factory() as session:
        delivery = (await session.scalars(select(Delivery))).one()

    await tg.press(alice, AlertCb(delivery_id=delivery.id, action="not_useful"))

    assert tg.api.last("answerCallbackQuery").params["text"] == "Thank you for your feedback."
    async with session_factory() as session:
        stored = await session.get(Delivery, delivery.id)
        assert stored is not None and stored.feedback == "not_useful"


async def test_announcements_can_be_listed_and_cancelled_before_they_start(
    tg: Harness, coordinator: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await compose(tg, coordinator, "en: Road works next week.", when="2026-03-10 09:00")
    await tg.feed(
        tg.updates.staff_callback(
            coordinator, COORDINATORS, PickCb(step="confirm", value="yes").pack()
        )
    )
    number = (await only_announcement(session_factory)).id
    await tg.staff(COORDINATORS, None, coordinator, "/announcements")
    listing = tg.api.last("sendMessage", COORDINATORS).text
    assert f"#{number} · scheduled · 2026-03-10 09:00" in listing

    await tg.staff(COORDINATORS, None, coordinator, f"/cancel_announcement {number}")

    assert "is cancelled" in tg.api.last("sendMessage", COORDINATORS).text
    async with session_factory() as session:
        assert (await session.scalars(select(Announcement))).one().status == "cancelled"


@pytest.mark.parametrize(
    ("text", "first", "schedule"),
    [
        ("now", "2026-03-05 09:30", "once"),
        ("2026-03-06 18:00", "2026-03-06 17:00", "once"),
        ("daily 18:00", "2026-03-05 17:00", "0 18 * * *"),
        ("weekly mon 09:00", "2026-03-09 08:00", "0 9 * * mon"),
        ("cron 0 9 * * 1", "2026-03-09 08:00", "0 9 * * 1"),
    ],
)
def test_schedules_are_read_in_the_network_time_zone(
    network: Network, text: str, first: str, schedule: str
) -> None:
    now = datetime(2026, 3, 5, 9, 30, tzinfo=UTC)
    parsed = parse_schedule(text, now, network)
    assert parsed is not None
    assert parsed[0].astimezone(UTC).strftime("%Y-%m-%d %H:%M") == first
    assert parsed[1] == schedule


def test_nonsense_and_past_schedules_are_refused(network: Network) -> None:
    now = datetime(2026, 3, 5, 9, 30, tzinfo=UTC)
    for text in ("tomorrow-ish", "2020-01-01 10:00", "weekly funday 10:00", "cron 99 * * * *"):
        assert parse_schedule(text, now, network) is None


async def test_alerts_toggles_show_the_choice_and_stop_all_clears_it(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    from handlers.resident.subscriptions import SubCb

    await onboard(tg, alice)
    await tg.send(alice, "🔔 Alerts")
    assert "You follow no area" in tg.api.last("sendMessage", alice.id).text

    await tg.press(alice, SubCb(kind="area", code="east"))
    await tg.press(alice, SubCb(kind="topic", code="traffic"))
    shown = tg.api.last("editMessageText", alice.id)
    assert "Areas: East" in shown.text and "Topics: Traffic" in shown.text
    assert "🔔 East" in shown.buttons and "🔕 Centre" in shown.buttons

    await tg.press(alice, SubCb(kind="none", code="*"))
    assert "You follow no area" in tg.api.last("editMessageText", alice.id).text


async def test_deep_link_subscribes_a_new_citizen_after_consent(
    tg: Harness, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    from bot.domain import alerts
    from bot.ui.keyboards import ConsentCb, LanguageCb
    from storage.models import Citizen

    newcomer = User(id=8080, is_bot=False, first_name="Nia", language_code="en")
    await tg.send(newcomer, "/start area-east")
    assert "Please choose your language" in tg.api.last("sendMessage", newcomer.id).text
    await tg.press(newcomer, LanguageCb(code="en"))
    await tg.press(newcomer, ConsentCb())

    assert "You will now get alerts for East" in tg.api.last("sendMessage", newcomer.id).text
    async with session_factory() as session:
        citizen = await session.scalar(select(Citizen).where(Citizen.telegram_id == 8080))
        assert citizen is not None
        assert (await alerts.subscriptions(session, citizen))["area"] == {"east"}


async def test_quiet_hours_are_set_and_cleared(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    from storage.models import Citizen

    await onboard(tg, alice)
    await tg.send(alice, "/quiet 22:30-06:45")
    assert "Quiet hours set: 22:30-06:45" in tg.api.last("sendMessage", alice.id).text
    await tg.send(alice, "/quiet later")
    assert "/quiet 22:00-07:00" in tg.api.last("sendMessage", alice.id).text
    async with session_factory() as session:
        citizen = await session.scalar(select(Citizen).where(Citizen.telegram_id == alice.id))
        assert citizen is not None and (citizen.quiet_start, citizen.quiet_end) == (
            "22:30",
            "06:45",
        )
