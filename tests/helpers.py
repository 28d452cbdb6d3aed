"""Steps a resident takes, shared by the scenario tests."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, Protocol

from aiogram.filters.callback_data import CallbackData
from aiogram.types import Update, User

from bot.ui.keyboards import ConsentCb, LanguageCb
from bot.ui.report_wizard import ReportCb, WizardAction
from bot.ui.texts import SEND_REPORT, SKIP
from tests.conftest import Harness as InProcess


class Harness(Protocol):
    """Whatever delivers a resident's updates: tests.conftest.Harness in-process, or the
    stand-in for Telegram and the proxy in front of real processes (tests/test_processes.py)."""

    async def send(self, user: User, text: str | None = None, **content: Any) -> Update: ...

    async def press(self, user: User, data: CallbackData | str) -> Update: ...


async def onboard(tg: Harness, user: User, language: str = "en") -> None:
    """/start, pick a language, accept the privacy notice."""
    await tg.send(user, "/start")
    await tg.press(user, LanguageCb(code=language))
    await tg.press(user, ConsentCb())


async def wizard_steps(
    tg: Harness,
    user: User,
    category: str = "burglary",
    area: str = "centre",
    privacy: str = "confidential",
) -> None:
    """Category, privacy, no location, area: the wizard then asks for the description."""
    await tg.press(user, ReportCb(action=WizardAction.CATEGORY, value=category))
    await tg.press(user, ReportCb(action=WizardAction.PRIVACY, value=privacy))
    await tg.send(user, SKIP)
    await tg.press(user, ReportCb(action=WizardAction.AREA, value=area))


async def start_report(
    tg: Harness,
    user: User,
    category: str = "burglary",
    area: str = "centre",
    privacy: str = "confidential",
) -> None:
    """Walk the wizard up to the description step, skipping the location."""
    await tg.send(user, "/report")
    await wizard_steps(tg, user, category, area, privacy)


async def send_report(tg: Harness, user: User) -> None:
    """ "📨 Send report", then *Send* on the summary."""
    await tg.send(user, SEND_REPORT)
    await tg.press(user, ReportCb(action=WizardAction.SEND))


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
        await wizard_steps(tg, user, category, area, privacy)
    else:
        await start_report(tg, user, category, area, privacy)
    await tg.send(user, description)
    await send_report(tg, user)


async def half_sent(tg: InProcess, user: User, text: str) -> None:
    """`user` reports a case, then sends `text`; the courier's process is killed after
    Telegram answered the copy for the desk, before the result was recorded: that outbox row
    stays `sending`. The courier no longer drains on its own."""
    await onboard(tg, user)
    await report(tg, user)
    tg.auto_drain = False
    tg.api.clear()
    await tg.send(user, text)
    original = tg.api.make_request

    async def dies_after_telegram_answered(*args: object, **kwargs: object) -> object:
        await original(*args, **kwargs)  # type: ignore[arg-type]
        raise asyncio.CancelledError  # killed before the result is recorded

    tg.api.make_request = dies_after_telegram_answered  # type: ignore[method-assign,assignment]
    with contextlib.suppress(asyncio.CancelledError):
        await tg.courier.drain()
    tg.api.make_request = original  # type: ignore[method-assign]
