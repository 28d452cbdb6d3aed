"""One walk per audience, read in order as the person would see it: a resident reports a
burglary and follows it, the officer works the case in its topic, a coordinator sends an
alert. The README's journeys quote these conversations."""

from __future__ import annotations

import re

from aiogram.types import User
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.ui.keyboards import RateCb
from storage.models import Case
from tests.conftest import CENTRAL, COORDINATORS, Harness
from tests.fakes import Call
from tests.helpers import onboard, report
from tests.test_announce import compose, confirm, only_announcement, subscribe

SHOWN = ("sendMessage", "copyMessage", "copyMessages", "sendPhoto", "editMessageText")


def seen(calls: list[Call]) -> list[str]:
    """What a chat shows, one line per message: its text's first line and its buttons."""
    lines = []
    for call in calls:
        if call.method not in SHOWN:
            continue
        first = re.sub(r"<[^>]+>", "", call.text.split("\n", 1)[0]) if call.text else "(media)"
        buttons = f" [{' | '.join(call.buttons)}]" if call.buttons else ""
        edited = "(edited) " if call.method == "editMessageText" else ""
        lines.append(f"{edited}{first}{buttons}")
    return lines


async def the_case(factory: async_sessionmaker[AsyncSession]) -> Case:
    async with factory() as session:
        return (await session.scalars(select(Case))).one()


async def test_a_residents_journey(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice, "Someone tried the doors of cars in Elm Street.")
    case = await the_case(session_factory)
    await tg.staff(CENTRAL, case.thread_id, officer, "/take")
    await tg.staff(CENTRAL, case.thread_id, officer, "Thank you. Which car was it?")
    await tg.send(alice, "A red van, number 12.")
    await tg.send(alice, "/status")
    await tg.staff(CENTRAL, case.thread_id, officer, "/close Patrols added at night.")
    await tg.press(alice, RateCb(case_id=case.id, stars=5))

    menu = "[📝 Report | 📂 My cases | 🔔 Alerts | 🌐 Language | ❓ Help]"
    wizard = "◀ Back | ✖ Cancel]"
    assert seen(tg.api.sent(chat_id=alice.id))[2:] == [
        f"Thank you. You can now report something to the police or follow your reports. {menu}",
        "Step 1 of 5 [Burglary | Nuisance | ✖ Cancel]",
        "(edited) Category: Burglary",
        "Step 2 of 5 [🔒 Confidential (recommended) | 👤 With my name | 🕶 Anonymous | " + wizard,
        "(edited) Privacy: 🔒 Confidential",
        f"Step 3 of 5 · Privacy: 🔒 Confidential [📍 Share location | ⏭ Skip | {wizard}",
        "No location, that is fine.",
        f"Step 4 of 5 · Privacy: 🔒 Confidential [Centre | East | {wizard}",
        "(edited) Area: Centre",
        f"Step 5 of 5 · Privacy: 🔒 Confidential [📨 Send report | {wizard}",
        "Your report, before it is sent [📨 Send report | ✏️ Edit | ✖ Cancel]",
        "(edited) 📨 Sent.",
        f"Thank you. Your report has been sent to the police. {menu}",
        "An officer is handling your report BL-26-00001.",  # no name: "an officer"
        "👮 Police · BL-26-00001",  # then "Thank you. Which car was it?"
        "🟢 BL-26-00001 · Burglary · in progress",  # /status alone: the one open case
        "Your report BL-26-00001 has been closed. [1 ⭐ | 2 ⭐ | 3 ⭐ | 4 ⭐ | 5 ⭐]",
        "Thank you. Your rating: ⭐⭐⭐⭐⭐",
    ]


async def test_an_officers_journey(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice, "Someone tried the doors of cars in Elm Street.")
    case = await the_case(session_factory)
    await tg.staff(CENTRAL, case.thread_id, officer, "/take")
    await tg.staff(CENTRAL, case.thread_id, officer, "Thank you. Which car was it?")
    await tg.send(alice, "A red van, number 12.")
    await tg.staff(CENTRAL, case.thread_id, officer, "// plate checked, not stolen")
    await tg.staff(CENTRAL, case.thread_id, officer, "/close Patrols added at night.")
    await tg.press(alice, RateCb(case_id=case.id, stars=5))

    # The officer's own messages are theirs; this is what the bot adds to the topic.
    assert seen(tg.api.sent(chat_id=CENTRAL)) == [
        "🆕 BL-26-00001",  # the card
        "(edited) 🟢 BL-26-00001",
        "Officer is handling this case.",
        "👤 Resident Alice",  # then "A red van, number 12."
        "(edited) ✅ BL-26-00001",
        "Closed by Officer.",
        "⭐ The citizen rated the handling 5/5.",
    ]
    assert any("Patrols added at night." in c.text for c in tg.api.sent("sendMessage", alice.id))
    assert not any("plate checked" in c.text for c in tg.api.sent(chat_id=alice.id))


async def test_a_coordinators_journey(
    tg: Harness, alice: User, coordinator: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await subscribe(tg, alice, "centre")
    await compose(tg, coordinator, "en: Burglaries in the centre: lock your doors and windows.")
    await confirm(tg, coordinator)
    await tg.run_alerts()

    number = (await only_announcement(session_factory)).id  # ids keep counting on PostgreSQL
    lines = [line.replace(f"#{number}", "#N") for line in seen(tg.api.sent(chat_id=COORDINATORS))]
    assert lines == [
        "New announcement. Which areas? Tick them and press “Next ▶”, or press “All”. "
        "(/cancel stops.) [⬜ Centre | ⬜ East | All | · Next ▶ ·]",
        "(edited) Areas: Centre",
        "Priority? Urgent alerts also reach residents during their quiet hours. "
        "[Normal | 🔴 Urgent]",
        "(edited) Priority: 🔴 urgent (ignores quiet hours)",
        "Send the text in each language, one message per language, starting with the language "
        "code, e.g. “en: …”. At least English is needed. Send /done when finished.",
        "English saved (1 so far).",
        "Add a photo, or send /skip.",
        "When? Press a button, or send a date and time (“2026-12-01 18:00”, “tomorrow 09:00”), "
        "“daily 18:00”, “weekly mon 09:00” or “cron 0 9 * * 1”. "
        "[Now | Tonight 18:00 | Tomorrow 09:00]",
        "(edited) When: Thursday, 5 March 2026, 10:30",
        "🔴 Urgent alert [ℹ️ I have information | 👍 Useful | 👎 Not useful]",  # the preview
        "Summary [✅ Schedule it | ✖ Discard]",
        "(edited) Announcement #N is being sent now.",
        "📣 Sending announcement #N",  # live progress, edited as it goes
        "(edited) 📊 Delivery report for announcement #N",
    ]
    resident = tg.api.last("sendMessage", alice.id)
    assert resident.text.startswith("<b>🔴 Urgent alert</b>\n\nBurglaries in the centre")
    assert resident.buttons == ["ℹ️ I have information", "👍 Useful", "👎 Not useful"]
