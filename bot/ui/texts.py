"""Translated texts that several handlers share; every user-supplied value is HTML-escaped here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from aiogram.utils.i18n import I18n
from aiogram.utils.text_decorations import html_decoration

from bot.domain.stats import PeriodError, PeriodProblem
from bot.kinds import CaseStatus, Privacy
from bot.network.schema import Network
from bot.ui.dates import day_and_time, short_day_and_time
from bot.ui.i18n import LANGUAGE_NAMES, N_, _

if TYPE_CHECKING:  # cards and keyboards read cases, they never query them
    from storage.models import Case

quote = html_decoration.quote


def period_problem(error: PeriodError, examples: str) -> str:
    """Why a period argument was refused, followed by `examples` of the forms that work."""
    reasons = {
        PeriodProblem.UNREADABLE: _("I could not read that period."),
        PeriodProblem.REVERSED: _("The period ends before it starts."),
        PeriodProblem.TOO_LONG: _("A period can be at most one year."),
    }
    return f"{reasons[error.problem]} {examples}"


# Main-menu button labels, as msgids; recognised in every language (see handlers.filters).
MENU_REPORT = N_("📝 Report")
MENU_CASES = N_("📂 My cases")
MENU_LANGUAGE = N_("🌐 Language")
MENU_HELP = N_("❓ Help")
MENU_ALERTS = N_("🔔 Alerts")
MENU_LABELS = (MENU_REPORT, MENU_CASES, MENU_LANGUAGE, MENU_HELP, MENU_ALERTS)
# Reply-keyboard buttons inside the report wizard.
SEND_REPORT = N_("📨 Send report")
CANCEL = N_("✖ Cancel")
SKIP = N_("⏭ Skip")
SHARE_LOCATION = N_("📍 Share location")

# What residents and staff read for stored values (`named` translates them when shown).
STATUS_NAMES: dict[str, str] = {
    CaseStatus.NEW: N_("received, waiting for an officer"),
    CaseStatus.OPEN: N_("in progress"),
    CaseStatus.CLOSED: N_("closed"),
}
PRIVACY_NAMES: dict[str, str] = {
    Privacy.IDENTIFIED: N_("identified (name and Telegram account visible)"),
    Privacy.CONFIDENTIAL: N_("confidential (first name only)"),
    Privacy.ANONYMOUS: N_("anonymous (no personal data)"),
}
STAFF_RULE_NAMES = {
    "members": N_("every member"),
    "admins": N_("the group's administrators"),
    "ids": N_("the people listed in network.toml"),
}
ACTION_NAMES = {
    "take": N_("taken"),
    "note": N_("internal note"),
    "refer": N_("referral proposed"),
    "referral": N_("referral answered"),
    "close": N_("closed"),
    "reopen": N_("reopened"),
    "transfer": N_("transferred"),
    "ban": N_("ban made"),
    "unban": N_("ban lifted"),
    "erased": N_("the resident erased their data"),
    "pseudonymised": N_("the link to the resident removed (retention period)"),
}

STATUS_ICONS = {
    CaseStatus.NEW: "🆕",
    CaseStatus.OPEN: "🟢",
    CaseStatus.CLOSED: "✅",
}


# Right-to-left interface languages: values (references, numbers, names) are wrapped in
# Unicode first-strong isolates so "BL-26-00042" or "+31 6…" keep their order in Arabic text.
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur"})
ISOLATE_START, ISOLATE_END = "\u2068", "\u2069"


def isolate(text: str) -> str:
    """Isolate `text` when the current interface language is written right to left."""
    i18n = I18n.get_current(no_error=True)
    if i18n is not None and i18n.current_locale in RTL_LANGUAGES:
        return f"{ISOLATE_START}{text}{ISOLATE_END}"
    return text


def fmt(template: str, **values: object) -> str:
    """Fill a translated HTML template, escaping (and, in RTL languages, isolating) values."""
    return template.format(**{key: isolate(quote(str(value))) for key, value in values.items()})


def excerpt(text: str, limit: int) -> str:
    """The first line of `text`, cut to `limit` characters with "…" when it is longer."""
    line = text.strip().split("\n", 1)[0]
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def cannot_pass_on() -> str:
    """The reply to polls, dice, games and other kinds the relay cannot carry."""
    return _(
        "This kind of message cannot be passed on. Please send text, photos, videos, "
        "voice messages, files or a location."
    )


def status_name(status: str) -> str:
    return named(STATUS_NAMES, status)


def language_label(code: str, guess: str | None = None) -> str:
    """e.g. "Nederlands (nl)"; a language outside the network's list says so."""
    if code == "other":
        return _("other (best guess: {guess})").format(guess=guess or "?")
    return f"{LANGUAGE_NAMES.get(code, code)} ({code})"


def current_language(network: Network) -> str:
    """The language `_` translates into now (the network's language outside an update)."""
    i18n = I18n.get_current(no_error=True)
    return i18n.current_locale if i18n is not None else network.default_language


def local_time(moment: datetime, network: Network) -> str:
    """A compact, unambiguous day and time for staff lists and audit trails, in the language
    of the text around it: "7 May 2026, 10:30", "7. Mai 2026, 10:30"."""
    return short_day_and_time(moment, network.zone, current_language(network))


def local_datetime(moment: datetime, network: Network, language: str) -> str:
    """A day and time as people write them in `language` (Babel's formats for the locale):
    "Thursday, 5 March 2026, 10:30", "Donnerstag, 5. März 2026, 10:30", …"""
    return day_and_time(moment, network.zone, language)


def case_line(case: Case, network: Network, language: str) -> str:
    """One line per case for the citizen's lists."""
    category = network.category(case.category)
    category_name = (
        category.name(language, network.default_language) if category else case.category
    )
    return fmt(
        _("{icon} <b>{ref}</b> · {category} · {status}"),
        icon=STATUS_ICONS.get(CaseStatus(case.status), ""),
        ref=case.ref,
        category=category_name,
        status=status_name(case.status),
    )


def case_status(case: Case, network: Network, language: str, answered_at: datetime | None) -> str:
    """A resident's `/status` of one of their cases: which desk has it, when it was reported,
    when the police last answered and, once closed, the outcome."""
    desk = network.desks_by_code().get(case.desk)
    rows = [case_line(case, network, language)]
    if desk is not None:
        rows.append(
            fmt(_("Handled by: {desk}"), desk=desk.name(language, network.default_language))
        )
    rows.append(
        fmt(_("Reported: {time}"), time=local_datetime(case.created_at, network, language))
    )
    if answered_at is not None:
        rows.append(
            fmt(_("Last answer: {time}"), time=local_datetime(answered_at, network, language))
        )
    elif case.status != CaseStatus.CLOSED:
        rows.append(_("No answer yet: the desk will write to you here."))
    if case.status == CaseStatus.CLOSED and case.outcome:
        rows.append(fmt(_("Outcome: {outcome}"), outcome=case.outcome))
    return "\n".join(rows)


def case_list(cases: Sequence[Case], network: Network, language: str) -> str:
    if not cases:
        return _("You have no cases yet. Press “📝 Report” to report something.")
    lines = [case_line(case, network, language) for case in cases]
    return _("<b>Your cases</b>") + "\n\n" + "\n".join(lines)


def privacy_name(privacy: str) -> str:
    return named(PRIVACY_NAMES, privacy)


def staff_rule_name(who: str) -> str:
    """A staff rule of network.toml as staff read it."""
    return named(STAFF_RULE_NAMES, who)


def action_name(action: str) -> str:
    """An audit-trail action as staff read it."""
    return named(ACTION_NAMES, action)


def named(names: Mapping[str, str], value: str) -> str:
    """`value`'s name from `names` (marked with N_), translated now; an unknown one as it is."""
    return _(names[value]) if value in names else value


def no_resident() -> str:
    """Staff tried to answer, take or move a case nobody can be told about any more."""
    return _(
        "This case no longer leads to a resident (their data was erased, or the retention "
        "period passed); it can no longer be answered."
    )


def banned_text(network: Network) -> str:
    """What a banned resident is told when they write or press a button: nothing was passed on."""
    return _(
        "You cannot send messages through Beatline at the moment. In an emergency call {number}."
    ).format(number=isolate(quote(network.emergency.number)))
