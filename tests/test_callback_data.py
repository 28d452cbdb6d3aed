"""Buttons already in chats keep working: the callback data a question's buttons carry stays
what earlier versions sent."""

from __future__ import annotations

import pytest
from aiogram.utils.i18n import I18n

from bot.kinds import AlertFeedback, CasePriority
from bot.ui.alerts import alert_buttons
from bot.ui.announcing import AnnounceStep, PickCb, priority
from bot.ui.desk_keyboards import BanCb, TakeOverCb
from bot.ui.keyboards import AlertCb, CaseQuestionCb, SolvedSureCb


@pytest.mark.parametrize(
    ("question", "prefix"),
    [(TakeOverCb, "takeover"), (BanCb, "ban"), (SolvedSureCb, "solvedsure")],
)
def test_a_case_question_reads_the_buttons_earlier_versions_sent(
    question: type[CaseQuestionCb], prefix: str
) -> None:
    assert question(case_id=42, yes=True).pack() == f"{prefix}:42:1"
    assert question.unpack(f"{prefix}:42:0") == question(case_id=42, yes=False)
    assert (
        question.buttons(42, "Yes", "No").inline_keyboard[0][1].callback_data == f"{prefix}:42:0"
    )


def test_alert_buttons_carry_the_actions_earlier_versions_sent(i18n: I18n) -> None:
    with i18n.context():
        keyboard = alert_buttons(42)
    sent = [b.callback_data for row in keyboard.inline_keyboard for b in row]
    assert sent == ["alert:42:info", "alert:42:useful", "alert:42:not_useful"]
    assert AlertCb.unpack("alert:42:not_useful").action is AlertFeedback.NOT_USEFUL


def test_the_announce_priority_buttons_carry_the_values_earlier_versions_sent(
    i18n: I18n,
) -> None:
    with i18n.context():
        keyboard = priority()
    sent = [b.callback_data for row in keyboard.inline_keyboard for b in row]
    assert sent == ["ann:priority:normal:0", "ann:priority:urgent:0"]
    pressed = PickCb.unpack("ann:priority:urgent:0")
    assert pressed.step is AnnounceStep.PRIORITY and pressed.value == CasePriority.URGENT
