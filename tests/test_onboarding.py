"""/start, language choice and consent, through the Bot API boundary."""

from __future__ import annotations

from aiogram.types import User
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.ui.keyboards import ConsentCb, LanguageCb
from storage.models import Case, Citizen
from tests.conftest import Harness
from tests.fakes import FakeClock
from tests.helpers import onboard


async def citizen_of(factory: async_sessionmaker[AsyncSession], user: User) -> Citizen | None:
    async with factory() as session:
        return (
            await session.scalars(select(Citizen).where(Citizen.telegram_id == user.id))
        ).first()


async def test_start_preselects_the_telegram_language(tg: Harness, bram: User) -> None:
    await tg.send(bram, "/start")

    greeting = tg.api.last("sendMessage", bram.id)
    buttons = greeting.buttons
    assert buttons[0] == "✅ Nederlands"
    assert "English" in buttons
    assert "Kies uw taal" in greeting.text


async def test_unsupported_telegram_language_falls_back_to_english(tg: Harness) -> None:
    user = User(id=333, is_bot=False, first_name="Kim", language_code="ko")
    await tg.send(user, "/start")

    greeting = tg.api.last("sendMessage", user.id)
    assert "Please choose your language" in greeting.text
    buttons = greeting.buttons
    assert buttons[0] == "✅ English"


async def test_language_choice_shows_privacy_notice_in_that_language(
    tg: Harness, alice: User
) -> None:
    await tg.send(alice, "/start")
    await tg.press(alice, LanguageCb(code="nl"))

    notice = tg.api.last("sendMessage", alice.id)
    assert "Privacy" in notice.text
    assert "112" in notice.text
    assert notice.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "consent"
    assert "Ik ga akkoord" in notice.params["reply_markup"]["inline_keyboard"][0][0]["text"]


async def test_consent_time_is_stored_and_main_menu_shown(
    tg: Harness,
    alice: User,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    await onboard(tg, alice)

    citizen = await citizen_of(session_factory, alice)
    assert citizen is not None
    assert citizen.consent_at == clock.now()
    assert citizen.language == "en"
    assert tg.api.last("sendMessage", alice.id).buttons == [
        "📝 Report",
        "📂 My cases",
        "🔔 Alerts",
        "🌐 Language",
        "❓ Help",
    ]


async def test_main_menu_is_translated(tg: Harness, bram: User) -> None:
    await onboard(tg, bram, language="nl")

    labels = tg.api.last("sendMessage", bram.id).buttons
    assert "📝 Report" not in labels
    assert len(labels) == 5


async def test_message_before_consent_is_neither_stored_nor_passed_on(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await tg.send(alice, "/start")
    tg.api.clear()

    await tg.send(alice, "There is a fight outside!")

    assert not tg.api.sent("copyMessage")
    texts = [call.text for call in tg.api.sent("sendMessage", alice.id)]
    assert any("was not passed on" in text for text in texts)
    assert "Please choose your language" in texts[-1]
    async with session_factory() as session:
        assert (await session.scalars(select(Case))).all() == []


async def test_returning_citizen_gets_the_menu(tg: Harness, alice: User) -> None:
    await onboard(tg, alice)
    tg.api.clear()

    await tg.send(alice, "/start")

    reply = tg.api.last("sendMessage", alice.id)
    assert "Welcome to Beatline" in reply.text
    assert "keyboard" in reply.params["reply_markup"]


async def test_language_can_be_changed_later(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await tg.send(alice, "🌐 Language")
    assert tg.api.last("sendMessage", alice.id).text == "Choose your language:"

    await tg.press(alice, LanguageCb(code="nl"))
    await tg.send(alice, "/help")

    citizen = await citizen_of(session_factory, alice)
    assert citizen is not None and citizen.language == "nl"
    assert "noodgeval" in tg.api.last("sendMessage", alice.id).text


async def test_consent_button_pressed_twice_keeps_the_first_time(
    tg: Harness,
    alice: User,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    await onboard(tg, alice)
    first = clock.now()
    clock.advance(minutes=5)

    await tg.press(alice, ConsentCb())

    citizen = await citizen_of(session_factory, alice)
    assert citizen is not None and citizen.consent_at == first
