"""What residents read about their data rights (/mydata, /forget) and the coordinators' audit
export as a CSV document. Every value from a person is escaped here."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from babel.dates import format_date

from bot.domain.audit import AuditLine
from bot.domain.personal_data import Summary
from bot.domain.stats import PeriodError
from bot.network.schema import Network
from bot.ui.dates import babel_locale
from bot.ui.i18n import LANGUAGE_NAMES, _, n_
from bot.ui.texts import action_name, fmt, isolate, period_problem, quote

if TYPE_CHECKING:
    from storage.models import Citizen

MYDATA_FILE = "beatline-my-data.json"
AUDIT_HEADER = (
    "time_utc",
    "case",
    "desk",
    "privacy",
    "action",
    "action_label",
    "actor_id",
    "actor",
    "detail",
)


def mydata_summary(citizen: Citizen, summary: Summary, network: Network, language: str) -> str:
    """The readable part of /mydata; the attached document has everything in full."""
    handle = f" @{citizen.username}" if citizen.username else ""
    rows = [
        _("<b>What Beatline keeps about you</b>"),
        fmt(
            _("Name: {name}{handle} · Telegram id {id}"),
            name=citizen.first_name,
            handle=handle,
            id=citizen.telegram_id,
        ),
        fmt(
            _("Language: {language}"),
            language=LANGUAGE_NAMES.get(citizen.language or "", citizen.language or "—"),
        ),
    ]
    if citizen.consent_at is not None:
        day = format_date(
            citizen.consent_at.astimezone(network.zone), "long", locale=babel_locale(language)
        )
        rows.append(fmt(_("Privacy notice accepted on {day}"), day=day))
    reports = n_(
        "{count} report ({anonymous} anonymous) with {messages} messages",
        "{count} reports ({anonymous} anonymous) with {messages} messages",
        summary.cases,
    )
    rows.append(
        fmt(
            reports,
            count=summary.cases,
            anonymous=summary.anonymous_cases,
            messages=summary.messages,
        )
    )
    followed = [*summary.areas, *summary.topics]
    rows.append(
        fmt(_("Alerts you follow: {names}"), names=", ".join(followed))
        if followed
        else _("Alerts you follow: none")
    )
    rows.append(_("Monthly question: on") if summary.pulse else _("Monthly question: off"))
    rows.append(
        fmt(
            _("Alerts received: {alerts} · ratings you gave: {ratings}"),
            alerts=summary.alerts,
            ratings=summary.ratings,
        )
    )
    rows += [
        "",
        _(
            "The attached file has all of it, with your reports' messages. Internal notes of "
            "the police and the names of officers are not part of it. /forget erases your data."
        ),
    ]
    return "\n".join(rows)


def forget_question() -> str:
    return _(
        "<b>Erase your data?</b>\n"
        "Your Telegram id, name, username, language, alerts and the report you are writing "
        "are deleted now. Your reports stay with the police, but no longer lead to you: exact "
        "places are rounded, and open reports are closed (nobody can answer them any more).\n"
        "This cannot be undone. You can start again as a new user with /start."
    )


def forgotten(network: Network) -> str:
    return _(
        "Your data has been erased. Send /start if you want to use Beatline again. "
        "In an emergency call {number}."
    ).format(number=isolate(quote(network.emergency.number)))


def audit_period_problem(error: PeriodError) -> str:
    """Why an /audit_export argument was refused, with the forms that work."""
    examples = _(
        "Use /audit_export for the last 30 days, /audit_export 2026-11 for a month, or "
        "/audit_export 2026-11-01 2026-11-30 for a range of days."
    )
    return period_problem(error, examples)


def audit_csv(lines: Sequence[AuditLine]) -> bytes:
    """The audit trail as CSV (UTF-8 with a byte order mark, so spreadsheets read it)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(AUDIT_HEADER)
    for line in lines:
        writer.writerow(
            (
                line.at.isoformat(timespec="seconds"),
                line.ref,
                line.desk,
                line.privacy,
                line.action,
                action_name(line.action),
                "" if line.actor_id is None else str(line.actor_id),
                line.actor_name,
                line.detail,
            )
        )
    return buffer.getvalue().encode("utf-8-sig")
