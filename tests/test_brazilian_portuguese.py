"""Brazilian Portuguese: residents whose Telegram speaks pt-br get the pt_BR catalog, while
names, alert texts, routing and language identification treat them as Portuguese speakers."""

from __future__ import annotations

from aiogram.types import User
from aiogram.utils.i18n import I18n
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app.menus import set_commands
from bot.network.base import Named, spoken_language
from bot.network.schema import Network
from bot.ui.i18n import supported
from storage.models import Case, Citizen
from tests.conftest import CENTRAL, Harness
from tests.helpers import onboard, report


def rita(code: str = "pt-br") -> User:
    return User(id=6161, is_bot=False, first_name="Rita", language_code=code)


def test_telegram_codes_pick_the_regional_catalog_only_when_there_is_one(i18n: I18n) -> None:
    assert [supported(i18n, code) for code in ("pt-br", "pt-BR", "pt_BR")] == ["pt_BR"] * 3
    assert [supported(i18n, code) for code in ("pt", "pt-pt", "nl-BE")] == ["pt", "pt", "nl"]
    assert supported(i18n, "de-AT") == "de" and supported(i18n, "xx-YY") is None


def test_a_regional_interface_speaks_its_base_language() -> None:
    area = Named(code="centre", names={"en": "Centre", "pt": "Centro"})
    assert spoken_language("pt_BR") == spoken_language("pt-br") == "pt"
    assert area.name("pt_BR", "en") == "Centro"


async def test_a_pt_br_resident_is_greeted_in_brazilian_portuguese(tg: Harness) -> None:
    await tg.send(rita(), "/start")

    greeting = tg.api.last("sendMessage", rita().id)
    assert "canal de contato" in greeting.text  # Portugal writes "contacto"
    assert "Português (Brasil)" in " ".join(greeting.buttons)


async def test_a_resident_from_portugal_keeps_the_european_catalog(tg: Harness) -> None:
    await tg.send(rita("pt-pt"), "/start")

    assert "canal de contacto" in tg.api.last("sendMessage", rita().id).text


async def test_a_brazilian_report_is_portuguese_for_the_desk(
    tg: Harness, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, rita(), language="pt_BR")
    await report(tg, rita(), "Roubaram a minha bicicleta em frente à estação hoje de manhã")

    receipt = tg.api.last("sendMessage", rita().id).text
    assert "Sua ocorrência foi enviada à polícia" in receipt
    card = tg.api.sent("sendMessage", CENTRAL)[0].text
    assert "Language: Português (pt)" in card
    assert "own language" not in card  # pt_BR is the same language as pt
    async with session_factory() as session:
        case = (await session.scalars(select(Case))).one()
        citizen = await session.scalar(select(Citizen).where(Citizen.telegram_id == rita().id))
    assert case.language == "pt" and citizen is not None and citizen.language == "pt_BR"


async def test_command_menus_are_only_set_for_two_letter_codes(
    tg: Harness, i18n: I18n, network: Network
) -> None:
    await set_commands(tg.bot, i18n, network)

    codes = {call.params.get("language_code") for call in tg.api.sent("setMyCommands")}
    assert "pt" in codes and "pt_BR" not in codes
