"""Desk duty hours: a weekly schedule in the network's time zone, with holidays off."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Span = Annotated[str, Field(pattern=r"^\d{2}:\d{2}-\d{2}:\d{2}$")]
SPAN = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
LOOKAHEAD_DAYS = 21


class DutyHours(BaseModel):
    """`weekly = { mon = ["08:00-12:00", "13:00-17:00"], … }`; days left out are off duty."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weekly: dict[Weekday, tuple[Span, ...]] = Field(default_factory=dict)
    holidays: tuple[date, ...] = ()

    @field_validator("weekly")
    @classmethod
    def _valid_spans(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for day, spans in value.items():
            for span in spans:
                start, end = _parse(span)
                if not start < end:
                    msg = f"{day}: {span!r} must start before it ends (use 24:00 for midnight)"
                    raise ValueError(msg)
        return value

    def spans_on(self, day: date) -> list[tuple[time, time | None]]:
        """The day's duty spans as local times (None as the end means midnight)."""
        if day in self.holidays:
            return []
        spans = self.weekly.get(WEEKDAYS[day.weekday()], ())
        return [_as_times(span) for span in spans]

    def on_duty(self, moment: datetime, zone: ZoneInfo) -> bool:
        local = moment.astimezone(zone)
        now = local.time()
        return any(
            start <= now and (end is None or now < end)
            for start, end in self.spans_on(local.date())
        )

    def next_start(self, moment: datetime, zone: ZoneInfo) -> datetime | None:
        """When the desk is next on duty after `moment` (aware, in `zone`); None if never."""
        local = moment.astimezone(zone)
        for offset in range(LOOKAHEAD_DAYS):
            day = local.date() + timedelta(days=offset)
            for start, _end in sorted(self.spans_on(day)):
                candidate = datetime.combine(day, start, tzinfo=zone)
                if candidate > local:
                    return candidate
        return None


def _parse(span: str) -> tuple[int, int]:
    match = SPAN.match(span)
    if match is None:
        msg = f"{span!r} is not HH:MM-HH:MM"
        raise ValueError(msg)
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
        msg = f"{span!r} is not a valid time span"
        raise ValueError(msg)
    return h1 * 60 + m1, h2 * 60 + m2


def span_times(span: str) -> tuple[time, time | None]:
    """ "08:00-17:00" as local times (None as the end means midnight); ValueError if invalid."""
    return _as_times(span)


def _as_times(span: str) -> tuple[time, time | None]:
    start, end = _parse(span)
    return time(start // 60, start % 60), None if end == 24 * 60 else time(end // 60, end % 60)
