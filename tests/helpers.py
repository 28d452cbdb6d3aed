"""Steps a citizen takes, shared by the scenario tests."""

from __future__ import annotations

from aiogram.types import User

from bot.keyboards import ConsentCb, LanguageCb, ReportCb
from tests.conftest import Harness


async def onboard(tg: Harness, user: User, language: str = "en") -> None:
    """/start, pick a language, accept the privacy notice."""
    await tg.send(user, "/start")
    await tg.press(user, LanguageCb(code=language))
    await tg.press(user, ConsentCb())


async def report(
    tg: Harness,
    user: User,
    description: str = "Someone is trying car doors in my street.",
    category: str = "burglary",
    area: str = "centre",
) -> None:
    """Walk the wizard to the end and confirm."""
    await tg.send(user, "/report")
    await tg.press(user, ReportCb(action="category", value=category))
    await tg.press(user, ReportCb(action="area", value=area))
    await tg.send(user, description)
    await tg.press(user, ReportCb(action="confirm"))
