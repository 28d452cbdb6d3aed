"""When an announcement goes out: once, or on a standard five-field crontab line read in the
network's time zone; and the words coordinators type to say so ("now", "daily 18:00", …, and
the last day of a recurring one)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

ONCE = "once"
DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # crontab numbers 0-6 (7 = sun)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A recurring alert must not fire more often than this (a mistaken `* * * * *` would send an
# alert to every resident every minute).
MIN_INTERVAL = timedelta(hours=1)
TONIGHT = time(18, 0)
LAST_MINUTE = time(23, 59)  # a recurring alert runs to the end of the last day it was given


class ScheduleProblem(StrEnum):
    UNREADABLE = "unreadable"
    PASSED = "passed"
    TOO_OFTEN = "too_often"
    NOT_A_DAY = "not_a_day"  # the last day of a recurring alert is not a date
    ENDS_TOO_EARLY = "ends_too_early"  # the last day is not after the first sending


class ScheduleError(ValueError):
    """The schedule cannot be used: `problem` says why (the UI translates it)."""

    def __init__(self, detail: str, problem: ScheduleProblem = ScheduleProblem.UNREADABLE) -> None:
        super().__init__(detail)
        self.problem = problem


@dataclass(frozen=True)
class Schedule:
    """The first sending and how it repeats (`ONCE` or a crontab line)."""

    first: datetime
    repeat: str = ONCE
    until: datetime | None = None  # the end of a recurring alert (required for one)

    @property
    def recurring(self) -> bool:
        return self.repeat != ONCE


def _day_number(token: str) -> int:
    """A day of the week as crontab numbers it, 0-7 (Sunday is 0 and 7), kept as written so
    that a range "7-7" is Sunday alone."""
    name = token.strip().lower()[:3]
    if name in DAY_NAMES:
        return DAY_NAMES.index(name)
    number = int(token)
    if not 0 <= number <= 7:
        msg = f"day of week {token!r} is not 0-7 or a day name"
        raise ScheduleError(msg)
    return number


def crontab_days(field: str) -> str:
    """A crontab day-of-week field (Sunday = 0 or 7; lists, ranges, steps, names) as the list
    of day names APScheduler reads the same way.

    APScheduler 3 counts Monday as 0 and steps from Monday, so "1" would mean Tuesday and
    "*/2" Monday-Wednesday-…; each field is expanded to the days it names instead.
    """
    days: set[int] = set()
    for item in field.split(","):
        body, _, step_text = item.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            msg = f"step {step_text!r} must be at least 1"
            raise ScheduleError(msg)
        if body == "*":
            first, last = 0, 6
        elif "-" in body:
            start, _, end = body.partition("-")
            first, last = _day_number(start), _day_number(end)
            if last == 0 < first:  # "fri-sun" runs to the end of the week, as "5-7" does
                last = 7
        else:
            first = last = _day_number(body)
            if step_text:  # "1/2" is "1-7/2", as cronie reads it: Mon, Wed, Fri and Sun
                last = 7
        if last < first:
            msg = f"day range {body!r} runs backwards"
            raise ScheduleError(msg)
        days |= {day % 7 for day in range(first, last + 1, step)}
    if days == set(range(7)):
        return "*"
    return ",".join(DAY_NAMES[day] for day in sorted(days))


def cron_trigger(expression: str, zone: ZoneInfo) -> BaseTrigger:
    """A standard five-field crontab line as an APScheduler trigger in `zone`.

    When both the day of the month and the day of the week are restricted, crontab fires on a
    day that matches EITHER of them ("0 9 13 * 5": the 13th, and every Friday), while one
    CronTrigger needs both; such a line becomes one trigger per day field, whichever fires
    first. As in Vixie cron and cronie, a day field starting with "*" is not a restriction.
    """
    fields = expression.split()
    if len(fields) != 5:
        msg = f"a cron expression has five fields, not {len(fields)}"
        raise ScheduleError(msg)
    minute, hour, day, month, day_of_week = fields
    try:
        days = crontab_days(day_of_week)
        if day.startswith("*") or day_of_week.startswith("*"):
            return CronTrigger(
                minute=minute, hour=hour, day=day, month=month, day_of_week=days, timezone=zone
            )
        return OrTrigger(
            [
                CronTrigger(minute=minute, hour=hour, day=day, month=month, timezone=zone),
                CronTrigger(
                    minute=minute, hour=hour, month=month, day_of_week=days, timezone=zone
                ),
            ]
        )
    except ValueError as exc:
        raise ScheduleError(str(exc)) from exc


def next_fire(repeat: str, after: datetime, zone: ZoneInfo) -> datetime | None:
    """The next time a recurring schedule fires after `after` (None for once)."""
    if repeat == ONCE:
        return None
    fire: datetime | None = cron_trigger(repeat, zone).get_next_fire_time(
        None, after + timedelta(seconds=1)
    )
    return fire


def too_frequent(repeat: str, start: datetime, zone: ZoneInfo) -> bool:
    """Whether the crontab line fires twice within MIN_INTERVAL (checked over a week)."""
    moment = next_fire(repeat, start, zone)
    for _ in range(24 * 7):
        if moment is None:
            return False
        following = next_fire(repeat, moment, zone)
        if following is not None and following - moment < MIN_INTERVAL:
            return True
        moment = following
    return False


def _on_day(words: list[str], now: datetime, zone: ZoneInfo) -> list[str]:
    """ "today 18:00", "tomorrow 09:00" and "tonight" as the date and time they mean."""
    today = now.astimezone(zone).date()
    if words == ["tonight"]:
        return [today.isoformat(), TONIGHT.isoformat("minutes")]
    if words[:1] in (["today"], ["tonight"], ["tomorrow"]) and len(words) == 2:
        day = today + timedelta(days=1) if words[0] == "tomorrow" else today
        return [day.isoformat(), words[1]]
    return words


def parse(text: str, now: datetime, zone: ZoneInfo) -> Schedule:
    """ "now", "2026-12-01 18:00", "today 18:00", "tomorrow 09:00", "tonight" (at 18:00),
    "daily 18:00", "weekly mon 09:00" or "cron 0 9 * * 1", in English words (the UI
    translates the coordinator's own)."""
    words = _on_day(text.strip().lower().split(), now, zone)
    if words == ["now"]:
        return Schedule(now)
    try:
        if len(words) == 2 and words[0] not in ("daily", "cron"):
            moment = datetime.fromisoformat(" ".join(words)).replace(tzinfo=zone)
            if moment <= now:
                msg = "that moment has passed"
                raise ScheduleError(msg, ScheduleProblem.PASSED)
            return Schedule(moment)
        if words[:1] == ["daily"] and len(words) == 2:
            at = time.fromisoformat(words[1])
            expression = f"{at.minute} {at.hour} * * *"
        elif words[:1] == ["weekly"] and len(words) == 3 and words[1][:3] in WEEKDAYS:
            at = time.fromisoformat(words[2])
            expression = f"{at.minute} {at.hour} * * {words[1][:3]}"
        elif words[:1] == ["cron"] and len(words) == 6:
            expression = " ".join(words[1:])
        else:
            msg = f"not a schedule: {text!r}"
            raise ScheduleError(msg)
    except ScheduleError:
        raise
    except ValueError as exc:
        raise ScheduleError(str(exc)) from exc
    first = cron_trigger(expression, zone).get_next_fire_time(None, now)
    if first is None:
        msg = "that schedule never fires"
        raise ScheduleError(msg)
    if too_frequent(expression, now, zone):
        msg = "a recurring alert may fire at most once an hour"
        raise ScheduleError(msg, ScheduleProblem.TOO_OFTEN)
    return Schedule(first, expression)


def last_day(text: str, first: datetime, zone: ZoneInfo) -> datetime:
    """The end of a recurring alert from the last day the coordinator sent ("2026-12-31"):
    the end of that day in `zone`, which must come after the `first` sending."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError as exc:
        raise ScheduleError(str(exc), ScheduleProblem.NOT_A_DAY) from exc
    until = datetime.combine(day, LAST_MINUTE, zone)
    if until <= first:
        msg = "the last day must come after the first sending"
        raise ScheduleError(msg, ScheduleProblem.ENDS_TOO_EARLY)
    return until
