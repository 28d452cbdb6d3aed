"""Callback data and keyboards; labels are translated where the keyboard is built."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder, ReplyKeyboardBuilder

from bot.kinds import AlertFeedback
from bot.network.schema import Network
from bot.ui.dates import short_day
from bot.ui.fields import RowId, RowIdOrNone, Score
from bot.ui.i18n import LANGUAGE_NAMES, _
from bot.ui.texts import (
    MENU_ALERTS,
    MENU_CASES,
    MENU_HELP,
    MENU_LANGUAGE,
    MENU_REPORT,
)

if TYPE_CHECKING:  # cards and keyboards read cases, they never query them
    from storage.models import Case


class LanguageCb(CallbackData, prefix="lang"):
    code: str


class ConsentCb(CallbackData, prefix="consent"):
    pass


class ReportThisCb(CallbackData, prefix="reportthis"):
    """Start a report with what the resident wrote before as its description."""


class PickCaseCb(CallbackData, prefix="pick"):
    case_id: RowId


class SensitiveCb(CallbackData, prefix="sens"):
    """Send a contact or location in an anonymous case anyway (or not)."""

    send: bool


class RateCb(CallbackData, prefix="rate"):
    case_id: RowId
    stars: Score


class SolvedCb(CallbackData, prefix="solved"):
    case_id: RowId


class SwitchLanguageCb(CallbackData, prefix="switch"):
    code: str
    switch: bool


class AlertCb(CallbackData, prefix="alert"):
    delivery_id: RowIdOrNone  # 0 under a preview
    action: AlertFeedback


class ForgetCb(CallbackData, prefix="forget"):
    sure: bool


def yes_or_no(yes: str, no: str, answer: Callable[[bool], CallbackData]) -> InlineKeyboardMarkup:
    """Two buttons, `yes` then `no`, whose callback data differ only in the answer."""
    builder = InlineKeyboardBuilder()
    builder.button(text=yes, callback_data=answer(True))
    builder.button(text=no, callback_data=answer(False))
    return builder.as_markup()


class CaseQuestionCb(CallbackData, prefix="case"):
    """The answer to a yes-or-no question about one case. Each question is a subclass with its
    own prefix (this one is never sent), so its buttons read `<prefix>:<case id>:<1 or 0>`."""

    case_id: RowId
    yes: bool

    @classmethod
    def buttons(cls, case_id: int, yes: str, no: str) -> InlineKeyboardMarkup:
        """`yes` then `no`, answering this question about the case `case_id`."""
        return yes_or_no(yes, no, lambda answer: cls(case_id=case_id, yes=answer))


def forget_sure() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Yes, erase my data"), callback_data=ForgetCb(sure=True))
    builder.button(text=_("No, keep it"), callback_data=ForgetCb(sure=False))
    builder.adjust(1)
    return builder.as_markup()


def sensitive() -> InlineKeyboardMarkup:
    return yes_or_no(_("Send anyway"), _("Do not send"), lambda send: SensitiveCb(send=send))


def rating(case_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for stars in range(1, 6):
        builder.button(text=f"{stars} ⭐", callback_data=RateCb(case_id=case_id, stars=stars))
    builder.adjust(5)
    return builder.as_markup()


def solved(cases: Sequence[Case]) -> InlineKeyboardMarkup | None:
    builder = InlineKeyboardBuilder()
    for case in cases:
        builder.button(
            text=_("✅ {ref} is solved").format(ref=case.ref),
            callback_data=SolvedCb(case_id=case.id),
        )
    builder.adjust(1)
    return builder.as_markup() if cases else None


def report_this() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("📝 Report this"), callback_data=ReportThisCb())
    return builder.as_markup()


def main_menu() -> ReplyKeyboardMarkup:
    """*Report* across the whole width, the other four two a row (room for every language)."""
    builder = ReplyKeyboardBuilder()
    for label in (MENU_REPORT, MENU_CASES, MENU_ALERTS, MENU_LANGUAGE, MENU_HELP):
        builder.button(text=_(label))
    builder.adjust(1, 2, 2)
    return builder.as_markup(resize_keyboard=True, is_persistent=True)


def languages(available: Iterable[str], selected: str | None) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in sorted(available, key=lambda c: (c != selected, LANGUAGE_NAMES.get(c, c))):
        mark = "✅ " if code == selected else ""
        builder.button(
            text=f"{mark}{LANGUAGE_NAMES.get(code, code)}", callback_data=LanguageCb(code=code)
        )
    builder.adjust(2)
    return builder.as_markup()


def consent() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✅ I agree"), callback_data=ConsentCb())
    return builder.as_markup()


def pick_case(cases: Sequence[Case], network: Network, language: str) -> InlineKeyboardMarkup:
    """One button per open case: reference, category and the day it was reported."""
    builder = InlineKeyboardBuilder()
    for case in cases:
        category = network.category(case.category)
        name = category.name(language, network.default_language) if category else case.category
        day = short_day(case.created_at.astimezone(network.zone).date(), language)
        builder.button(
            text=f"{case.ref} · {name} · {day}", callback_data=PickCaseCb(case_id=case.id)
        )
    builder.adjust(1)
    return builder.as_markup()


def switch_language(code: str) -> InlineKeyboardMarkup:
    return yes_or_no(
        f"✅ {LANGUAGE_NAMES.get(code, code)}",
        _("No, thank you"),
        lambda switch: SwitchLanguageCb(code=code, switch=switch),
    )


class SolvedSureCb(CaseQuestionCb, prefix="solvedsure"):
    """The answer to "Is … solved?" after "✅ … is solved"."""


def solved_sure(case_id: int) -> InlineKeyboardMarkup:
    return SolvedSureCb.buttons(case_id, _("Yes, it is solved"), _("No"))
