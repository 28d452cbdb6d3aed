"""The network's names and locale-aware numbers, dates and durations in the reader's language."""

from __future__ import annotations

from datetime import date, datetime

from aiogram.utils.i18n import I18n
from babel import Locale, UnknownLocaleError
from babel.dates import format_interval, format_skeleton
from babel.numbers import format_decimal, format_percent

from bot.domain.stats import AlertRow, DeskRow, Period, Scope
from bot.network.schema import Network
from bot.ui.dates import babel_locale, short_day_and_time
from bot.ui.i18n import LANGUAGE_NAMES, _


class Names:
    """The network's names and locale-aware numbers and dates in one language."""

    def __init__(self, network: Network, language: str) -> None:
        self.network = network
        self.language = language
        try:
            self.locale = Locale.parse(babel_locale(language))
        except (UnknownLocaleError, ValueError):
            self.locale = Locale.parse("en")

    def category(self, code: str) -> str:
        found = self.network.category(code)
        return found.name(self.language, self.network.default_language) if found else code

    def area(self, code: str) -> str:
        found = self.network.area(code)
        return found.name(self.language, self.network.default_language) if found else code

    def desk(self, code: str) -> str:
        found = self.network.desks_by_code().get(code)
        return found.name(self.language, self.network.default_language) if found else code

    def language_name(self, code: str) -> str:
        if code == "other":
            return _("other languages")
        return LANGUAGE_NAMES.get(code, code)

    def privacy(self, code: str) -> str:
        names = {
            "anonymous": _("anonymous"),
            "confidential": _("confidential"),
            "identified": _("identified"),
        }
        return names.get(code, code)

    def question(self, code: str) -> str:
        """A trust-pulse question, as a short heading."""
        names = {"safety": _("Feeling safe"), "police": _("Trust in the police")}
        return names.get(code, code)

    def month(self, first_day: date) -> str:
        return format_skeleton("yMMM", first_day, locale=self.locale)

    def scope(self, scope: Scope) -> str:
        return _("All desks") if scope.desk is None else self.desk(scope.desk)

    def period(self, period: Period) -> str:
        if period.is_month:
            return format_skeleton("yMMMM", period.first_day, locale=self.locale)
        if period.first_day == period.last_day:
            return format_skeleton("yMMMd", period.first_day, locale=self.locale)
        return format_interval(period.first_day, period.last_day, "yMMMd", locale=self.locale)

    def day(self, day: date) -> str:
        return format_skeleton("MMMd", day, locale=self.locale)

    def bucket(self, first: date, last: date, monthly: bool) -> str:
        if monthly:
            return format_skeleton("yMMM", first, locale=self.locale)
        if first == last:
            return self.day(first)
        return format_interval(first, last, "MMMd", locale=self.locale)

    def alert(self, alert: AlertRow) -> str:
        """e.g. "#12 · Nov 3": the announcement's number and the day it went out."""
        day = alert.started_at.astimezone(self.network.zone).date()
        return f"#{alert.announcement_id} · {self.day(day)}"

    def target_share(self, row: DeskRow) -> str:
        """The share answered in time, or why there is none."""
        desk = self.network.desks_by_code().get(row.desk)
        if desk is None or desk.response_minutes is None:
            return _("no target")
        return self.percent(row.target.share)

    def moment(self, moment: datetime) -> str:
        return short_day_and_time(moment, self.network.zone, str(self.locale))

    def number(self, value: float) -> str:
        return format_decimal(value, format="#,##0.#", locale=self.locale)

    def percent(self, share: float | None) -> str:
        if share is None:
            return "–"
        return format_percent(share, format="#,##0.#%", locale=self.locale)

    def duration(self, minutes: float | None) -> str:
        if minutes is None:
            return "–"
        if minutes < 60:
            return _("{minutes} min").format(minutes=self.number(round(minutes)))
        if minutes < 48 * 60:
            return _("{hours} h").format(hours=self.number(minutes / 60))
        return _("{days} d").format(days=self.number(minutes / 1440))

    def reply_bin(self, low: float, high: float | None) -> str:
        if high is None:
            return _("over {time}").format(time=self.duration(low))
        if low == 0:
            return _("up to {time}").format(time=self.duration(high))
        return f"{self.duration(low)} – {self.duration(high)}"


def choose_language(i18n: I18n, network: Network, wanted: str | None) -> str:
    """`wanted` if there is a catalog for it, else the network's language, else English."""
    for language in (wanted, network.default_language):
        if language and language in i18n.available_locales:
            return language
    return i18n.default_locale
