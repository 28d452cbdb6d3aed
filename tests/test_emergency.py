"""An emergency is answered in every state of the conversation: before the language is chosen,
before consent, without a case, in every wizard step, with an open case and while a message
waits for a case choice. The rest of the flow carries on as before."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from aiogram.types import User

from bot.ui.keyboards import LanguageCb
from bot.ui.report_wizard import ReportCb, WizardAction
from bot.ui.texts import SEND_REPORT, SKIP
from tests.conftest import CENTRAL, Harness
from tests.helpers import onboard, report, start_report

FIRE_NL = "er is brand, help!"
DUTCH_ADVICE = "Bel dan direct 112"
ENGLISH_ADVICE = "call 112 immediately"

Setup = Callable[[Harness, User], Awaitable[None]]


async def nothing_yet(tg: Harness, user: User) -> None:
    """A new user whose first message is the emergency."""


async def language_chosen(tg: Harness, user: User) -> None:
    await tg.send(user, "/start")
    await tg.press(user, LanguageCb(code="nl"))


async def consented_without_a_case(tg: Harness, user: User) -> None:
    await onboard(tg, user, "nl")


async def in_the_category_step(tg: Harness, user: User) -> None:
    await onboard(tg, user, "nl")
    await tg.send(user, "/report")


async def in_the_privacy_step(tg: Harness, user: User) -> None:
    await in_the_category_step(tg, user)
    await tg.press(user, ReportCb(action=WizardAction.CATEGORY, value="burglary"))


async def in_the_location_step(tg: Harness, user: User) -> None:
    await in_the_privacy_step(tg, user)
    await tg.press(user, ReportCb(action=WizardAction.PRIVACY, value="confidential"))


async def in_the_area_step(tg: Harness, user: User) -> None:
    await in_the_location_step(tg, user)
    await tg.send(user, SKIP)


async def in_the_summary(tg: Harness, user: User) -> None:
    await in_the_description_step(tg, user)
    await tg.send(user, "Something happened")
    await tg.send(user, SEND_REPORT)


async def in_the_description_step(tg: Harness, user: User) -> None:
    await onboard(tg, user, "nl")
    await start_report(tg, user)


async def with_an_open_case(tg: Harness, user: User) -> None:
    await onboard(tg, user, "nl")
    await report(tg, user)


async def choosing_between_two_cases(tg: Harness, user: User) -> None:
    await with_an_open_case(tg, user)
    await report(tg, user, "Second report")


STATES: dict[str, Setup] = {
    "first message of a new user": nothing_yet,
    "language chosen, no consent yet": language_chosen,
    "consented, no open case": consented_without_a_case,
    "category step": in_the_category_step,
    "location step": in_the_location_step,
    "area step": in_the_area_step,
    "privacy step": in_the_privacy_step,
    "description step": in_the_description_step,
    "summary before sending": in_the_summary,
    "open case": with_an_open_case,
    "two open cases (message held for a choice)": choosing_between_two_cases,
}


@pytest.fixture
def dutch_phone() -> User:
    """Telegram says nothing about this user's language."""
    return User(id=333, is_bot=False, first_name="Daan")


@pytest.mark.parametrize("state", list(STATES), ids=list(STATES))
async def test_fire_gets_the_emergency_number_in_every_state(
    tg: Harness, dutch_phone: User, state: str
) -> None:
    await STATES[state](tg, dutch_phone)
    tg.api.clear()

    await tg.send(dutch_phone, FIRE_NL)

    replies = tg.api.sent("sendMessage", dutch_phone.id)
    assert replies, f"no reply at all in state {state!r}"
    assert DUTCH_ADVICE in replies[0].text, f"first reply in state {state!r}: {replies[0].text}"
    assert sum(DUTCH_ADVICE in r.text for r in tg.api.sent("sendMessage")) == 1


async def test_before_language_choice_the_flow_continues_with_the_language_list(
    tg: Harness, dutch_phone: User
) -> None:
    await tg.send(dutch_phone, FIRE_NL)

    first, *rest = tg.api.sent("sendMessage", dutch_phone.id)
    assert DUTCH_ADVICE in first.text
    assert any("Nederlands" in call.buttons for call in rest)


async def test_telegram_language_is_used_before_consent(tg: Harness) -> None:
    german = User(id=444, is_bot=False, first_name="Jonas", language_code="de")

    await tg.send(german, "Hilfe, es gibt ein fire im Haus")

    advice = tg.api.sent("sendMessage", german.id)[0].text
    assert "112" in advice and ENGLISH_ADVICE not in advice and DUTCH_ADVICE not in advice


async def test_unsure_language_gets_every_network_language(tg: Harness) -> None:
    unknown = User(id=555, is_bot=False, first_name="X", language_code="fi")

    await tg.send(unknown, "help me")  # an English and a Dutch keyword alike

    advice = tg.api.sent("sendMessage", unknown.id)[0].text
    assert ENGLISH_ADVICE in advice and DUTCH_ADVICE in advice


async def test_the_citizens_own_language_wins(tg: Harness, alice: User) -> None:
    await onboard(tg, alice)
    tg.api.clear()

    await tg.send(alice, FIRE_NL)

    advice = tg.api.sent("sendMessage", alice.id)[0].text
    assert ENGLISH_ADVICE in advice and DUTCH_ADVICE not in advice


async def test_an_emergency_caption_on_a_photo_counts(tg: Harness, alice: User) -> None:
    await onboard(tg, alice)
    await start_report(tg, alice)
    tg.api.clear()

    photo = [{"file_id": "ph1", "file_unique_id": "u1", "width": 10, "height": 10}]
    await tg.send(alice, None, photo=photo, caption="There is a FIRE next door")

    assert ENGLISH_ADVICE in tg.api.sent("sendMessage", alice.id)[0].text


async def test_ordinary_messages_get_no_emergency_answer(tg: Harness, alice: User) -> None:
    await tg.send(alice, "Hello, I would like to report something")
    await onboard(tg, alice)
    await report(tg, alice, "The firewood pile was knocked over")

    assert not any("112 immediately" in c.text for c in tg.api.sent("sendMessage"))


async def test_staff_groups_get_no_emergency_answer(tg: Harness, officer: User) -> None:
    await tg.staff(CENTRAL, None, officer, "training about fire safety today")

    assert not tg.api.sent("sendMessage")
