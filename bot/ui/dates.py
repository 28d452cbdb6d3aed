"""Days and times as each interface language writes them: Babel's (CLDR's) per-locale formats
and skeletons, never a pattern of our own, so German gets "7. Mai", Spanish "7 de mayo" and
Arabic its own comma."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton, format_time, get_datetime_format

# The interface's English and Portuguese are Europe's: Babel's bare "en" and "pt" are the US's
# and Brazil's (12-hour clock, month first). Brazilian Portuguese has its own catalog, "pt_BR".
BABEL_LOCALES = {"en": "en_GB", "pt": "pt_PT"}


def babel_locale(language: str) -> str:
    """The Babel locale for an interface language ("en" → "en_GB", "pt_BR" stays)."""
    return BABEL_LOCALES.get(language, language)


def _join(day: str, clock: str, locale: str) -> str:
    """A day and a time joined the locale's way ("{1}, {0}", Arabic "{1}، {0}", …)."""
    pattern = str(get_datetime_format("medium", locale=locale))
    return pattern.replace("{1}", day).replace("{0}", clock)


def day_and_time(moment: datetime, zone: ZoneInfo, language: str) -> str:
    """The full day and the time, for residents and announcements:
    "Thursday, 7 May 2026, 10:30", "Donnerstag, 7. Mai 2026, 10:30", …"""
    local = moment.astimezone(zone)
    locale = babel_locale(language)
    day = format_date(local, "full", locale=locale)
    return _join(day, format_time(local, "short", locale=locale), locale)


def short_day_and_time(moment: datetime, zone: ZoneInfo, language: str) -> str:
    """A compact day and time for staff lists and audit trails, with the month in letters so
    it cannot be misread: "7 May 2026, 10:30", "7. Mai 2026, 10:30", …"""
    local = moment.astimezone(zone)
    locale = babel_locale(language)
    day = format_skeleton("yMMMd", local, locale=locale)
    return _join(day, format_time(local, "short", locale=locale), locale)


def time_of_day(moment: datetime, zone: ZoneInfo, language: str) -> str:
    """The time alone, as the locale writes it ("10:30")."""
    # Every follow-up is headed with its time: Babel is asked once per minute, not per message
    # (a short time has no seconds in any locale).
    return _minute(moment.replace(second=0, microsecond=0), zone, language)


@lru_cache(maxsize=256)
def _minute(moment: datetime, zone: ZoneInfo, language: str) -> str:
    return format_time(moment.astimezone(zone), "short", locale=babel_locale(language))


def short_day(day: date, language: str) -> str:
    """A day of this year in few letters, for buttons: "7 May", "7. Mai", "7 de mai."."""
    return format_skeleton("MMMd", day, locale=babel_locale(language))
