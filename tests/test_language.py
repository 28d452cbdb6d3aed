"""Languages: detection of what citizens write (stored, shown, routed on), the offer to switch,
right-to-left layout, and per-language command menus."""

from __future__ import annotations

import pytest
from aiogram.types import User
from aiogram.utils.i18n import I18n
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app.menus import set_commands
from bot.domain.language.identifier import LanguageIdentifier
from bot.network.schema import Network, parse_network
from bot.ui.keyboards import SwitchLanguageCb
from bot.ui.texts import ISOLATE_END, ISOLATE_START
from storage.models import Case, CaseMessage, Citizen
from tests.conftest import CENTRAL, COORDINATORS, EAST, NETWORK, PARTNER, Harness
from tests.helpers import onboard, report


@pytest.mark.parametrize(
    ("text", "hint", "code"),
    [
        ("Mijn fiets is gestolen bij het station", None, "nl"),
        ("سرقت دراجتي من أمام المحطة", None, "ar"),
        ("hallo", "nl", "nl"),  # too short to tell: the citizen's language decides
        ("👍👍 112", "pl", "pl"),  # no letters at all
        ("ሰላም እንታይ ኣሎ ሎሚ", None, "ti"),  # Ethiopic script
        ("Det här är en mening på svenska om vädret idag.", "en", "other"),
    ],
)
def test_detection(langid: LanguageIdentifier, text: str, hint: str | None, code: str) -> None:
    assert langid.detect(text, hint).code == code


def test_a_language_outside_the_list_keeps_its_best_guess(langid: LanguageIdentifier) -> None:
    detection = langid.detect("Ez egy magyar mondat az időjárásról ma.")
    assert (detection.code, detection.guess) == ("other", "hu")


@pytest.mark.parametrize(
    ("text", "hint", "code"),
    [
        ("obrigado amigo", "en", "pt"),
        ("dank je wel", "de", "nl"),
        ("gracias por todo", "it", "es"),
        ("спасибо большое", "uk", "ru"),
        ("hvala vam puno 🙏", "en", "sr"),
        ("teşekkür ederim", "de", "tr"),
    ],
)
def test_a_clear_short_message_beats_a_wrong_hint(
    langid: LanguageIdentifier, text: str, hint: str, code: str
) -> None:
    assert langid.detect(text, hint).code == code


@pytest.mark.parametrize(
    "text",
    [
        "Moj bicikl je ukraden ispred stanice jutros",
        "moj bicikl je ukraden ispred stanice jutros",  # typed without č, ć, š, đ, ž
        "Мој бицикл је украден испред станице јутрос",  # Serbian Cyrillic
    ],
)
def test_serbian_croatian_and_bosnian_are_reported_as_serbian(
    langid: LanguageIdentifier, text: str
) -> None:
    assert langid.detect(text, "en").code == "sr"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("sasiad co noc puszcza bardzo glosna muzyke", "pl"),  # Polish without its letters
        ("vecinul nostru asculta muzica foarte tare in fiecare noapte", "ro"),
        ("komsumuz her gece cok yuksek sesle muzik dinliyor", "tr"),  # on a Latin keyboard
        ("ο γειτονας μου ακουει δυνατη μουσικη καθε βραδυ", "el"),  # Greek without accents
    ],
)
def test_chat_spelling_without_accents_is_still_recognised(
    langid: LanguageIdentifier, text: str, code: str
) -> None:
    assert langid.detect(text, "en").code == code


@pytest.mark.parametrize(
    ("text", "guess"),
    [
        ("någon har stulit min cykel vid stationen", "sv"),  # Swedish
        ("někdo mi ukradl kolo před nádražím", "cs"),  # Czech
        ("bizilagunak musika oso ozen jartzen du gauero", "eu"),  # Basque
        ("jirani yetu anapiga muziki kwa sauti kubwa kila usiku", "sw"),  # Swahili
    ],
)
def test_unlisted_languages_are_other_even_with_a_hint(
    langid: LanguageIdentifier, text: str, guess: str
) -> None:
    detection = langid.detect(text, "nl")
    assert (detection.code, detection.guess) == ("other", guess)


def test_a_short_message_in_a_script_none_of_ours_uses_is_other(
    langid: LanguageIdentifier,
) -> None:
    detection = langid.detect("שלום חבר", "en")
    assert (detection.code, detection.guess) == ("other", "he")


def test_configured_sentences_are_not_taken_for_other_with_any_hint(
    langid: LanguageIdentifier,
) -> None:
    sentences = {
        "nl": "de buren maken elke nacht veel lawaai en we kunnen niet slapen",
        "so": "gaariga waxaa la dhigay meel aan loo ogolayn muddo saddex maalmood ah",
        "sq": "fqinji im degjon muzike shume te larte cdo nate",
        "uk": "сусіди щоночі дуже голосно слухають музику",
        "fa": "همسایه ها هر شب موسیقی را خیلی بلند پخش می کنند",
    }
    for code, sentence in sentences.items():
        for hint in (None, code, "en", "ar"):
            assert langid.detect(sentence, hint).code == code, (sentence, hint)


AMHARIC = "ትናንት ሌሊት ቤታችን ተዘረፈ"  # "our house was robbed last night"
TIGRINYA = "ትማሊ ለይቲ ገዛና ተሰሪቑ"  # the same in Tigrinya


def test_amharic_is_other_with_its_guess_when_only_tigrinya_is_listed(
    langid: LanguageIdentifier,
) -> None:
    assert "ti" in langid.languages and "am" not in langid.languages
    amharic = langid.detect(AMHARIC, "en")
    assert (amharic.code, amharic.guess) == ("other", "am")
    assert langid.detect(TIGRINYA, "en").code == "ti"


def test_amharic_and_tigrinya_are_told_apart_when_both_are_listed(
    langid: LanguageIdentifier,
) -> None:
    both = LanguageIdentifier((*langid.languages, "am"))
    assert both.detect(AMHARIC).code == "am"
    assert both.detect(TIGRINYA).code == "ti"
    assert both.detect("ሰላም", "am").code == "am"  # a shared word: the citizen's language


async def test_case_card_and_messages_carry_the_detected_language(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)  # interface in English
    await report(tg, alice, "Er staat al drie dagen een verdachte auto voor mijn deur")
    await tg.send(alice, "De auto is zwart en heeft een Duits kenteken")

    card = tg.api.sent("sendMessage", CENTRAL)[0].text
    assert "Language: Nederlands (nl)" in card
    async with session_factory() as session:
        case = (await session.scalars(select(Case))).one()
        languages = [
            m.language
            for m in (await session.scalars(select(CaseMessage))).all()
            if m.direction == "citizen"
        ]
    assert case.language == "nl"
    assert languages == ["nl", "nl"]


async def test_other_language_is_shown_as_other_with_the_guess(tg: Harness, alice: User) -> None:
    await onboard(tg, alice)
    await report(tg, alice, "Det här är en mening på svenska om en stulen cykel vid stationen.")

    assert "Language: other (best guess: sv)" in tg.api.sent("sendMessage", CENTRAL)[0].text


@pytest.fixture
def network() -> Network:
    """The test network plus a rule that sends Arabic reports to the east desk."""
    return parse_network(NETWORK + '\n[[rules]]\ndesk = "east"\nlanguages = ["ar"]\n')


async def test_routing_rules_match_on_the_detected_language(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice, "سرقت دراجتي من أمام المحطة هذا الصباح")

    assert tg.api.sent("createForumTopic", EAST)
    assert not tg.api.sent("createForumTopic", CENTRAL)


async def test_the_bot_offers_to_switch_after_several_messages_in_another_language(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    for text in (
        "Ik heb nog meer informatie over de auto",
        "Hij stond er gisteren ook al de hele avond",
        "De bestuurder droeg een rode jas",
    ):
        await tg.send(alice, text)

    offer = tg.api.last("sendMessage", alice.id)
    assert "Nederlands" in offer.text and offer.buttons[0] == "✅ Nederlands"

    await tg.press(alice, SwitchLanguageCb(code="nl", switch=True))

    async with session_factory() as session:
        citizen = await session.scalar(select(Citizen).where(Citizen.telegram_id == alice.id))
        assert citizen is not None and citizen.language == "nl"


async def test_arabic_keeps_references_and_numbers_readable(tg: Harness) -> None:
    user = User(id=5555, is_bot=False, first_name="Layla", language_code="ar")
    await onboard(tg, user, language="ar")
    await report(tg, user, "سرقت دراجتي من أمام المحطة")

    receipt = tg.api.last("sendMessage", user.id).text
    assert f"{ISOLATE_START}BL-26-00001{ISOLATE_END}" in receipt
    assert any("\u0600" <= ch <= "\u06ff" for ch in receipt)  # the text itself is Arabic
    await tg.send(user, "/help")
    assert f"{ISOLATE_START}112{ISOLATE_END}" in tg.api.last("sendMessage", user.id).text


async def test_command_menus_per_language_and_for_staff_chats(
    tg: Harness, i18n: I18n, network: Network
) -> None:
    await set_commands(tg.bot, i18n, network)

    menus = tg.api.sent("setMyCommands")
    private = {
        c.params.get("language_code"): c
        for c in menus
        if c.params["scope"]["type"] == "all_private_chats"
    }
    assert set(private) >= {None, "en", "nl", "ar", "uk"}
    assert private["nl"].params["commands"] != private["en"].params["commands"]
    chats = {
        c.params["scope"].get("chat_id"): c for c in menus if c.params["scope"]["type"] == "chat"
    }
    assert set(chats) == {CENTRAL, EAST, PARTNER, COORDINATORS}
    staff = [command["command"] for command in chats[CENTRAL].params["commands"]]
    assert {"take", "close", "transfer", "refer", "history", "stats"} <= set(staff)
    partner = [command["command"] for command in chats[PARTNER].params["commands"]]
    assert partner == ["stats", "whereami"]
    coordinators = [command["command"] for command in chats[COORDINATORS].params["commands"]]
    assert {"announce", "announcements", "cancel_announcement", "stats", "report"} <= set(
        coordinators
    )
