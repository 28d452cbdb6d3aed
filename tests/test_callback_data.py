"""Buttons already in chats keep working: the callback data a question's buttons carry stays
what earlier versions sent."""

from __future__ import annotations

import pytest

from bot.ui.desk_keyboards import BanCb, TakeOverCb
from bot.ui.keyboards import CaseQuestionCb, SolvedSureCb


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
