"""Callback data and keyboards; labels are translated where the keyboard is built."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder, ReplyKeyboardBuilder

from bot.kinds import Privacy
from bot.network.schema import Named, Network
from bot.ui.i18n import LANGUAGE_NAMES, _
from bot.ui.texts import (
    CANCEL,
    MENU_ALERTS,
    MENU_CASES,
    MENU_HELP,
    MENU_LANGUAGE,
    MENU_REPORT,
    SEND_REPORT,
    SHARE_LOCATION,
    SKIP,
)

if TYPE_CHECKING:  # cards and keyboards read cases, they never query them
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


class SensitiveCb(CallbackData, prefix="sens"):
    """Send a contact or location in an anonymous case anyway (or not)."""

    send: bool


class RateCb(CallbackData, prefix="rate"):
    case_id: int
    stars: int


class SolvedCb(CallbackData, prefix="solved"):
    case_id: int


class ReferralCb(CallbackData, prefix="refer"):
    referral_id: int
    agree: bool


class SwitchLanguageCb(CallbackData, prefix="switch"):
    code: str
    switch: bool


class AlertCb(CallbackData, prefix="alert"):
    delivery_id: int
    action: str  # info | useful | not_useful


class BanCb(CallbackData, prefix="ban"):
    case_id: int
    confirm: bool


def location_step() -> ReplyKeyboardMarkup:
    builder = ReplyKeyboardBuilder()
    builder.row(KeyboardButton(text=_(SHARE_LOCATION), request_location=True))
    builder.row(KeyboardButton(text=_(SKIP)), KeyboardButton(text=_(CANCEL)))
    return builder.as_markup(resize_keyboard=True, one_time_keyboard=False)


def description_step() -> ReplyKeyboardMarkup:
    builder = ReplyKeyboardBuilder()
    builder.row(KeyboardButton(text=_(SEND_REPORT)))
    builder.row(KeyboardButton(text=_(CANCEL)))
    return builder.as_markup(resize_keyboard=True)


def privacy() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    options = (
        (Privacy.CONFIDENTIAL, _("🔒 Confidential (recommended)")),
        (Privacy.IDENTIFIED, _("👤 With my name")),
        (Privacy.ANONYMOUS, _("🕶 Anonymous")),
    )
    for tier, label in options:
        builder.button(text=label, callback_data=ReportCb(action="privacy", value=tier.value))
    builder.adjust(1)
    builder.row(cancel_button())
    return builder.as_markup()


def sensitive() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Send anyway"), callback_data=SensitiveCb(send=True))
    builder.button(text=_("Do not send"), callback_data=SensitiveCb(send=False))
    return builder.as_markup()


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


def ban_confirm(case_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Yes, ban"), callback_data=BanCb(case_id=case_id, confirm=True))
    builder.button(text=_("No"), callback_data=BanCb(case_id=case_id, confirm=False))
    return builder.as_markup()


def main_menu() -> ReplyKeyboardMarkup:
    builder = ReplyKeyboardBuilder()
    for label in (MENU_REPORT, MENU_CASES, MENU_ALERTS, MENU_LANGUAGE, MENU_HELP):
        builder.button(text=_(label))
    builder.adjust(2, 3)
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
    items: Sequence[Named],
    action: str,
    network: Network,
    language: str,
    suggested: str | None = None,
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    ordered = sorted(items, key=lambda item: item.code != suggested)
    for item in ordered:
        mark = "📍 " if item.code == suggested else ""
        builder.button(
            text=mark + item.name(language, network.default_language),
            callback_data=ReportCb(action=action, value=item.code),
        )
    builder.adjust(2)
    builder.row(cancel_button())
    return builder.as_markup()


def categories(network: Network, language: str) -> InlineKeyboardMarkup:
    return _choices(network.categories, "category", network, language)


def areas(network: Network, language: str, suggested: str | None = None) -> InlineKeyboardMarkup:
    return _choices(network.areas, "area", network, language, suggested)


def cancel_button() -> InlineKeyboardButton:
    """The wizard's inline Cancel (the reply-keyboard one carries the same label)."""
    return InlineKeyboardButton(text=_(CANCEL), callback_data=ReportCb(action="cancel").pack())


def pick_case(cases: Sequence[Case]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for case in cases:
        builder.button(text=case.ref, callback_data=PickCaseCb(case_id=case.id))
    builder.adjust(2)
    return builder.as_markup()


def referral_consent(referral_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("✅ Yes, pass it on"), callback_data=ReferralCb(referral_id=referral_id, agree=True)
    )
    builder.button(text=_("✖ No"), callback_data=ReferralCb(referral_id=referral_id, agree=False))
    return builder.as_markup()


def switch_language(code: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=f"✅ {LANGUAGE_NAMES.get(code, code)}",
        callback_data=SwitchLanguageCb(code=code, switch=True),
    )
    builder.button(
        text=_("No, thank you"), callback_data=SwitchLanguageCb(code=code, switch=False)
    )
    return builder.as_markup()
