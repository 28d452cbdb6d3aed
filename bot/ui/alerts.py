"""An alert as a resident sees it: heading, text, photo and buttons, in their language. The
coordinators' preview uses the very same message."""

from __future__ import annotations

from typing import Any

from aiogram.methods import SendMessage, SendPhoto, TelegramMethod
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.kinds import AlertFeedback
from bot.ui.i18n import _
from bot.ui.keyboards import AlertCb
from bot.ui.long_text import TELEGRAM_CAPTION_LIMIT, shown_length
from bot.ui.texts import quote

PREVIEW = 0  # the delivery id the buttons of a preview carry: they open nothing


def alert_text(urgent: bool, text: str) -> str:
    """The alert's words, in the current language."""
    heading = _("🔴 Urgent alert") if urgent else _("📢 Alert")
    return f"<b>{heading}</b>\n\n{quote(text)}"


def alert_buttons(delivery_id: int) -> InlineKeyboardMarkup:
    """One button above two. Built directly: a keyboard builder deep-copies its buttons, which
    was a noticeable share of the CPU an alert costs."""

    def button(text: str, action: AlertFeedback) -> InlineKeyboardButton:
        data = AlertCb(delivery_id=delivery_id, action=action).pack()
        return InlineKeyboardButton(text=text, callback_data=data)

    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(_("ℹ️ I have information"), AlertFeedback.INFO)],
            [
                button(_("👍 Useful"), AlertFeedback.USEFUL),
                button(_("👎 Not useful"), AlertFeedback.NOT_USEFUL),
            ],
        ]
    )


def alert_message(
    chat_id: int, urgent: bool, text: str, photo: str | None, delivery_id: int
) -> TelegramMethod[Any]:
    """The alert as one Bot API call: a photo with the words as caption, or the words alone."""
    words = alert_text(urgent, text)
    buttons = alert_buttons(delivery_id)
    if photo and shown_length(words) <= TELEGRAM_CAPTION_LIMIT:
        return SendPhoto(chat_id=chat_id, photo=photo, caption=words, reply_markup=buttons)
    return SendMessage(chat_id=chat_id, text=words, reply_markup=buttons)
