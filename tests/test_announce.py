"""Coordinators compose, preview, schedule and cancel announcements in their group; citizens
get them in their language with working buttons."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiogram.types import User
from aiogram.utils.i18n import I18n
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.alerts.schedule import ScheduleError, ScheduleProblem, crontab_days, parse
from bot.kinds import AlertFeedback, SubscriptionKind
from bot.network.schema import Network, parse_network
from bot.ui.announcing import AnnounceStep, Pick, PickCb
from bot.ui.keyboards import AlertCb
from storage.alerts import Subscriptions
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


async def only_announcement(factory: async_sessionmaker[AsyncSession]) -> Announcement:
    """Ids keep counting across tests on PostgreSQL, so tests look theirs up."""
    async with factory() as session:
        return (await session.scalars(select(Announcement))).one()


async def subscribe(tg: Harness, user: User, area: str) -> None:
    """A citizen subscribes the way a poster's QR code makes them: a deep link."""
    await tg.send(user, f"/start area-{area}")


async def press(tg: Harness, coordinator: User, step: AnnounceStep, value: str) -> None:
    await tg.feed(
        tg.updates.staff_callback(coordinator, COORDINATORS, PickCb(step=step, value=value).pack())
    )


async def compose(
    tg: Harness, coordinator: User, *texts: str, when: str = "now", typed: bool = False
) -> None:
    """The wizard up to the preview: centre, all topics, urgent, the texts, no photo, `when`
    (pressed if it names a button, unless `typed`)."""

    async def say(text: str) -> None:
        await tg.staff(COORDINATORS, None, coordinator, text)

    await say("/announce")
    await press(tg, coordinator, AnnounceStep.AREAS, "centre")
    await press(tg, coordinator, AnnounceStep.AREAS, Pick.NEXT)
    await press(tg, coordinator, AnnounceStep.TOPICS, Pick.ALL)
    await press(tg, coordinator, AnnounceStep.PRIORITY, "urgent")
    for text in texts:
        await say(text)
    await say("/done")
    await say("/skip")
    if not typed and when in ("now", "tonight", "tomorrow"):
        await press(tg, coordinator, AnnounceStep.WHEN, when)
    else:
        await say(when)


async def confirm(tg: Harness, coordinator: User) -> None:
    await press(tg, coordinator, AnnounceStep.CONFIRM, Pick.YES)


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
    previews = {c.text for c in tg.api.sent("sendMessage", COORDINATORS)}
    assert "<b>🔴 Urgent alert</b>\n\nBurglary wave in the centre tonight." in previews
    assert "<b>🔴 Dringende alert</b>\n\nInbraakgolf in het centrum vannacht." in previews
    summary = tg.api.last("sendMessage", COORDINATORS)
    assert "Recipients now: 3" in summary.text and "Areas: Centre" in summary.text
    assert summary.buttons == ["✅ Schedule it", "✖ Discard"]
    await confirm(tg, coordinator)
    number = (await only_announcement(session_factory)).id
    assert f"Announcement #{number} is being sent now" in tg.api.last("editMessageText").text

    await tg.run_alerts()

    assert "Burglary wave in the centre" in tg.api.last("sendMessage", alice.id).text
    assert "Inbraakgolf" in tg.api.last("sendMessage", bram.id).text
    assert "موجة سرقات" in tg.api.last("sendMessage", layla.id).text
    report_text = tg.api.last(chat_id=COORDINATORS).text  # the live report, edited
    assert "Recipients: 3" in report_text and "Sent: 3" in report_text


async def test_a_brazilian_resident_gets_the_portuguese_text_as_their_own(
    tg: Harness, coordinator: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    rita = User(id=6161, is_bot=False, first_name="Rita", language_code="pt-br")
    await onboard(tg, rita, language="pt_BR")
    await subscribe(tg, rita, "centre")
    await compose(tg, coordinator, "en: Lock your bike.", "pt: Tranque a sua bicicleta.")
    await confirm(tg, coordinator)

    await tg.run_alerts()

    assert "Tranque a sua bicicleta." in tg.api.last("sendMessage", rita.id).text
    async with session_factory() as session:
        delivery = (await session.scalars(select(Delivery))).one()
    assert (delivery.language, delivery.fallback) == ("pt", False)


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
    await confirm(tg, coordinator)
    await tg.run_alerts()
    alert = tg.api.last("sendMessage", alice.id)
    assert alert.buttons == ["ℹ️ I have information", "👍 Useful", "👎 Not useful"]
    async with session_factory() as session:
        delivery = (await session.scalars(select(Delivery))).one()

    await tg.press(alice, AlertCb(delivery_id=delivery.id, action=AlertFeedback.USEFUL))
    await tg.press(alice, AlertCb(delivery_id=delivery.id, action=AlertFeedback.INFO))
    first_step = tg.api.last("sendMessage", alice.id).text
    assert "About the alert: “Missing person near the station.”" in first_step
    await report(tg, alice, "I saw him at the bus stop", already_started=True)
    area_step = next(
        call
        for call in tg.api.sent("sendMessage", alice.id)
        if "In which area" in call.text or "That looks like" in call.text
    )
    assert "That looks like Centre" in area_step.text  # the alert's area, suggested
    assert area_step.buttons[0] == "📍 Centre"

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
    await confirm(tg, coordinator)
    await tg.run_alerts()
    async with session_factory() as session:
        delivery = (await session.scalars(select(Delivery))).one()

    await tg.press(alice, AlertCb(delivery_id=delivery.id, action=AlertFeedback.NOT_USEFUL))

    assert tg.api.last("answerCallbackQuery").params["text"] == "Thank you for your feedback."
    async with session_factory() as session:
        stored = await session.get(Delivery, delivery.id)
        assert stored is not None and stored.feedback == "not_useful"


async def test_announcements_are_listed_and_cancelled_after_a_confirmation(
    tg: Harness, coordinator: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await compose(tg, coordinator, "en: Road works next week.", when="2026-03-10 09:00")
    await confirm(tg, coordinator)
    number = (await only_announcement(session_factory)).id
    await tg.staff(COORDINATORS, None, coordinator, "/announcements")
    listing = tg.api.last("sendMessage", COORDINATORS).text
    assert f"#{number} · scheduled · 10 Mar 2026, 09:00" in listing

    await tg.staff(COORDINATORS, None, coordinator, f"/cancel_announcement {number}")
    question = tg.api.last("sendMessage", COORDINATORS)
    assert "10 Mar 2026, 09:00" in question.text and "Road works next week." in question.text
    assert question.buttons == ["Yes, cancel it", "No"]
    await tg.feed(
        tg.updates.staff_callback(
            coordinator,
            COORDINATORS,
            PickCb(step=AnnounceStep.CANCEL, value=Pick.YES, number=number).pack(),
        )
    )

    assert "is cancelled" in tg.api.last("editMessageText", COORDINATORS).text
    async with session_factory() as session:
        assert (await session.scalars(select(Announcement))).one().status == "cancelled"
    await tg.staff(COORDINATORS, None, coordinator, f"/cancel_announcement {number}")
    assert "was cancelled already" in tg.api.last("sendMessage", COORDINATORS).text
    await tg.staff(COORDINATORS, None, coordinator, "/cancel_announcement 99999")
    assert "There is no announcement #99999" in tg.api.last("sendMessage", COORDINATORS).text


async def test_next_says_why_while_nothing_is_ticked(tg: Harness, coordinator: User) -> None:
    await tg.staff(COORDINATORS, None, coordinator, "/announce")
    first = tg.api.last("sendMessage", COORDINATORS)
    assert "All" in first.buttons and any("Next" in label for label in first.buttons)

    await press(tg, coordinator, AnnounceStep.AREAS, Pick.NEXT)

    answer = tg.api.last("answerCallbackQuery")
    assert answer.params["show_alert"] and "Tick at least one" in answer.params["text"]


async def test_a_button_of_a_finished_step_is_no_longer_active(
    tg: Harness, coordinator: User
) -> None:
    await tg.staff(COORDINATORS, None, coordinator, "/announce")
    await press(tg, coordinator, AnnounceStep.AREAS, Pick.ALL)
    assert tg.api.last("editMessageText", COORDINATORS).text == "Areas: all"
    tg.api.clear()

    await press(tg, coordinator, AnnounceStep.AREAS, Pick.ALL)  # the same button again

    assert "no longer active" in tg.api.last("answerCallbackQuery").params["text"]
    assert "reply_markup" not in tg.api.last("editMessageReplyMarkup", COORDINATORS).params
    assert not tg.api.sent("sendMessage", COORDINATORS)  # the next question is not asked again


async def test_the_photo_is_confirmed_and_the_preview_shows_it(
    tg: Harness, coordinator: User
) -> None:
    await tg.staff(COORDINATORS, None, coordinator, "/announce")
    await press(tg, coordinator, AnnounceStep.AREAS, Pick.ALL)
    await press(tg, coordinator, AnnounceStep.TOPICS, Pick.ALL)
    await press(tg, coordinator, AnnounceStep.PRIORITY, "normal")
    await tg.staff(COORDINATORS, None, coordinator, "en: Have you seen this bike?")
    await tg.staff(COORDINATORS, None, coordinator, "/done")
    photo = [{"file_id": "bike", "file_unique_id": "b", "width": 9, "height": 9}]
    await tg.staff(COORDINATORS, None, coordinator, None, photo=photo)
    assert "📷 Photo added." in [c.text for c in tg.api.sent("sendMessage", COORDINATORS)]

    await press(tg, coordinator, AnnounceStep.WHEN, "tonight")

    [preview] = tg.api.sent("sendPhoto", COORDINATORS)
    assert preview.params["photo"] == "bike" and "Have you seen this bike?" in preview.text
    assert "18:00" in tg.api.last("sendMessage", COORDINATORS).text


async def test_a_recurring_alert_needs_an_end(
    tg: Harness, coordinator: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await compose(tg, coordinator, "en: Lock your bike.", when="daily 18:00")
    assert "Until when" in tg.api.last("sendMessage", COORDINATORS).text
    await press(tg, coordinator, AnnounceStep.UNTIL, "4w")
    await confirm(tg, coordinator)

    announcement = await only_announcement(session_factory)
    assert announcement.schedule == "0 18 * * *" and announcement.ends_at is not None
    assert announcement.next_run_at is not None
    assert (announcement.ends_at - announcement.next_run_at).days == 28


# The clock stands at Thursday, 5 March 2026, 10:30 in the network's zone. A crontab line is
# read as crontab reads it (days 0-7, both day fields restricted: either one).
@pytest.mark.parametrize(
    ("when", "said"),
    [
        ("daily 18:00", "then every day at 18:00 until"),
        ("weekly mon 09:00", "then every week (Monday, 09:00) until"),
        ("cron 0 9 * * 1,4", "then every week (Monday and Thursday, 09:00) until"),
        ("cron 0 9 1 * *", "then again on the schedule “0 9 1 * *” until"),
        ("cron 0 9 * * 0-6", "Friday, 6 March 2026, 09:00, then every day at 09:00 until"),
        (
            "cron 0 9 * * */2",
            "Saturday, 7 March 2026, 09:00, then every week "
            "(Tuesday, Thursday, Saturday and Sunday, 09:00) until",
        ),
        ("cron 0 9 * * 7-7", "Sunday, 8 March 2026, 09:00, then every week (Sunday, 09:00)"),
        # the 10th OR a Monday: the first is Monday the 9th, not a Monday the 10th (August)
        ("cron 0 9 10 * 1", "Monday, 9 March 2026, 09:00, then again on the schedule"),
    ],
)
async def test_the_summary_says_how_and_from_when_an_alert_repeats_in_words(
    tg: Harness, coordinator: User, when: str, said: str
) -> None:
    await compose(tg, coordinator, "en: Lock your bike.", when=when)
    await press(tg, coordinator, AnnounceStep.UNTIL, "4w")

    assert said in tg.api.last("sendMessage", COORDINATORS).text


async def test_a_crontab_line_with_both_day_fields_runs_on_either(
    tg: Harness,
    coordinator: User,
    alice: User,
    clock: FakeClock,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await onboard(tg, alice)
    await subscribe(tg, alice, "centre")
    await compose(tg, coordinator, "en: Bins out.", when="cron 0 9 10 * 1")
    await press(tg, coordinator, AnnounceStep.UNTIL, "4w")
    await confirm(tg, coordinator)

    runs = []
    for _ in range(3):
        announcement = await only_announcement(session_factory)
        assert announcement.next_run_at is not None
        runs.append(announcement.next_run_at.astimezone(UTC).strftime("%a %d %H:%M"))
        clock.current = announcement.next_run_at
        await tg.run_alerts()
    assert runs == ["Mon 09 08:00", "Tue 10 08:00", "Mon 16 08:00"]
    assert sum("Bins out." in c.text for c in tg.api.sent("sendMessage", alice.id)) == 3


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("today 18:00", "Thursday, 5 March 2026, 18:00"),
        ("tonight", "Thursday, 5 March 2026, 18:00"),
        ("tonight 20:00", "Thursday, 5 March 2026, 20:00"),
        ("tomorrow 09:00", "Friday, 6 March 2026, 09:00"),
    ],
)
async def test_typed_day_words_are_read_in_the_network_time_zone(
    tg: Harness, coordinator: User, typed: str, said: str
) -> None:
    await compose(tg, coordinator, "en: Lock your bike.", when=typed, typed=True)

    assert f"When: {said}" in tg.api.last("sendMessage", COORDINATORS).text


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("soon", "Send the last day as a date, e.g. “2026-12-31”."),
        ("2026-03-01", "The last day must come after the first sending."),
    ],
)
async def test_a_last_day_that_is_no_date_or_too_early_is_refused(
    tg: Harness, coordinator: User, typed: str, answer: str
) -> None:
    await compose(tg, coordinator, "en: Lock your bike.", when="daily 18:00")
    await tg.staff(COORDINATORS, None, coordinator, typed)

    assert tg.api.last("sendMessage", COORDINATORS).text == answer


async def test_a_typed_last_day_ends_the_alert_at_its_end(
    tg: Harness, coordinator: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await compose(tg, coordinator, "en: Lock your bike.", when="daily 18:00")
    await tg.staff(COORDINATORS, None, coordinator, "2026-03-31")
    assert "until Tuesday, 31 March 2026, 23:59" in tg.api.last("sendMessage", COORDINATORS).text
    await confirm(tg, coordinator)

    ends = (await only_announcement(session_factory)).ends_at
    assert ends is not None and ends.astimezone(UTC) == datetime(2026, 3, 31, 21, 59, tzinfo=UTC)


async def test_an_alert_every_few_minutes_is_refused(tg: Harness, coordinator: User) -> None:
    await compose(tg, coordinator, "en: Spam.", when="cron */5 * * * *")

    assert "at most once an hour" in tg.api.last("sendMessage", COORDINATORS).text


@pytest.mark.parametrize(
    ("text", "first", "repeat"),
    [
        ("now", "2026-03-05 09:30", "once"),
        ("2026-03-06 18:00", "2026-03-06 17:00", "once"),
        ("daily 18:00", "2026-03-05 17:00", "0 18 * * *"),
        ("weekly mon 09:00", "2026-03-09 08:00", "0 9 * * mon"),
        ("cron 0 9 * * 1", "2026-03-09 08:00", "0 9 * * 1"),
        ("cron 0 9 * * 0-6", "2026-03-06 08:00", "0 9 * * 0-6"),
        ("cron 0 9 * * 7", "2026-03-08 08:00", "0 9 * * 7"),
    ],
)
def test_schedules_are_read_in_the_network_time_zone(
    network: Network, text: str, first: str, repeat: str
) -> None:
    now = datetime(2026, 3, 5, 9, 30, tzinfo=UTC)
    parsed = parse(text, now, network.zone)
    assert parsed.first.astimezone(UTC).strftime("%Y-%m-%d %H:%M") == first
    assert parsed.repeat == repeat


@pytest.mark.parametrize(
    ("field", "days"),
    [
        ("1", "mon"),
        ("0", "sun"),
        ("7", "sun"),
        ("0-6", "*"),
        ("1-5", "mon,tue,wed,thu,fri"),
        ("*/2", "sun,tue,thu,sat"),
        ("1-5/2", "mon,wed,fri"),
        ("sat,sun", "sun,sat"),
        ("5-7", "sun,fri,sat"),
        ("7-7", "sun"),
        ("7/2", "sun"),
        ("1/2", "sun,mon,wed,fri"),  # cronie's "1-7/2"
        ("2/3", "tue,fri"),
        ("fri-sun", "sun,fri,sat"),
    ],
)
def test_crontab_days_mean_what_crontab_means(field: str, days: str) -> None:
    assert crontab_days(field) == days


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("sometime-ish", ScheduleProblem.UNREADABLE),
        ("2020-01-01 10:00", ScheduleProblem.PASSED),
        ("weekly funday 10:00", ScheduleProblem.UNREADABLE),
        ("cron 99 * * * *", ScheduleProblem.UNREADABLE),
        ("cron */5 * * * *", ScheduleProblem.TOO_OFTEN),
    ],
)
def test_nonsense_past_and_too_frequent_schedules_are_refused(
    network: Network, text: str, problem: ScheduleProblem
) -> None:
    now = datetime(2026, 3, 5, 9, 30, tzinfo=UTC)
    with pytest.raises(ScheduleError) as refused:
        parse(text, now, network.zone)
    assert refused.value.problem == problem


async def test_alerts_toggles_show_the_choice_and_stop_all_clears_it(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    from bot.ui.alerts_menu import AlertsAction, AlertsCb, SubCb

    await onboard(tg, alice)
    await tg.send(alice, "🔔 Alerts")
    assert "You follow no area" in tg.api.last("sendMessage", alice.id).text

    await tg.press(alice, SubCb(kind=SubscriptionKind.AREA, code="east"))
    await tg.press(alice, SubCb(kind=SubscriptionKind.TOPIC, code="traffic"))
    shown = tg.api.last("editMessageText", alice.id)
    assert "Areas: East" in shown.text and "Topics: Traffic" in shown.text
    assert "🔔 East" in shown.buttons and "🔕 Centre" in shown.buttons

    await tg.press(alice, AlertsCb(action=AlertsAction.STOP_ALL))
    assert "You follow no area" in tg.api.last("editMessageText", alice.id).text


async def test_deep_link_subscribes_a_new_citizen_after_consent(
    tg: Harness, session_factory: async_sessionmaker[AsyncSession]
) -> None:
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
        followed = await Subscriptions(session).of_citizen(citizen.id)
        assert followed[SubscriptionKind.AREA] == {"east"}


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


async def test_alerts_show_the_quiet_hours_with_a_button_and_accept_short_hours(
    tg: Harness, alice: User
) -> None:
    from bot.ui.alerts_menu import AlertsAction, AlertsCb

    await onboard(tg, alice)
    await tg.send(alice, "/alerts")
    menu = tg.api.last("sendMessage", alice.id)
    assert "Quiet hours: off" in menu.text
    # The button says what the text says (the state), like the 🔔/🔕 toggles beside it.
    assert "🌙 Quiet hours: off" in menu.buttons

    await tg.press(alice, AlertsCb(action=AlertsAction.QUIET))
    edited = tg.api.last("editMessageText", alice.id)
    assert "Quiet hours: 22:00-07:00" in edited.text
    assert "🌙 Quiet hours: on" in edited.buttons
    await tg.send(alice, "/quiet 23-6")
    assert "Quiet hours set: 23:00-06:00" in tg.api.last("sendMessage", alice.id).text
