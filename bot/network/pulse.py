"""The trust pulse settings of the network file (see bot.domain.pulse)."""

from __future__ import annotations

from pydantic import field_validator

from bot.kinds import PulseQuestion
from bot.network.base import Strict
from bot.network.duty import Span, span_times


class Pulse(Strict):
    """The trust pulse: residents who opted in get one short question at most every
    `every_days` days, only within `hours` (local time) and never in their quiet hours."""

    every_days: int = 30
    hours: Span = "10:00-19:00"
    questions: tuple[PulseQuestion, ...] = (PulseQuestion.SAFETY, PulseQuestion.POLICE)

    @field_validator("every_days")
    @classmethod
    def _at_most_monthly(cls, value: int) -> int:
        if not 28 <= value <= 366:
            msg = "must be 28 to 366: residents are asked at most once a month"
            raise ValueError(msg)
        return value

    @field_validator("hours")
    @classmethod
    def _real_span(cls, value: str) -> str:
        start, end = span_times(value)
        if end is not None and not start < end:
            msg = f"{value!r} must start before it ends (use 24:00 for midnight)"
            raise ValueError(msg)
        return value

    @field_validator("questions")
    @classmethod
    def _some_questions(cls, value: tuple[PulseQuestion, ...]) -> tuple[PulseQuestion, ...]:
        if not value:
            msg = "needs at least one question (safety, police)"
            raise ValueError(msg)
        if len(set(value)) != len(value):
            msg = "a question is listed twice"
            raise ValueError(msg)
        return value
