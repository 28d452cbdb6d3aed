"""Buttons staff press in a case topic: taking a case over, choosing the desk or partner for
/transfer and /refer typed without one, and confirming /ban."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.network.desks import Desk
from bot.ui.fields import RowId
from bot.ui.i18n import _
from bot.ui.keyboards import CaseQuestionCb


class TakeOverCb(CaseQuestionCb, prefix="takeover"):
    """The answer to "… is handling this case. Take it over?" (/take on a colleague's case)."""


class Move(StrEnum):
    TRANSFER = "transfer"
    REFER = "refer"


class MoveCb(CallbackData, prefix="move"):
    """/transfer or /refer to the desk pressed."""

    case_id: RowId
    move: Move
    desk: str


class BanCb(CaseQuestionCb, prefix="ban"):
    """The answer to "Ban the person behind …?" (/ban)."""


def take_over(case_id: int) -> InlineKeyboardMarkup:
    return TakeOverCb.buttons(case_id, _("Yes, take over"), _("No"))


def desks(
    case_id: int, move: Move, choices: Sequence[Desk], language: str
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for desk in choices:
        builder.button(
            text=desk.name(language, language),
            callback_data=MoveCb(case_id=case_id, move=move, desk=desk.code),
        )
    builder.adjust(1)
    return builder.as_markup()


def ban_confirm(case_id: int) -> InlineKeyboardMarkup:
    return BanCb.buttons(case_id, _("Yes, ban"), _("No"))
