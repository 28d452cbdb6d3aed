"""Every text that names the emergency number uses the one configured in network.toml."""

from __future__ import annotations

import pytest
from aiogram.types import User

from bot.network.schema import Network, parse_network
from bot.ui.keyboards import ConsentCb, LanguageCb
from tests.conftest import NETWORK, Harness

ELSEWHERE = NETWORK + '\n[emergency]\nnumber = "911"\n'


@pytest.fixture
def network() -> Network:
    return parse_network(ELSEWHERE)


@pytest.mark.parametrize("language", ["en", "nl", "ar"])
async def test_the_privacy_notice_welcome_and_help_name_the_configured_number(
    tg: Harness, alice: User, language: str
) -> None:
    await tg.send(alice, "/start")
    await tg.press(alice, LanguageCb(code=language))
    notice = tg.api.last("sendMessage", alice.id).text
    await tg.press(alice, ConsentCb())
    welcome = tg.api.last("sendMessage", alice.id).text
    await tg.send(alice, "/help")
    help_text = tg.api.last("sendMessage", alice.id).text

    for text in (notice, welcome, help_text):
        assert "911" in text, text
        assert "112" not in text, text
