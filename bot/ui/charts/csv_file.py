"""The CSV document: every figure as a row, codes for machines and labels for people."""

from __future__ import annotations

import csv
import io

from bot.domain.stats import Figures
from bot.ui.charts.keys import (
    alert_parts,
    bin_key,
    bin_parts,
    decimal,
    delivery_kind,
    pulse_values,
    referral_parts,
    reply_kind,
    scope_key,
    share_text,
)
from bot.ui.charts.names import Names
from bot.ui.i18n import _, n_

CSV_HEADER = ("figure", "desk", "group", "item", "label", "value")


def csv_rows(figures: Figures, names: Names) -> list[tuple[str, str, str, str, str, str]]:
    """Every figure as a row; codes for machines, `label` for people, "< 5" kept as text."""
    desk = scope_key(figures.scope)
    rows: list[tuple[str, str, str, str, str, str]] = []

    def add(figure: str, item: str, label: str, value: str, group: str = "") -> None:
        rows.append((figure, desk, group, item, label, value))

    cases = figures.cases
    add("period", "first_day", _("first day"), figures.period.first_day.isoformat())
    add("period", "last_day", _("last day"), figures.period.last_day.isoformat())
    for item, label, count in (
        ("new", _("New cases"), cases.new),
        ("open_at_end", _("open at the end"), cases.open_at_end),
        ("closed", _("closed"), cases.closed),
        ("unanswered", _("no reply yet"), cases.unanswered),
        ("reminders", _("reminders"), cases.reminders),
        ("escalations", _("Escalations"), cases.escalations),
    ):
        add("totals", item, label, str(count))
    for bucket in cases.buckets:
        for code, cell in bucket.by_category.items():
            add(
                "cases_by_period",
                code,
                names.category(code),
                cell.text(),
                bucket.first_day.isoformat(),
            )
    for figure, breakdown, label_of in (
        ("cases_by_category", cases.by_category, names.category),
        ("cases_by_area", cases.by_area, names.area),
        ("cases_by_language", cases.by_language, names.language_name),
        ("cases_by_privacy", cases.by_privacy, names.privacy),
    ):
        for code, cell in breakdown.items():
            add(figure, code, label_of(code), cell.text())
    for figure, measured in (
        ("first_reply_minutes", cases.first_reply),
        ("closing_minutes", cases.closing),
    ):
        add(figure, "count", _("cases"), str(measured.count))
        add(figure, "median", _("median"), decimal(measured.median))
        add(figure, "p90", _("90th percentile"), decimal(measured.p90))
    add("within_target", "judged", _("judged"), str(cases.target.judged))
    add("within_target", "within", _("within the target"), str(cases.target.within))
    add("within_target", "share_percent", _("share"), share_text(cases.target.share))
    for target in cases.targets:
        add("within_target", "target_minutes", _("target"), str(target))
    for bin_ in cases.reply_bins:
        key = bin_key(bin_.low, bin_.high)
        for item, count in bin_parts(bin_):
            add("reply_distribution", item, reply_kind(item), str(count), key)
    add("reply_distribution", "count", _("no reply yet"), str(cases.unanswered), "none")
    for stars, count in cases.ratings.items():
        label = n_("{stars} star", "{stars} stars", stars).format(stars=stars)
        add("ratings", str(stars), label, str(count))
    add("ratings", "mean", _("mean"), decimal(cases.rating_mean))
    for row in figures.referrals:
        for item, cell in referral_parts(row.waiting, row.accepted, row.declined):
            add("referrals", item, names.desk(row.partner), cell.text(), row.partner)
    for alert in figures.alerts or []:
        group = str(alert.occurrence_id)
        add("alerts", "announcement", _("announcement"), str(alert.announcement_id), group)
        add("alerts", "started", _("started"), alert.started_at.isoformat(), group)
        add("alerts", "areas", _("areas"), " ".join(alert.areas) or "*", group)
        add("alerts", "urgent", _("urgent"), "1" if alert.urgent else "0", group)
        add("alerts", "recipients", _("recipients"), str(alert.recipients), group)
        for item, count in alert_parts(alert):
            add("alerts", item, delivery_kind(item), str(count), group)
    for code, cell in (figures.subscribers or {}).items():
        add("subscribers", code, names.area(code), cell.text())
    for desk_row in figures.desks:
        label = names.desk(desk_row.desk)
        for item, value in (
            ("new", desk_row.new.text()),
            ("open_at_end", desk_row.open_at_end.text()),
            ("closed", desk_row.closed.text()),
            ("first_reply_median", decimal(desk_row.first_reply.median)),
            ("first_reply_p90", decimal(desk_row.first_reply.p90)),
            ("within_share_percent", share_text(desk_row.target.share)),
            ("escalations", str(desk_row.escalations)),
            ("rating_mean", decimal(desk_row.rating_mean)),
        ):
            add("desks", item, label, value, desk_row.desk)
    if figures.pulse is not None and figures.pulse.answered:
        parts = {"answers": _("answers"), "mean": _("mean")}
        for figure, group, question, item, value in pulse_values(figures.pulse):
            label = f"{names.question(question)} · {parts[item.rsplit('_', 1)[1]]}"
            if figure == "pulse_by_area":
                label = f"{names.area(group)} · {label}"
            add(figure, item, label, value, group)
    return rows


def write_csv(figures: Figures, names: Names) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(csv_rows(figures, names))
    # The byte-order mark makes spreadsheet programs read the file as UTF-8.
    return buffer.getvalue().encode("utf-8-sig")
