"""What coordinators see while composing an announcement: the steps' buttons, the summary
before scheduling, and the words a time may be typed with in the network's language."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel.dates import format_time, get_day_names
from babel.lists import format_list

from bot.domain.alerts.schedule import WEEKDAYS, ScheduleError, crontab_days
from bot.kinds import CasePriority
from bot.network.base import Named
from bot.network.schema import Network
from bot.ui.dates import babel_locale
from bot.ui.fields import RowIdOrNone
from bot.ui.i18n import N_, _, n_
from bot.ui.texts import fmt, local_datetime


class AnnounceStep(StrEnum):
    AREAS = "areas"
    TOPICS = "topics"
    PRIORITY = "priority"
    WHEN = "when"
    UNTIL = "until"
    CONFIRM = "confirm"
    CANCEL = "cancel"  # /cancel_announcement's question
    APPROVE = "approve"  # a second coordinator's answer to an urgent alert to many


class Pick(StrEnum):
    """Values that are not an area or topic code (codes are lower-case letters and digits)."""

    ALL = "*"
    NEXT = ">"
    YES = "yes"
    NO = "no"


class PickCb(CallbackData, prefix="ann"):
    step: AnnounceStep
    value: str
    number: RowIdOrNone = 0  # the announcement a question is about (cancelling)


# Words a coordinator may type for the time, translated into the network's language.
TIME_WORDS = {
    "now": N_("now"),
    "today": N_("today"),
    "tonight": N_("tonight"),
    "tomorrow": N_("tomorrow"),
    "daily": N_("daily"),
    "weekly": N_("weekly"),
    "until": N_("until"),
}
QUICK_TIMES = ("now", "tonight", "tomorrow")
QUICK_ENDS = ("4w", "3m")


def toggles(
    items: Sequence[Named], chosen: Sequence[str], step: AnnounceStep, language: str
) -> InlineKeyboardMarkup:
    """Tick boxes, then *All* and *Next ▶* side by side (Next only says why while none is on)."""
    builder = InlineKeyboardBuilder()
    for item in items:
        mark = "✅" if item.code in chosen else "⬜"
        builder.button(
            text=f"{mark} {item.name(language, language)}",
            callback_data=PickCb(step=step, value=item.code),
        )
    builder.adjust(2)
    next_label = _("Next ▶") if chosen else "· " + _("Next ▶") + " ·"
    builder.row(
        InlineKeyboardButton(
            text=_("All"), callback_data=PickCb(step=step, value=Pick.ALL).pack()
        ),
        InlineKeyboardButton(
            text=next_label, callback_data=PickCb(step=step, value=Pick.NEXT).pack()
        ),
    )
    return builder.as_markup()


def priority() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for label, value in (
        (_("Normal"), CasePriority.NORMAL),
        (_("🔴 Urgent"), CasePriority.URGENT),
    ):
        builder.button(text=label, callback_data=PickCb(step=AnnounceStep.PRIORITY, value=value))
    return builder.as_markup()


def quick_times() -> InlineKeyboardMarkup:
    """*Now* across the whole width, tonight and tomorrow morning side by side."""
    labels = {"now": _("Now"), "tonight": _("Tonight 18:00"), "tomorrow": _("Tomorrow 09:00")}
    builder = InlineKeyboardBuilder()
    for value in QUICK_TIMES:
        builder.button(
            text=labels[value], callback_data=PickCb(step=AnnounceStep.WHEN, value=value)
        )
    builder.adjust(1, 2)
    return builder.as_markup()


def quick_ends() -> InlineKeyboardMarkup:
    labels = {"4w": _("For 4 weeks"), "3m": _("For 3 months")}
    builder = InlineKeyboardBuilder()
    for value in QUICK_ENDS:
        builder.button(
            text=labels[value], callback_data=PickCb(step=AnnounceStep.UNTIL, value=value)
        )
    return builder.as_markup()


def yes_no(step: AnnounceStep, yes: str, no: str, number: int = 0) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=yes, callback_data=PickCb(step=step, value=Pick.YES, number=number))
    builder.button(text=no, callback_data=PickCb(step=step, value=Pick.NO, number=number))
    return builder.as_markup()


def names(items: Sequence[Named], chosen: Sequence[str], language: str) -> str:
    picked = [item.name(language, language) for item in items if item.code in chosen]
    return ", ".join(picked) if picked else _("all")


def when_text(
    first: datetime, repeat: str, until: datetime | None, network: Network, language: str
) -> str:
    """ "Thursday 5 March 2026, 10:30" — with how it repeats and until when, in words."""
    start = local_datetime(first, network, language)
    if repeat == "once":
        return start
    end = local_datetime(until, network, language) if until else "—"
    daily_or_weekly = repeat_in_words(repeat, language)
    if daily_or_weekly is None:
        return fmt(
            _("{start}, then again on the schedule “{schedule}” until {end}"),
            start=start,
            schedule=repeat,
            end=end,
        )
    clock, days = daily_or_weekly
    if days is None:
        return fmt(
            _("{start}, then every day at {time} until {end}"), start=start, time=clock, end=end
        )
    return fmt(
        _("{start}, then every week ({days}, {time}) until {end}"),
        start=start,
        days=days,
        time=clock,
        end=end,
    )


def repeat_in_words(repeat: str, language: str) -> tuple[str, str | None] | None:
    """A crontab line that fires at one time of day, every day or on some weekdays, as that
    time and the weekdays' names in `language` (None for every day); None for any other line,
    which is then shown as typed."""
    fields = repeat.split()
    if len(fields) != 5 or fields[2:4] != ["*", "*"]:
        return None
    minute, hour, _day, _month, weekdays = fields
    if not (minute.isdigit() and hour.isdigit() and int(minute) < 60 and int(hour) < 24):
        return None
    try:
        days = crontab_days(weekdays)
    except (ScheduleError, ValueError):
        return None
    locale = babel_locale(language)
    clock = format_time(time(int(hour), int(minute)), "short", locale=locale)
    if days == "*":
        return clock, None
    names = get_day_names("wide", locale=locale)
    listed = [names[WEEKDAYS.index(day)] for day in sorted(days.split(","), key=WEEKDAYS.index)]
    return clock, format_list(listed, locale=locale)


def summary(
    network: Network,
    areas: Sequence[str],
    topics: Sequence[str],
    urgent: bool,
    when: str,
    recipients: int,
    default_language_count: int,
) -> str:
    language = network.default_language
    lines = [
        _("<b>Summary</b>"),
        fmt(_("Areas: {names}"), names=names(network.areas, areas, language)),
    ]
    if network.topics:
        lines.append(fmt(_("Topics: {names}"), names=names(network.topics, topics, language)))
    lines += [
        _("Priority: 🔴 urgent (ignores quiet hours)") if urgent else _("Priority: normal"),
        fmt(_("When: {when}"), when=when),
        fmt(_("Recipients now: {count}"), count=recipients),
        fmt(
            _("Of whom in the default language (theirs has no text): {count}"),
            count=default_language_count,
        ),
    ]
    return "\n".join(lines)


def local_weekdays(language: str) -> dict[str, str]:
    """Weekday names in `language` (full and abbreviated, lower case) → "mon" … "sun"."""
    english = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    found: dict[str, str] = {}
    for width in ("wide", "abbreviated"):
        for number, name in get_day_names(width, locale=babel_locale(language)).items():
            found[name.lower().rstrip(".")] = english[number]
    return found


def translate_time_words(text: str, i18n: I18n, language: str) -> str:
    """The coordinator's words for a time in English, as the schedule parser reads them."""
    local = {
        i18n.gettext(msgid, locale=language).lower(): key for key, msgid in TIME_WORDS.items()
    }
    days = local_weekdays(language)
    words = text.strip().lower().split()
    return " ".join(local.get(word) or days.get(word.rstrip(".")) or word for word in words)


def sent_now(number: int) -> str:
    return fmt(_("Announcement #{number} is being sent now."), number=number)


def scheduled(number: int, when: str) -> str:
    return fmt(
        _(
            "Announcement #{number} is scheduled: {when}. /announcements lists it; "
            "/cancel_announcement {number} cancels it."
        ),
        number=number,
        when=when,
    )


def awaiting_approval(number: int, recipients: int) -> str:
    """Posted in the coordinators' group with *Approve* (anyone but the author) and *Reject*."""
    return fmt(
        n_(
            "🔐 Urgent announcement #{number} would go to {count} resident at once. A second "
            "coordinator must approve it before it is sent.",
            "🔐 Urgent announcement #{number} would go to {count} residents at once. A second "
            "coordinator must approve it before it is sent.",
            recipients,
        ),
        number=number,
        count=recipients,
    )


def approval_buttons(number: int) -> InlineKeyboardMarkup:
    return yes_no(AnnounceStep.APPROVE, _("✅ Approve"), _("✖ Reject"), number)


def confirm_buttons() -> InlineKeyboardMarkup:
    """Under the wizard's last preview."""
    return yes_no(AnnounceStep.CONFIRM, _("✅ Schedule it"), _("✖ Discard"))


def cancel_buttons(number: int) -> InlineKeyboardMarkup:
    """Under /cancel_announcement's question."""
    return yes_no(AnnounceStep.CANCEL, _("Yes, cancel it"), _("No"), number)
