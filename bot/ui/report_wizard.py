"""What a resident sees while writing a report: "Step 2 of 5", the choices so far, the buttons
of each step (with ◀ Back), and the summary before sending."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder, ReplyKeyboardBuilder

from bot.kinds import Privacy
from bot.network.base import Named
from bot.network.schema import Network
from bot.ui.i18n import N_, _, n_
from bot.ui.texts import CANCEL, SEND_REPORT, SHARE_LOCATION, SKIP, fmt

BACK = N_("◀ Back")
STEPS = 5


class Step(StrEnum):
    CATEGORY = "category"
    PRIVACY = "privacy"
    LOCATION = "location"
    AREA = "area"
    DESCRIPTION = "description"


class WizardAction(StrEnum):
    CATEGORY = "category"
    PRIVACY = "privacy"
    AREA = "area"
    PRECISION = "precision"  # rounded or exact, for a location in an anonymous report
    BACK = "back"
    CANCEL = "cancel"
    SEND = "send"
    EDIT = "edit"  # from the summary: change one step (value: the step)


class ReportCb(CallbackData, prefix="rep"):
    action: WizardAction
    value: str = ""


NUMBER = {
    Step.CATEGORY: 1,
    Step.PRIVACY: 2,
    Step.LOCATION: 3,
    Step.AREA: 4,
    Step.DESCRIPTION: 5,
}


# The privacy levels as the resident chooses them, in the order the wizard offers them.
PRIVACY_LABELS = {
    Privacy.CONFIDENTIAL: N_("🔒 Confidential"),
    Privacy.IDENTIFIED: N_("👤 With my name"),
    Privacy.ANONYMOUS: N_("🕶 Anonymous"),
}
RECOMMENDED_PRIVACY = N_("🔒 Confidential (recommended)")  # the confidential level's button


def privacy_label(privacy: str) -> str:
    return _(PRIVACY_LABELS[Privacy(privacy)])


def heading(step: Step, privacy: str | None) -> str:
    """ "Step 3 of 5 · Privacy: 🕶 Anonymous" (the privacy level stays in view once chosen)."""
    line = fmt(_("Step {number} of {total}"), number=NUMBER[step], total=STEPS)
    if privacy:
        line += " · " + fmt(_("Privacy: {tier}"), tier=privacy_label(privacy))
    return f"<i>{line}</i>\n"


def _nav_row(back: bool = True) -> list[InlineKeyboardButton]:
    row = []
    if back:
        row.append(
            InlineKeyboardButton(
                text=_(BACK), callback_data=ReportCb(action=WizardAction.BACK).pack()
            )
        )
    row.append(
        InlineKeyboardButton(
            text=_(CANCEL), callback_data=ReportCb(action=WizardAction.CANCEL).pack()
        )
    )
    return row


def choices(
    items: Sequence[Named],
    action: WizardAction,
    network: Network,
    language: str,
    suggested: str | None = None,
    back: bool = True,
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for item in sorted(items, key=lambda item: item.code != suggested):
        mark = "📍 " if item.code == suggested else ""
        builder.button(
            text=mark + item.name(language, network.default_language),
            callback_data=ReportCb(action=action, value=item.code),
        )
    builder.adjust(2)
    builder.row(*_nav_row(back))
    return builder.as_markup()


def privacy() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for tier, label in PRIVACY_LABELS.items():
        if tier is Privacy.CONFIDENTIAL:
            label = RECOMMENDED_PRIVACY
        builder.button(
            text=_(label), callback_data=ReportCb(action=WizardAction.PRIVACY, value=tier.value)
        )
    builder.adjust(1)
    builder.row(*_nav_row())
    return builder.as_markup()


def precision() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("About 500 m (recommended)"),
        callback_data=ReportCb(action=WizardAction.PRECISION, value="rounded"),
    )
    builder.button(
        text=_("The exact point"),
        callback_data=ReportCb(action=WizardAction.PRECISION, value="exact"),
    )
    builder.adjust(1)
    return builder.as_markup()


def location_keyboard() -> ReplyKeyboardMarkup:
    builder = ReplyKeyboardBuilder()
    builder.row(KeyboardButton(text=_(SHARE_LOCATION), request_location=True))
    builder.row(
        KeyboardButton(text=_(SKIP)), KeyboardButton(text=_(BACK)), KeyboardButton(text=_(CANCEL))
    )
    return builder.as_markup(resize_keyboard=True)


def description_keyboard() -> ReplyKeyboardMarkup:
    builder = ReplyKeyboardBuilder()
    builder.row(KeyboardButton(text=_(SEND_REPORT)))
    builder.row(KeyboardButton(text=_(BACK)), KeyboardButton(text=_(CANCEL)))
    return builder.as_markup(resize_keyboard=True)


def summary_keyboard() -> InlineKeyboardMarkup:
    """*Send* across the whole width, *Edit* and *Cancel* below it."""
    builder = InlineKeyboardBuilder()
    builder.button(text=_(SEND_REPORT), callback_data=ReportCb(action=WizardAction.SEND))
    builder.button(text=_("✏️ Edit"), callback_data=ReportCb(action=WizardAction.EDIT))
    builder.button(text=_(CANCEL), callback_data=ReportCb(action=WizardAction.CANCEL))
    builder.adjust(1, 2)
    return builder.as_markup()


def edit_keyboard() -> InlineKeyboardMarkup:
    labels = {
        Step.CATEGORY: _("Category"),
        Step.PRIVACY: _("Privacy"),
        Step.LOCATION: _("Location"),
        Step.AREA: _("Area"),
        Step.DESCRIPTION: _("Description"),
    }
    builder = InlineKeyboardBuilder()
    for step, label in labels.items():
        builder.button(text=label, callback_data=ReportCb(action=WizardAction.EDIT, value=step))
    builder.adjust(2)
    return builder.as_markup()


def summary(
    category: str,
    area: str,
    privacy_tier: str,
    location: str,
    texts: int,
    attachments: int,
) -> str:
    return "\n".join(
        [
            _("<b>Your report, before it is sent</b>"),
            fmt(_("Category: {name}"), name=category),
            fmt(_("Area: {name}"), name=area),
            fmt(_("Privacy: {tier}"), tier=privacy_label(privacy_tier)),
            fmt(_("Location: {place}"), place=location),
            fmt(n_("{count} message", "{count} messages", texts), count=texts)
            + " · "
            + fmt(n_("{count} attachment", "{count} attachments", attachments), count=attachments),
            "",
            _("Send it, or change something first."),
        ]
    )
