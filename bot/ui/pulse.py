"""The trust pulse as a resident sees it: one question with buttons 1 to 5, in their language,
saying that the answer is counted for their area without their name."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.methods import SendMessage
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.kinds import PulseQuestion
from bot.ui.fields import Score
from bot.ui.i18n import _
from bot.ui.texts import fmt

SCORES = range(1, 6)


class PulseCb(CallbackData, prefix="pulse"):
    question: PulseQuestion
    score: Score


def question_text(question: PulseQuestion, area: str | None) -> str:
    """The question, naming the area when the resident follows one."""
    if question is PulseQuestion.SAFETY:
        asked = (
            fmt(_("How safe do you feel in your neighbourhood ({area})?"), area=area)
            if area
            else _("How safe do you feel in your neighbourhood?")
        )
        scale = _("1 = not safe at all, 5 = completely safe")
    else:
        asked = _("How much do you trust the local police?")
        scale = _("1 = not at all, 5 = completely")
    return "\n".join(
        [
            f"<b>{asked}</b>",
            scale,
            "",
            _(
                "Your answer is only counted, together with your neighbours' answers, without "
                "your name. You can stop these questions in /alerts."
            ),
        ]
    )


def answers(question: PulseQuestion) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for score in SCORES:
        builder.button(text=str(score), callback_data=PulseCb(question=question, score=score))
    builder.adjust(len(SCORES))
    return builder.as_markup()


def question_message(chat_id: int, question: PulseQuestion, area: str | None) -> SendMessage:
    return SendMessage(
        chat_id=chat_id, text=question_text(question, area), reply_markup=answers(question)
    )


def pulse_toggle(on: bool) -> str:
    """The button in /alerts, with the same 🔔/🔕 marks as the areas."""
    return ("🔔 " if on else "🔕 ") + _("Monthly question")


def pulse_explained() -> str:
    return _(
        "At most once a month you will get one short question: how safe you feel, or how much "
        "you trust the police. Answers are counted per area, never with your name."
    )


def thanks() -> str:
    return _("Thank you. Your answer was counted without your name.")


def already_answered() -> str:
    return _("This question has been answered already, or it is no longer open.")
