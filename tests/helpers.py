"""Steps a citizen takes, shared by the scenario tests."""

from __future__ import annotations

from aiogram.types import User

from bot.ui.keyboards import ConsentCb, LanguageCb, ReportCb
from bot.ui.texts import SEND_REPORT, SKIP
from tests.conftest import Harness


async def onboard(tg: Harness, user: User, language: str = "en") -> None:
    """/start, pick a language, accept the privacy notice."""
    await tg.send(user, "/start")
    await tg.press(user, LanguageCb(code=language))
    await tg.press(user, ConsentCb())


async def start_report(
    tg: Harness,
    user: User,
    category: str = "burglary",
    area: str = "centre",
    privacy: str = "confidential",
) -> None:
    """Walk the wizard up to the description step, skipping the location."""
    await tg.send(user, "/report")
    await tg.press(user, ReportCb(action="category", value=category))
    await tg.send(user, SKIP)
    await tg.press(user, ReportCb(action="area", value=area))
    await tg.press(user, ReportCb(action="privacy", value=privacy))


async def report(
    tg: Harness,
    user: User,
    description: str = "Someone is trying car doors in my street.",
    category: str = "burglary",
    area: str = "centre",
    privacy: str = "confidential",
    already_started: bool = False,
) -> None:
    """Walk the wizard to the end (in English) and send the report."""
    if already_started:
        await tg.press(user, ReportCb(action="category", value=category))
        await tg.send(user, SKIP)
        await tg.press(user, ReportCb(action="area", value=area))
        await tg.press(user, ReportCb(action="privacy", value=privacy))
    else:
        await start_report(tg, user, category, area, privacy)
    await tg.send(user, description)
    await tg.send(user, SEND_REPORT)
