"""The report wizard end to end: the case, its reference, routing, topic and card."""

from __future__ import annotations

import pytest
from aiogram.types import Update, User
from aiogram.utils.i18n import I18n
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.kinds import CaseStatus
from bot.ui.desk_keyboards import BanCb
from bot.ui.report_wizard import BACK, ReportCb, WizardAction
from bot.ui.texts import CANCEL, SEND_REPORT, SKIP
from storage.models import Case
from tests.conftest import CENTRAL, EAST, Harness
from tests.fakes import FakeClock
from tests.helpers import onboard, report, send_report, start_report

PHOTO = [{"file_id": "photo-1", "file_unique_id": "u1", "width": 10, "height": 10}]


async def all_cases(factory: async_sessionmaker[AsyncSession]) -> list[Case]:
    async with factory() as session:
        return list((await session.scalars(select(Case).order_by(Case.id))).all())


async def test_report_opens_a_case_with_topic_card_and_reference(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice, "Someone is trying car doors in my street.")

    [case] = await all_cases(session_factory)
    assert case.ref == "BL-26-00001"
    assert (case.category, case.area, case.desk, case.status) == (
        "burglary",
        "centre",
        "central",
        CaseStatus.NEW,
    )
    topic = tg.api.last("createForumTopic", CENTRAL)
    assert topic.params["name"] == "🆕 BL-26-00001 · Burglary · Centre"
    card = tg.api.last("sendMessage", CENTRAL)
    assert card.thread_id == case.thread_id
    for expected in (
        "BL-26-00001",
        "Category: Burglary",
        "Area: Centre",
        "Language: English (en)",
        "Reported: 5 Mar 2026, 10:30",
        "Reporter: Alice",
        "Someone is trying car doors",
    ):
        assert expected in card.text
    receipt = tg.api.last("sendMessage", alice.id)
    assert "<b>BL-26-00001</b>" in receipt.text


async def test_report_is_routed_to_the_desk_for_its_area(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice, area="east")

    [case] = await all_cases(session_factory)
    assert case.desk == "east"
    assert tg.api.sent("createForumTopic", EAST)
    assert not tg.api.sent("createForumTopic", CENTRAL)


async def test_references_count_up_and_restart_each_year(
    tg: Harness,
    alice: User,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    await report(tg, alice)
    clock.advance(days=365)
    await report(tg, alice)

    assert [c.ref for c in await all_cases(session_factory)] == [
        "BL-26-00001",
        "BL-26-00002",
        "BL-27-00001",
    ]


async def test_wizard_speaks_dutch_and_card_stays_in_staff_language(
    tg: Harness, bram: User, i18n: I18n
) -> None:
    await onboard(tg, bram, language="nl")
    await tg.send(bram, "/report")
    assert "Inbraak" in tg.api.last("sendMessage", bram.id).buttons

    await tg.press(bram, ReportCb(action=WizardAction.CATEGORY, value="burglary"))
    await tg.press(bram, ReportCb(action=WizardAction.PRIVACY, value="confidential"))
    location_step = tg.api.last("sendMessage", bram.id)
    skip = i18n.gettext(SKIP, locale="nl")
    assert skip != SKIP and skip in location_step.buttons
    await tg.send(bram, skip)
    await tg.press(bram, ReportCb(action=WizardAction.AREA, value="east"))
    await tg.send(bram, "Er wordt ingebroken bij de buren.")
    await tg.send(bram, i18n.gettext(SEND_REPORT, locale="nl"))
    await tg.press(bram, ReportCb(action=WizardAction.SEND))

    card = tg.api.last("sendMessage", EAST)
    assert "Category: Burglary" in card.text
    assert "Language: Nederlands (nl)" in card.text
    assert "BL-26-00001" in tg.api.last("sendMessage", bram.id).text


CANCEL_POINTS = ["category", "privacy", "location", "area", "description", "summary"]


@pytest.mark.parametrize("stop_at", CANCEL_POINTS)
@pytest.mark.parametrize("how", ["button", "command"])
async def test_cancel_at_every_step_opens_no_case(
    tg: Harness,
    alice: User,
    session_factory: async_sessionmaker[AsyncSession],
    stop_at: str,
    how: str,
) -> None:
    await onboard(tg, alice)
    steps: list[tuple[str, Update]] = [
        ("category", tg.updates.message(alice, "/report")),
        (
            "privacy",
            tg.updates.callback(
                alice, ReportCb(action=WizardAction.CATEGORY, value="burglary").pack()
            ),
        ),
        (
            "location",
            tg.updates.callback(
                alice, ReportCb(action=WizardAction.PRIVACY, value="anonymous").pack()
            ),
        ),
        ("area", tg.updates.message(alice, SKIP)),
        (
            "description",
            tg.updates.callback(alice, ReportCb(action=WizardAction.AREA, value="centre").pack()),
        ),
        ("summary", tg.updates.message(alice, "A description that will not be sent")),
    ]
    for name, update in steps:
        await tg.feed(update)
        if name == stop_at:
            break
    if stop_at == "summary":
        await tg.send(alice, SEND_REPORT)

    if how == "button" and stop_at in {"location", "description"}:
        await tg.send(alice, CANCEL)  # the reply-keyboard button
    elif how == "button":
        await tg.press(alice, ReportCb(action=WizardAction.CANCEL))
    else:
        await tg.send(alice, "/cancel")
    # A late "Send report" must neither revive the report nor become a follow-up.
    await tg.send(alice, SEND_REPORT)

    assert await all_cases(session_factory) == []
    assert not tg.api.sent("createForumTopic")
    assert not tg.api.sent("copyMessage")
    texts = [c.text for c in tg.api.sent("sendMessage", alice.id)]
    assert "Your report was cancelled. Nothing was sent." in texts
    assert texts[-1] == "Choose an option from the menu."


async def test_markup_in_description_and_name_arrives_escaped(
    tg: Harness, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    tricky = User(id=444, is_bot=False, first_name="<b>Bob & co", language_code="en")
    await onboard(tg, tricky)
    await report(tg, tricky, "Look at <b>this</b> & <script>")

    card = tg.api.last("sendMessage", CENTRAL)
    assert "Reporter: &lt;b&gt;Bob &amp; co" in card.text
    assert "Look at &lt;b&gt;this&lt;/b&gt; &amp; &lt;script&gt;" in card.text


async def test_same_send_update_twice_opens_one_case(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await start_report(tg, alice)
    await tg.send(alice, "Broken window")
    await tg.send(alice, SEND_REPORT)
    send = tg.updates.callback(alice, ReportCb(action=WizardAction.SEND).pack())

    await tg.feed(send)
    await tg.feed(send)

    assert len(await all_cases(session_factory)) == 1
    assert len(tg.api.sent("createForumTopic")) == 1


async def test_long_description_is_kept_whole_across_card_and_continuation(
    tg: Harness, alice: User
) -> None:
    await onboard(tg, alice)
    words = " ".join(f"word{i}" for i in range(600))  # about 4,300 characters
    long_text = words[:3990]
    await report(tg, alice, long_text)

    staff = tg.api.sent("sendMessage", CENTRAL)
    assert len(staff) == 2
    assert all(len(call.text) <= 4096 for call in staff)
    combined = staff[0].text.split("\n\n", 1)[1] + " " + staff[1].text
    assert combined.split() == long_text.split()


async def test_text_during_button_steps_gets_a_hint(tg: Harness, alice: User) -> None:
    await onboard(tg, alice)
    await tg.send(alice, "/report")

    await tg.send(alice, "burglary please")

    assert "use the buttons" in tg.api.last("sendMessage", alice.id).text


async def test_description_takes_several_messages_and_media(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await start_report(tg, alice)
    first = await tg.send(alice, "Two men at the back door.")
    photo = await tg.send(alice, None, photo=PHOTO, caption="the car")
    await tg.send(alice, "They left towards the station.")
    await send_report(tg, alice)

    [case] = await all_cases(session_factory)
    card = tg.api.sent("sendMessage", CENTRAL)[0]
    assert "Two men at the back door.\n\nThey left towards the station." in card.text
    [copy] = tg.api.sent("copyMessage", CENTRAL)
    assert copy.thread_id == case.thread_id
    assert copy.params["message_id"] == photo.message.message_id  # type: ignore[union-attr]
    reactions = tg.api.sent("setMessageReaction", alice.id)
    assert reactions[0].params["message_id"] == first.message.message_id  # type: ignore[union-attr]


async def test_location_step_puts_the_place_on_the_card(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await tg.send(alice, "/report")
    await tg.press(alice, ReportCb(action=WizardAction.CATEGORY, value="burglary"))
    await tg.press(alice, ReportCb(action=WizardAction.PRIVACY, value="confidential"))
    location_prompt = tg.api.last("sendMessage", alice.id)
    share = location_prompt.params["reply_markup"]["keyboard"][0][0]
    assert share["request_location"] is True
    await tg.send(alice, None, location={"latitude": 52.0907, "longitude": 5.1214})
    area_question = tg.api.last("sendMessage", alice.id)
    assert "That looks like Centre" in area_question.text
    await tg.press(alice, ReportCb(action=WizardAction.AREA, value="centre"))
    await tg.send(alice, "Graffiti on the bridge")
    await send_report(tg, alice)

    [case] = await all_cases(session_factory)
    assert (case.latitude, case.longitude) == (52.0907, 5.1214)
    assert "Location: 52.09070, 5.12140" in tg.api.sent("sendMessage", CENTRAL)[0].text
    pin = tg.api.last("sendLocation", CENTRAL)
    assert (pin.thread_id, pin.params["latitude"]) == (case.thread_id, 52.0907)


async def test_send_report_without_description_asks_for_one(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await start_report(tg, alice)
    await tg.send(alice, SEND_REPORT)

    assert tg.api.last("sendMessage", alice.id).text == "Please describe what happened first."
    assert await all_cases(session_factory) == []


async def test_poll_in_description_cannot_be_sent(tg: Harness, alice: User) -> None:
    await onboard(tg, alice)
    await start_report(tg, alice)
    await tg.send(alice, None, dice={"emoji": "🎲", "value": 3})

    assert "cannot be passed on" in tg.api.last("sendMessage", alice.id).text


async def test_banned_citizen_cannot_open_a_case(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    async with session_factory() as session:
        case = await session.scalar(select(Case))
        assert case is not None
    await tg.staff(CENTRAL, case.thread_id, officer, "/ban")
    await tg.feed(
        tg.updates.staff_callback(officer, CENTRAL, BanCb(case_id=case.id, yes=True).pack())
    )

    await tg.send(alice, "/report")

    text = tg.api.last("sendMessage", alice.id).text
    assert "cannot make new reports" in text and "112" in text
    assert "banned" not in text


async def test_menu_report_button_starts_the_wizard_in_any_language(
    tg: Harness, bram: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, bram, language="nl")
    menu = tg.api.last("sendMessage", bram.id).params["reply_markup"]["keyboard"]
    report_label = menu[0][0]["text"]

    await tg.send(bram, report_label)

    assert tg.api.last("sendMessage", bram.id).params["reply_markup"]["inline_keyboard"]
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Case)) == 0


async def test_each_step_says_where_the_resident_is_and_keeps_the_privacy_in_view(
    tg: Harness, alice: User
) -> None:
    await onboard(tg, alice)
    await tg.send(alice, "/report")
    assert "Step 1 of 5" in tg.api.last("sendMessage", alice.id).text
    await tg.press(alice, ReportCb(action=WizardAction.CATEGORY, value="burglary"))
    assert "Step 2 of 5" in tg.api.last("sendMessage", alice.id).text
    await tg.press(alice, ReportCb(action=WizardAction.PRIVACY, value="anonymous"))

    location_step = tg.api.last("sendMessage", alice.id)
    assert "Step 3 of 5 · Privacy: 🕶 Anonymous" in location_step.text
    assert "◀ Back" in location_step.buttons


async def test_back_returns_to_the_previous_step(tg: Harness, alice: User) -> None:
    await onboard(tg, alice)
    await tg.send(alice, "/report")
    await tg.press(alice, ReportCb(action=WizardAction.CATEGORY, value="burglary"))
    await tg.press(alice, ReportCb(action=WizardAction.PRIVACY, value="confidential"))

    await tg.send(alice, BACK)  # from the location step, a reply button

    assert "Step 2 of 5" in tg.api.last("sendMessage", alice.id).text
    await tg.press(alice, ReportCb(action=WizardAction.BACK))
    assert "Step 1 of 5" in tg.api.last("sendMessage", alice.id).text


async def test_the_summary_lists_the_report_and_edit_changes_one_step(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await start_report(tg, alice)
    await tg.send(alice, "Two men at the back door.")
    await tg.send(alice, None, photo=PHOTO)
    await tg.send(alice, SEND_REPORT)

    summary = tg.api.last("sendMessage", alice.id)
    for line in ("Category: Burglary", "Area: Centre", "Privacy: 🔒 Confidential", "Location: no"):
        assert line in summary.text
    assert "1 message · 1 attachment" in summary.text
    assert summary.buttons == ["📨 Send report", "✏️ Edit", "✖ Cancel"]

    await tg.press(alice, ReportCb(action=WizardAction.EDIT))
    await tg.press(alice, ReportCb(action=WizardAction.EDIT, value="area"))
    await tg.press(alice, ReportCb(action=WizardAction.AREA, value="east"))
    assert "Area: East" in tg.api.last("sendMessage", alice.id).text  # the summary again
    await tg.press(alice, ReportCb(action=WizardAction.SEND))

    [case] = await all_cases(session_factory)
    assert case.area == "east" and case.desk == "east"


async def test_an_anonymous_location_is_rounded_unless_the_resident_wants_the_point(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await tg.send(alice, "/report")
    await tg.press(alice, ReportCb(action=WizardAction.CATEGORY, value="burglary"))
    await tg.press(alice, ReportCb(action=WizardAction.PRIVACY, value="anonymous"))
    await tg.send(alice, None, location={"latitude": 52.0907, "longitude": 5.1214})
    assert "about 500 m" in tg.api.last("sendMessage", alice.id).text
    await tg.press(alice, ReportCb(action=WizardAction.PRECISION, value="rounded"))
    await tg.press(alice, ReportCb(action=WizardAction.AREA, value="centre"))
    await tg.send(alice, "Someone in the garden")
    await send_report(tg, alice)

    [case] = await all_cases(session_factory)
    assert case.location_rounded
    assert case.latitude is not None and case.longitude is not None
    assert 0.0005 < abs(case.latitude - 52.0907) + abs(case.longitude - 5.1214) < 0.01
    card = tg.api.sent("sendMessage", CENTRAL)[0].text
    assert "rounded to about 500 m" in card and "52.09070" not in card
    pin = tg.api.last("sendLocation", CENTRAL).params
    assert (pin["latitude"], pin["longitude"]) == (case.latitude, case.longitude)


async def test_a_location_given_before_choosing_anonymous_is_asked_about_again(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await start_report(tg, alice)
    await tg.send(alice, "Noise")
    await tg.send(alice, SEND_REPORT)
    await tg.press(alice, ReportCb(action=WizardAction.EDIT, value="location"))
    await tg.send(alice, None, location={"latitude": 52.0907, "longitude": 5.1214})
    await tg.press(alice, ReportCb(action=WizardAction.EDIT, value="privacy"))

    await tg.press(alice, ReportCb(action=WizardAction.PRIVACY, value="anonymous"))

    assert "about 500 m" in tg.api.last("sendMessage", alice.id).text


async def test_a_typed_address_is_kept_as_a_location_note(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await tg.send(alice, "/report")
    await tg.press(alice, ReportCb(action=WizardAction.CATEGORY, value="nuisance"))
    await tg.press(alice, ReportCb(action=WizardAction.PRIVACY, value="confidential"))
    await tg.send(alice, "Corner of Kerkstraat and <Molenweg>")
    await tg.press(alice, ReportCb(action=WizardAction.AREA, value="centre"))
    await tg.send(alice, "Loud music every night")
    await send_report(tg, alice)

    [case] = await all_cases(session_factory)
    assert case.location_note == "Corner of Kerkstraat and <Molenweg>"
    assert (
        "Corner of Kerkstraat and &lt;Molenweg&gt;" in tg.api.sent("sendMessage", CENTRAL)[0].text
    )


async def test_a_resident_with_five_open_cases_cannot_open_a_sixth(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    for number in range(5):
        await report(tg, alice, f"Report {number}")

    await tg.send(alice, "/report")

    assert "You already have 5 open reports" in tg.api.last("sendMessage", alice.id).text
    assert len(await all_cases(session_factory)) == 5
