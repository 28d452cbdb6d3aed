"""Periods for the figures: whole local days in the network's time zone, read from what a
coordinator or a desk types after /stats (nothing, a month, or a range of days)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

DEFAULT_WEEKS = 4
MAX_PERIOD_DAYS = 366
WEEKLY_UP_TO_DAYS = 92  # longer periods are charted per month, so bars stay readable


class PeriodProblem(StrEnum):
    UNREADABLE = "unreadable"
    REVERSED = "reversed"
    TOO_LONG = "too_long"


class PeriodError(ValueError):
    """The text does not name a usable period; `problem` says why (the UI translates it)."""

    def __init__(self, problem: PeriodProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True)
class Period:
    """Whole local days from `first_day` to `last_day` (inclusive) in `zone`."""

    first_day: date
    last_day: date
    zone: ZoneInfo
    is_month: bool = False

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(0), self.zone).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """The first moment after the period."""
        following = self.last_day + timedelta(days=1)
        return datetime.combine(following, time(0), self.zone).astimezone(UTC)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def argument(self) -> str:
        """The text `parse_period` turns back into this period (for buttons and the CLI)."""
        if self.is_month:
            return f"{self.first_day:%Y-%m}"
        return f"{self.first_day.isoformat()} {self.last_day.isoformat()}"

    @property
    def monthly_buckets(self) -> bool:
        return self.days > WEEKLY_UP_TO_DAYS

    def buckets(self) -> list[tuple[date, date]]:
        """The bars of the cases chart: 7-day slices from the first day (the last may be
        shorter), or calendar months when the period is longer than about a quarter."""
        found: list[tuple[date, date]] = []
        day = self.first_day
        while day <= self.last_day:
            if not self.monthly_buckets:
                last = day + timedelta(days=6)
            else:
                following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
                last = following - timedelta(days=1)
            last = min(last, self.last_day)
            found.append((day, last))
            day = last + timedelta(days=1)
        return found


def month_period(year: int, month: int, zone: ZoneInfo) -> Period:
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return Period(first, following - timedelta(days=1), zone, is_month=True)


def last_weeks(now: datetime, zone: ZoneInfo, weeks: int = DEFAULT_WEEKS) -> Period:
    """The `weeks` × 7 local days ending today (today included)."""
    today = now.astimezone(zone).date()
    return Period(today - timedelta(days=7 * weeks - 1), today, zone)


def common_periods(now: datetime, zone: ZoneInfo) -> list[Period]:
    """The periods a keyboard offers: the last 4 weeks, this month so far, last month."""
    today = now.astimezone(zone).date()
    previous = today.replace(day=1) - timedelta(days=1)
    return [
        last_weeks(now, zone),
        month_period(today.year, today.month, zone),
        month_period(previous.year, previous.month, zone),
    ]


MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_period(text: str, now: datetime, zone: ZoneInfo) -> Period:
    """`""` → the last 4 weeks; `2026-11` → that month; `2026-11-01 2026-11-30` → those days
    (both included); a single date is that one day."""
    parts = text.split()
    if not parts:
        return last_weeks(now, zone)
    if len(parts) > 2:
        raise PeriodError(PeriodProblem.UNREADABLE)
    try:
        if len(parts) == 1 and (month := MONTH.match(parts[0])):
            return month_period(int(month.group(1)), int(month.group(2)), zone)
        first, last = date.fromisoformat(parts[0]), date.fromisoformat(parts[-1])
    except ValueError as exc:  # a month 13, a 31 April, or no date at all
        raise PeriodError(PeriodProblem.UNREADABLE) from exc
    if last < first:
        raise PeriodError(PeriodProblem.REVERSED)
    period = Period(first, last, zone)
    if period.days > MAX_PERIOD_DAYS:
        raise PeriodError(PeriodProblem.TOO_LONG)
    return period
