"""The resident's /alerts menu: areas and topics as 🔔/🔕 toggles, quiet hours, the monthly
question and "stop all", two buttons a row."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.kinds import SubscriptionKind
from bot.network.schema import Network
from bot.ui.i18n import _
from bot.ui.pulse import pulse_toggle

Followed = dict[SubscriptionKind, set[str]]


class SubCb(CallbackData, prefix="sub"):
    kind: SubscriptionKind
    code: str


class AlertsAction(StrEnum):
    STOP_ALL = "stop"
    QUIET = "quiet"
    PULSE = "pulse"


class AlertsCb(CallbackData, prefix="alerts"):
    action: AlertsAction


def alerts_keyboard(
    network: Network, chosen: Followed, quiet_hours: bool, language: str
) -> InlineKeyboardMarkup:
    """The toggles two a row, then, each across the whole width (their labels are long in
    many languages), the quiet-hours switch (`quiet_hours`: the resident has them), the
    monthly question and "stop all"."""
    builder = InlineKeyboardBuilder()
    kinds = ((SubscriptionKind.AREA, network.areas), (SubscriptionKind.TOPIC, network.topics))
    for kind, items in kinds:
        for item in items:
            mark = "🔔" if item.code in chosen.get(kind, set()) else "🔕"
            builder.button(
                text=f"{mark} {item.name(language, network.default_language)}",
                callback_data=SubCb(kind=kind, code=item.code),
            )
    builder.adjust(2)
    # Like every toggle in this menu, the button shows the state (as the text above it does);
    # a tap switches it.
    quiet = _("🌙 Quiet hours: on") if quiet_hours else _("🌙 Quiet hours: off")
    pulse_on = bool(chosen.get(SubscriptionKind.PULSE))
    builder.row(
        InlineKeyboardButton(text=quiet, callback_data=AlertsCb(action=AlertsAction.QUIET).pack())
    )
    builder.row(
        InlineKeyboardButton(
            text=pulse_toggle(pulse_on), callback_data=AlertsCb(action=AlertsAction.PULSE).pack()
        )
    )
    builder.row(
        InlineKeyboardButton(
            text=_("Stop all alerts"), callback_data=AlertsCb(action=AlertsAction.STOP_ALL).pack()
        )
    )
    return builder.as_markup()
