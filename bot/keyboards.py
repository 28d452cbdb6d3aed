"""Callback data and keyboards; labels are translated where the keyboard is built."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup, ReplyKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder, ReplyKeyboardBuilder

from bot.i18n import LANGUAGE_NAMES, _
from bot.network import Named, Network
from bot.texts import MENU_CASES, MENU_HELP, MENU_LANGUAGE, MENU_REPORT
from storage.models import Case


class LanguageCb(CallbackData, prefix="lang"):
    code: str


class ConsentCb(CallbackData, prefix="consent"):
    pass


class ReportCb(CallbackData, prefix="rep"):
    """A step of the report wizard: pick a category/area, confirm or cancel."""

    action: str
    value: str = ""


class PickCaseCb(CallbackData, prefix="pick"):
    case_id: int


def main_menu() -> ReplyKeyboardMarkup:
    builder = ReplyKeyboardBuilder()
    for label in (MENU_REPORT, MENU_CASES, MENU_LANGUAGE, MENU_HELP):
        builder.button(text=_(label))
    builder.adjust(2, 2)
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


def _choices(
    items: Sequence[Named], action: str, network: Network, language: str
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for item in items:
        builder.button(
            text=item.name(language, network.default_language),
            callback_data=ReportCb(action=action, value=item.code),
        )
    builder.adjust(2)
    builder.row(*cancel_row().inline_keyboard[0])
    return builder.as_markup()


def categories(network: Network, language: str) -> InlineKeyboardMarkup:
    return _choices(network.categories, "category", network, language)


def areas(network: Network, language: str) -> InlineKeyboardMarkup:
    return _choices(network.areas, "area", network, language)


def cancel_row() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✖ Cancel"), callback_data=ReportCb(action="cancel"))
    return builder.as_markup()


def confirm() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("📨 Send report"), callback_data=ReportCb(action="confirm"))
    builder.button(text=_("✖ Cancel"), callback_data=ReportCb(action="cancel"))
    builder.adjust(1)
    return builder.as_markup()


def pick_case(cases: Sequence[Case]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for case in cases:
        builder.button(text=case.ref, callback_data=PickCaseCb(case_id=case.id))
    builder.adjust(2)
    return builder.as_markup()
