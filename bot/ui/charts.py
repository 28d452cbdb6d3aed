"""The statistics as people see them: PNG charts sized for a phone, a CSV with the same numbers,
a caption, and the printable monthly report (PDF), in the reader's language.

Counts arrive from bot.domain.stats with the "< 5" rule already applied; this module only
draws and writes them. Every value a chart draws is also recorded as a `Plotted` entry keyed
like the CSV rows, so the charts can be checked against the CSV.
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import matplotlib
from aiogram.utils.i18n import I18n
from babel import Locale, UnknownLocaleError
from babel.dates import format_interval, format_skeleton
from babel.numbers import format_decimal, format_percent
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from matplotlib.typing import RcKeyType

from bot.domain.stats import (
    HIDDEN,
    AlertRow,
    CaseFigures,
    Cell,
    DeskRow,
    Figures,
    Period,
    PeriodError,
    PeriodProblem,
    ReplyBin,
    Scope,
)
from bot.network.schema import Network
from bot.ui.i18n import LANGUAGE_NAMES, _
from bot.ui.texts import quote

PHONE_INCHES = (7.2, 9.0)  # 1080 × 1350 px at 150 dpi: a 4:5 image fills a phone's width
A4_INCHES = (8.27, 11.69)
DPI = 150
CAPTION_LIMIT = 1024  # Telegram's caption limit: the caption must fit under an album
MAX_ALERT_BARS = 12  # more bars than this do not read on a phone; the CSV has every alert

STYLE: dict[RcKeyType, Any] = {
    "font.size": 12,
    "axes.titlesize": 15,
    "axes.titleweight": "bold",
    "axes.labelsize": 12,
    "legend.fontsize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.fonttype": "none",
    "pdf.fonttype": 42,  # embed TrueType, so text in the PDF stays text
}
CATEGORY_COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
BAR = "#3b6ea8"
WITHIN, LATE, NO_TARGET, WAITING = "#2e7d32", "#ef6c00", "#90a4ae", "#cfd8dc"
DELIVERED, FAILED, BLOCKED, UNKNOWN = "#2e7d32", "#ef6c00", "#c62828", "#9e9e9e"

# Matplotlib's text and font caches are not thread-safe, and rendering runs in worker
# threads so it does not stall the event loop: one rendering at a time.
_RENDER_LOCK = threading.Lock()


@dataclass(frozen=True)
class Plotted:
    """One value as a chart drew it, keyed like a CSV row."""

    figure: str
    desk: str
    group: str
    item: str
    value: str


@dataclass
class StatsReport:
    """What /stats sends: the caption (HTML, fits under an album), PNG images, a CSV file."""

    caption: str
    images: list[bytes]
    csv: bytes
    csv_filename: str
    plotted: list[Plotted] = field(default_factory=list)


@dataclass
class PublicReport:
    pdf: bytes
    pages: int
    plotted: list[Plotted] = field(default_factory=list)


# -- names and numbers in the reader's language ----------------------------------------------


class Names:
    """The network's names and locale-aware numbers and dates in one language."""

    def __init__(self, network: Network, language: str) -> None:
        self.network = network
        self.language = language
        try:
            self.locale = Locale.parse(language)
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
        local = moment.astimezone(self.network.zone)
        day = format_skeleton("yMMMd", local, locale=self.locale)
        return f"{day} {format_skeleton('Hm', local, locale=self.locale)}"

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


def period_problem_text(error: PeriodError) -> str:
    """Why a /stats argument was refused, with the forms that work."""
    reasons = {
        PeriodProblem.UNREADABLE: _("I could not read that period."),
        PeriodProblem.REVERSED: _("The period ends before it starts."),
        PeriodProblem.TOO_LONG: _("A period can be at most one year."),
    }
    examples = _(
        "Use /stats for the last 4 weeks, /stats 2026-11 for a month, or "
        "/stats 2026-11-01 2026-11-30 for a range of days."
    )
    return f"{reasons[error.problem]} {examples}"


# -- numbers as the CSV writes them ----------------------------------------------------------


def _decimal(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _share(share: float | None) -> str:
    return "" if share is None else f"{100 * share:.1f}"


def _bin_key(low: float, high: float | None) -> str:
    return f"{low:g}-" if high is None else f"{low:g}-{high:g}"


def _scope_key(scope: Scope) -> str:
    return scope.desk or "all"


# -- the caption -----------------------------------------------------------------------------


def response_lines(cases: CaseFigures, names: Names) -> list[str]:
    """Response times, the target share, reminders and escalations as sentences."""
    lines = [
        _("First staff reply: median {median}, 90% within {p90} ({count} cases)").format(
            median=names.duration(cases.first_reply.median),
            p90=names.duration(cases.first_reply.p90),
            count=cases.first_reply.count,
        ),
    ]
    if cases.unanswered:
        lines.append(_("No staff reply yet: {count}").format(count=cases.unanswered))
    if cases.target.judged:
        lines.append(
            _("Answered within the target time: {share} ({within} of {judged})").format(
                share=names.percent(cases.target.share),
                within=cases.target.within,
                judged=cases.target.judged,
            )
        )
    lines += [
        _("Closed: median {median}, 90% within {p90} ({count} cases)").format(
            median=names.duration(cases.closing.median),
            p90=names.duration(cases.closing.p90),
            count=cases.closing.count,
        ),
        _("Reminders: {reminders} · escalations: {escalations}").format(
            reminders=cases.reminders, escalations=cases.escalations
        ),
    ]
    return lines


def summary_lines(figures: Figures, names: Names) -> list[str]:
    """The headline figures as plain sentences (the caption and the report's first page)."""
    cases = figures.cases
    lines = [
        _("New cases: {new} · open at the end: {open} · closed: {closed}").format(
            new=cases.new, open=cases.open_at_end, closed=cases.closed
        ),
        *response_lines(cases, names),
    ]
    if cases.rating_mean is not None:
        lines.append(
            _("Rating: {mean} of 5 ({count} ratings)").format(
                mean=names.number(cases.rating_mean), count=cases.rated
            )
        )
    if figures.alerts is not None:
        lines.append(
            _(
                "Alerts: {count} sent, {delivered} delivered, {failed} failed, {blocked} blocked"
            ).format(
                count=len(figures.alerts),
                delivered=sum(a.delivered for a in figures.alerts),
                failed=sum(a.failed for a in figures.alerts),
                blocked=sum(a.blocked for a in figures.alerts),
            )
        )
    return lines


def caption(figures: Figures, names: Names) -> str:
    title = _("📊 Statistics: {scope}").format(scope=names.scope(figures.scope)[:64])
    lines = [
        f"<b>{quote(title)}</b>",
        quote(names.period(figures.period)),
        "",
        *(quote(line) for line in summary_lines(figures, names)),
        "",
        "<i>" + quote(small_numbers_note()) + "</i>",
    ]
    text = "\n".join(lines)
    return text if len(text) <= CAPTION_LIMIT else "\n".join(lines[:3])


def small_numbers_note() -> str:
    return _('Fewer than 5 cases per area, category or desk are shown as "< 5".')


# -- CSV -------------------------------------------------------------------------------------

CSV_HEADER = ("figure", "desk", "group", "item", "label", "value")


def csv_rows(figures: Figures, names: Names) -> list[tuple[str, str, str, str, str, str]]:
    """Every figure as a row; codes for machines, `label` for people, "< 5" kept as text."""
    desk = _scope_key(figures.scope)
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
        add(figure, "median", _("median"), _decimal(measured.median))
        add(figure, "p90", _("90th percentile"), _decimal(measured.p90))
    add("within_target", "judged", _("judged"), str(cases.target.judged))
    add("within_target", "within", _("within the target"), str(cases.target.within))
    add("within_target", "share_percent", _("share"), _share(cases.target.share))
    for target in cases.targets:
        add("within_target", "target_minutes", _("target"), str(target))
    for bin_ in cases.reply_bins:
        key = _bin_key(bin_.low, bin_.high)
        for item, count in _bin_parts(bin_):
            add("reply_distribution", item, _reply_kind(item), str(count), key)
    add("reply_distribution", "count", _("no reply yet"), str(cases.unanswered), "none")
    for stars, count in cases.ratings.items():
        add("ratings", str(stars), _("{stars} stars").format(stars=stars), str(count))
    add("ratings", "mean", _("mean"), _decimal(cases.rating_mean))
    for row in figures.referrals:
        for item, cell in _referral_parts(row.waiting, row.accepted, row.declined):
            add("referrals", item, names.desk(row.partner), cell.text(), row.partner)
    for alert in figures.alerts or []:
        group = str(alert.occurrence_id)
        add("alerts", "announcement", _("announcement"), str(alert.announcement_id), group)
        add("alerts", "started", _("started"), alert.started_at.isoformat(), group)
        add("alerts", "areas", _("areas"), " ".join(alert.areas) or "*", group)
        add("alerts", "urgent", _("urgent"), "1" if alert.urgent else "0", group)
        add("alerts", "recipients", _("recipients"), str(alert.recipients), group)
        for item, count in _alert_parts(alert):
            add("alerts", item, _delivery_kind(item), str(count), group)
    for code, cell in (figures.subscribers or {}).items():
        add("subscribers", code, names.area(code), cell.text())
    for desk_row in figures.desks:
        label = names.desk(desk_row.desk)
        for item, value in (
            ("new", desk_row.new.text()),
            ("open_at_end", desk_row.open_at_end.text()),
            ("closed", desk_row.closed.text()),
            ("first_reply_median", _decimal(desk_row.first_reply.median)),
            ("first_reply_p90", _decimal(desk_row.first_reply.p90)),
            ("within_share_percent", _share(desk_row.target.share)),
            ("escalations", str(desk_row.escalations)),
            ("rating_mean", _decimal(desk_row.rating_mean)),
        ):
            add("desks", item, label, value, desk_row.desk)
    return rows


def write_csv(figures: Figures, names: Names) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(csv_rows(figures, names))
    # The byte-order mark makes spreadsheet programs read the file as UTF-8.
    return buffer.getvalue().encode("utf-8-sig")


def _bin_parts(bin_: ReplyBin) -> list[tuple[str, int]]:
    return [("within", bin_.within), ("late", bin_.late), ("no_target", bin_.no_target)]


def _referral_parts(waiting: Cell, accepted: Cell, declined: Cell) -> list[tuple[str, Cell]]:
    return [("waiting", waiting), ("accepted", accepted), ("declined", declined)]


def _alert_parts(alert: AlertRow) -> list[tuple[str, int]]:
    return [
        ("delivered", alert.delivered),
        ("failed", alert.failed),
        ("blocked", alert.blocked),
        ("unknown", alert.unknown),
        ("pending", alert.pending),
        ("useful", alert.useful),
        ("not_useful", alert.not_useful),
    ]


def _reply_kind(item: str) -> str:
    return {
        "within": _("within the target"),
        "late": _("later than the target"),
        "no_target": _("desk without a target"),
    }[item]


def _delivery_kind(item: str) -> str:
    return {
        "delivered": _("delivered"),
        "failed": _("failed"),
        "blocked": _("blocked the bot"),
        "unknown": _("unknown (interrupted)"),
        "pending": _("still queued"),
        "useful": _("useful"),
        "not_useful": _("not useful"),
    }[item]


# -- drawing ---------------------------------------------------------------------------------


class _Recorder:
    def __init__(self, desk: str) -> None:
        self.desk = desk
        self.values: list[Plotted] = []

    def add(self, figure: str, item: str, value: str, group: str = "") -> None:
        self.values.append(Plotted(figure, self.desk, group, item, value))


Chart = Callable[[Figure, Figures, Names, _Recorder], None]


def _title(fig: Figure, title: str, figures: Figures, names: Names) -> None:
    fig.suptitle(
        f"{title}\n{names.scope(figures.scope)} · {names.period(figures.period)}",
        fontsize=15,
        fontweight="bold",
    )
    fig.supxlabel(small_numbers_note(), fontsize=9, color="#555555")


def _note_empty(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#555555")
    ax.set_xticks([])
    ax.set_yticks([])


def _hbars(
    ax: Axes,
    title: str,
    items: Sequence[tuple[str, str, Cell]],
    record: _Recorder,
    figure: str,
    *,
    group_by_code: bool = False,
    item: str = "",
) -> None:
    """Horizontal bars, first item on top, each labelled with its number or "< 5"."""
    ax.set_title(title, loc="left")
    if not items:
        _note_empty(ax, _("No cases in this period."))
        return
    positions = list(range(len(items)))
    heights = [cell.height for _code, _label, cell in items]
    ax.barh(positions, heights, color=BAR)
    ax.set_yticks(positions, [label for _code, label, _cell in items])
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(0, max([*heights, 4]) * 1.2)
    for position, (code, _label, cell) in zip(positions, items, strict=True):
        ax.text(cell.height, position, f" {cell.text()}", va="center")
        if group_by_code:
            record.add(figure, item, cell.text(), code)
        else:
            record.add(figure, code, cell.text())


def _draw_cases(fig: Figure, figures: Figures, names: Names, record: _Recorder) -> None:
    """Cases opened per week (or month), stacked by category, and per category in total."""
    cases = figures.cases
    codes = list(cases.by_category)
    top, bottom = fig.subplots(2, 1, height_ratios=[3, 2])
    _title(fig, _("Cases"), figures, names)
    top.set_title(_("New cases per period, by category"), loc="left")
    positions = list(range(len(cases.buckets)))
    base = [0] * len(cases.buckets)
    for index, code in enumerate(codes):
        heights = [bucket.by_category[code].height for bucket in cases.buckets]
        top.bar(
            positions,
            heights,
            bottom=base,
            color=CATEGORY_COLOURS[index % len(CATEGORY_COLOURS)],
            label=names.category(code),
        )
        for bucket in cases.buckets:
            cell = bucket.by_category[code]
            record.add("cases_by_period", code, cell.text(), bucket.first_day.isoformat())
        base = [b + h for b, h in zip(base, heights, strict=True)]
    for position, bucket in enumerate(cases.buckets):
        hidden = sum(cell.hidden for cell in bucket.by_category.values())
        if hidden:
            note = f"+ {HIDDEN}" if hidden == 1 else f"+ {hidden} × {HIDDEN}"
            top.text(position, base[position], note, ha="center", va="bottom", fontsize=10)
    monthly = figures.period.monthly_buckets
    labels = [names.bucket(b.first_day, b.last_day, monthly) for b in cases.buckets]
    top.set_xticks(positions, labels, rotation=0 if len(labels) <= 5 else 45, ha="center")
    top.yaxis.set_major_locator(MaxNLocator(integer=True))
    top.set_ylim(0, max([*base, 4]) * 1.25)
    top.legend(loc="upper left", ncols=2, frameon=False)
    _hbars(
        bottom,
        _("New cases by category"),
        [(code, names.category(code), cell) for code, cell in cases.by_category.items()],
        record,
        "cases_by_category",
    )


def _draw_breakdown(fig: Figure, figures: Figures, names: Names, record: _Recorder) -> None:
    """New cases by area, by the language they were written in, and by privacy tier."""
    cases = figures.cases
    panels = [
        (_("By area"), cases.by_area, names.area, "cases_by_area"),
        (_("By language"), cases.by_language, names.language_name, "cases_by_language"),
        (_("By privacy"), cases.by_privacy, names.privacy, "cases_by_privacy"),
    ]
    ratios = [max(len(breakdown), 2) + 1 for _t, breakdown, _n, _f in panels]
    axes = fig.subplots(len(panels), 1, height_ratios=ratios)
    _title(fig, _("New cases"), figures, names)
    for ax, (title, breakdown, label_of, figure) in zip(axes, panels, strict=True):
        items = [(code, label_of(code), cell) for code, cell in breakdown.items()]
        _hbars(ax, title, items, record, figure)


def _draw_response(fig: Figure, figures: Figures, names: Names, record: _Recorder) -> None:
    """How long the first staff reply took, coloured by whether it met the desk's target."""
    cases = figures.cases
    top, bottom = fig.subplots(2, 1, height_ratios=[3, 1])
    _title(fig, _("Response times"), figures, names)
    top.set_title(_("Time to the first staff reply"), loc="left")
    bins = cases.reply_bins
    labels = [names.reply_bin(b.low, b.high) for b in bins] + [_("no reply yet")]
    positions = list(range(len(labels)))
    left = [0] * len(labels)
    for item, colour in (("within", WITHIN), ("late", LATE), ("no_target", NO_TARGET)):
        widths = [dict(_bin_parts(b))[item] for b in bins] + [0]
        # A kind that does not occur (e.g. no desk without a target) stays out of the legend.
        label = _reply_kind(item) if any(widths) else "_nolegend_"
        top.barh(positions, widths, left=left, color=colour, label=label)
        left = [a + b for a, b in zip(left, widths, strict=True)]
        for bin_ in bins:
            key = _bin_key(bin_.low, bin_.high)
            record.add("reply_distribution", item, str(dict(_bin_parts(bin_))[item]), key)
    top.barh([positions[-1]], [cases.unanswered], color=WAITING, label=_("no reply yet"))
    record.add("reply_distribution", "count", str(cases.unanswered), "none")
    left[-1] = cases.unanswered
    for position, total in zip(positions, left, strict=True):
        if total:
            top.text(total, position, f" {total}", va="center")
    top.set_yticks(positions, labels)
    top.invert_yaxis()
    top.xaxis.set_major_locator(MaxNLocator(integer=True))
    top.set_xlim(0, max([*left, 4]) * 1.2)
    for target in cases.targets:
        index = next(i for i, b in enumerate(bins) if b.high == target)
        top.axhline(index + 0.5, color="black", linestyle="--", linewidth=1.2)
        top.text(
            top.get_xlim()[1],
            index + 0.5,
            _("target {time}").format(time=names.duration(target)),
            ha="right",
            va="bottom",
            fontsize=10,
        )
    top.legend(loc="lower right", frameon=False)
    bottom.axis("off")
    lines = response_lines(cases, names)
    bottom.text(0, 1, "\n".join(lines), va="top", fontsize=12, linespacing=1.6, wrap=True)
    for figure, measured in (
        ("first_reply_minutes", cases.first_reply),
        ("closing_minutes", cases.closing),
    ):
        record.add(figure, "median", _decimal(measured.median))
        record.add(figure, "p90", _decimal(measured.p90))
    record.add("within_target", "share_percent", _share(cases.target.share))
    record.add("within_target", "within", str(cases.target.within))
    record.add("within_target", "judged", str(cases.target.judged))
    record.add("totals", "escalations", str(cases.escalations))
    record.add("totals", "reminders", str(cases.reminders))


def _table(ax: Axes, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    ax.axis("off")
    table = ax.table(
        cellText=[list(row) for row in rows],
        colLabels=list(header),
        loc="upper center",
        cellLoc="center",
    )
    table.auto_set_font_size(False)
    table.set_fontsize(11)
    table.scale(1, 1.8)
    for (row, _column), cell in table.get_celld().items():
        if row == 0:
            cell.set_text_props(fontweight="bold")
            cell.set_facecolor("#eceff1")


def _wrap(text: str, width: int = 16) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*lines, line])


def _draw_ratings(fig: Figure, figures: Figures, names: Names, record: _Recorder) -> None:
    """The residents' 1–5 ratings of closed cases, and referrals to partners and the answers."""
    cases = figures.cases
    top, bottom = fig.subplots(2, 1, height_ratios=[5, 2 + len(figures.referrals)])
    _title(fig, _("Ratings and referrals"), figures, names)
    mean = cases.rating_mean
    top.set_title(
        _("Ratings of closed cases: mean {mean} of 5 ({count})").format(
            mean=names.number(mean) if mean is not None else "–", count=cases.rated
        ),
        loc="left",
    )
    stars = [5, 4, 3, 2, 1]
    counts = [cases.ratings[s] for s in stars]
    top.barh(range(5), counts, color="#f9a825")
    top.set_yticks(range(5), ["★" * s for s in stars])
    top.invert_yaxis()
    top.xaxis.set_major_locator(MaxNLocator(integer=True))
    top.set_xlim(0, max([*counts, 4]) * 1.2)
    for position, (star, count) in enumerate(zip(stars, counts, strict=True)):
        top.text(count, position, f" {count}", va="center")
        record.add("ratings", str(star), str(count))
    record.add("ratings", "mean", _decimal(mean))
    bottom.set_title(_("Referrals to partners and the residents' answers"), loc="left")
    if not figures.referrals:
        _note_empty(bottom, _("No referrals in this period."))
        bottom.axis("off")
        return
    rows = []
    for row in figures.referrals:
        parts = _referral_parts(row.waiting, row.accepted, row.declined)
        rows.append([_wrap(names.desk(row.partner)), *(cell.text() for _i, cell in parts)])
        for item, cell in parts:
            record.add("referrals", item, cell.text(), row.partner)
    _table(bottom, [_("Partner"), _("No answer yet"), _("Agreed"), _("Declined")], rows)


def _draw_alerts(fig: Figure, figures: Figures, names: Names, record: _Recorder) -> None:
    """Each alert's reach (delivered, failed, blocked, unknown) and the residents' feedback,
    then how many residents follow each area."""
    alerts = figures.alerts or []
    subscribers = figures.subscribers or {}
    top, bottom = fig.subplots(
        2, 1, height_ratios=[max(len(alerts[-MAX_ALERT_BARS:]), 3), max(len(subscribers), 2)]
    )
    _title(fig, _("Alerts"), figures, names)
    top.set_title(_("Reach of each alert"), loc="left")
    shown = alerts[-MAX_ALERT_BARS:]
    if not shown:
        _note_empty(top, _("No alerts were sent in this period."))
    else:
        positions = list(range(len(shown)))
        left = [0] * len(shown)
        for item, colour in (
            ("delivered", DELIVERED),
            ("failed", FAILED),
            ("blocked", BLOCKED),
            ("unknown", UNKNOWN),
            ("pending", WAITING),
        ):
            widths = [dict(_alert_parts(alert))[item] for alert in shown]
            top.barh(positions, widths, left=left, color=colour, label=_delivery_kind(item))
            left = [a + b for a, b in zip(left, widths, strict=True)]
        for position, alert in enumerate(shown):
            for item, count in _alert_parts(alert):
                record.add("alerts", item, str(count), str(alert.occurrence_id))
            top.text(
                left[position],
                position,
                " "
                + _("useful {useful} · not useful {not_useful}").format(
                    useful=alert.useful, not_useful=alert.not_useful
                ),
                va="center",
                fontsize=10,
            )
        top.set_yticks(positions, [names.alert(alert) for alert in shown])
        top.invert_yaxis()
        top.xaxis.set_major_locator(MaxNLocator(integer=True))
        top.set_xlim(0, max([*left, 4]) * 1.6)
        top.legend(loc="lower right", frameon=False, fontsize=10)
    _hbars(
        bottom,
        _("Residents following each area"),
        [(code, names.area(code), cell) for code, cell in subscribers.items()],
        record,
        "subscribers",
    )


def _draw_desks(fig: Figure, figures: Figures, names: Names, record: _Recorder) -> None:
    """The per-desk breakdown: new cases, median first reply, share within the target and
    escalations, one bar per desk in each panel."""
    rows = figures.desks
    labels = [_wrap(names.desk(row.desk), 18) for row in rows]
    axes = fig.subplots(4, 1)
    _title(fig, _("Per desk"), figures, names)
    _hbars(
        axes[0],
        _("New cases"),
        [(row.desk, label, row.new) for row, label in zip(rows, labels, strict=True)],
        record,
        "desks",
        group_by_code=True,
        item="new",
    )
    # (axes, title, CSV item, bar lengths, bar labels, CSV values, smallest axis end)
    panels: list[tuple[Axes, str, str, list[float | None], list[str], list[str], float]] = [
        (
            axes[1],
            _("First staff reply, median (hours)"),
            "first_reply_median",
            [None if r.first_reply.median is None else r.first_reply.median / 60 for r in rows],
            [names.duration(r.first_reply.median) for r in rows],
            [_decimal(r.first_reply.median) for r in rows],
            1.0,
        ),
        (
            axes[2],
            _("Answered within the target (%)"),
            "within_share_percent",
            [None if r.target.share is None else 100 * r.target.share for r in rows],
            [names.target_share(r) for r in rows],
            [_share(r.target.share) for r in rows],
            100.0,
        ),
        (
            axes[3],
            _("Escalations"),
            "escalations",
            [float(r.escalations) for r in rows],
            [str(r.escalations) for r in rows],
            [str(r.escalations) for r in rows],
            4.0,
        ),
    ]
    for ax, title, item, values, texts, recorded, at_least in panels:
        ax.set_title(title, loc="left")
        positions = list(range(len(rows)))
        heights = [value or 0.0 for value in values]
        ax.barh(positions, heights, color=BAR)
        ax.set_yticks(positions, labels)
        ax.invert_yaxis()
        ax.set_xlim(0, max([*heights, at_least]) * 1.25)
        for position, height, text in zip(positions, heights, texts, strict=True):
            ax.text(height, position, f" {text}", va="center")
        for row, value in zip(rows, recorded, strict=True):
            record.add("desks", item, value, row.desk)


def charts_for(figures: Figures) -> list[Chart]:
    """The charts of a scope: a desk gets its casework; the whole network also gets the
    alerts and the per-desk breakdown."""
    charts: list[Chart] = [_draw_cases, _draw_breakdown, _draw_response, _draw_ratings]
    if figures.alerts is not None:
        charts.append(_draw_alerts)
    if figures.desks:
        charts.append(_draw_desks)
    return charts


@contextmanager
def _rendering(i18n: I18n, language: str) -> Iterator[None]:
    with (
        _RENDER_LOCK,
        matplotlib.rc_context(STYLE),
        i18n.context(),
        i18n.use_locale(language),
    ):
        yield


def _figure(inches: tuple[float, float]) -> Figure:
    figure = Figure(figsize=inches, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def render_stats(figures: Figures, network: Network, i18n: I18n, language: str) -> StatsReport:
    """The caption, the PNG album and the CSV of `figures` in `language` (CPU-bound: run it
    in a worker thread from async code)."""
    language = choose_language(i18n, network, language)
    names = Names(network, language)
    record = _Recorder(_scope_key(figures.scope))
    images = []
    with _rendering(i18n, language):
        for draw in charts_for(figures):
            figure = _figure(PHONE_INCHES)
            draw(figure, figures, names, record)
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png")
            images.append(buffer.getvalue())
        text = caption(figures, names)
        table = write_csv(figures, names)
    scope = _scope_key(figures.scope)
    first, last = figures.period.first_day, figures.period.last_day
    return StatsReport(
        caption=text,
        images=images,
        csv=table,
        csv_filename=f"beatline-stats-{scope}-{first.isoformat()}-{last.isoformat()}.csv",
        plotted=record.values,
    )


def _summary_page(figure: Figure, figures: Figures, names: Names, record: _Recorder) -> None:
    """The report's first page: what it covers, the headline figures and the definitions."""
    left = 0.08
    title = _("Beatline report: {period}").format(period=names.period(figures.period))
    figure.text(left, 0.93, title, fontsize=22, fontweight="bold", va="top")
    covered = format_interval(
        figures.period.first_day, figures.period.last_day, "yMMMd", locale=names.locale
    )
    figure.text(left, 0.885, f"{names.scope(figures.scope)} · {covered}", fontsize=13, va="top")
    lines = summary_lines(figures, names)
    figure.text(left, 0.83, "\n".join(lines), fontsize=13, va="top", linespacing=1.9)
    notes = [
        small_numbers_note(),
        _(
            "Response times run from the moment a report arrives to the first message from "
            "staff, and to closing; the median is the middle case, the 90th percentile the "
            "time within which 9 in 10 cases were handled."
        ),
        _("This report contains no personal data."),
        _("Figures as of {moment}.").format(moment=names.moment(figures.as_of)),
    ]
    wrapped = "\n\n".join(_wrap(note, 88) for note in notes)
    figure.text(left, 0.3, wrapped, fontsize=10, va="top", color="#444444")
    record.add("totals", "new", str(figures.cases.new))
    record.add("totals", "open_at_end", str(figures.cases.open_at_end))
    record.add("totals", "closed", str(figures.cases.closed))


def render_report(figures: Figures, network: Network, i18n: I18n, language: str) -> PublicReport:
    """The printable report: a summary page, then one A4 page per chart (CPU-bound)."""
    language = choose_language(i18n, network, language)
    names = Names(network, language)
    record = _Recorder(_scope_key(figures.scope))
    buffer = io.BytesIO()
    pages = 0
    with _rendering(i18n, language):
        title = _("Beatline report: {period}").format(period=names.period(figures.period))
        # No author or other personal metadata; the creation date is the data's date, so the
        # same data gives the same file.
        metadata = {"Title": title, "Creator": "Beatline", "CreationDate": figures.as_of}
        with PdfPages(buffer, metadata=metadata) as pdf:
            for draw in [_summary_page, *charts_for(figures)]:
                figure = _figure(A4_INCHES)
                draw(figure, figures, names, record)
                pdf.savefig(figure)
                pages += 1
    return PublicReport(pdf=buffer.getvalue(), pages=pages, plotted=record.values)
