"""How each number is keyed and written, shared by the CSV and the charts: every value a chart
draws is recorded as a `Plotted` entry keyed like its CSV row, so the two can be checked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from matplotlib.figure import Figure

from bot.domain.stats import AlertRow, Cell, Figures, PulseFigures, PulseScore, ReplyBin, Scope
from bot.ui.charts.names import Names
from bot.ui.i18n import _


@dataclass(frozen=True)
class Plotted:
    """One value as a chart drew it, keyed like a CSV row."""

    figure: str
    desk: str
    group: str
    item: str
    value: str


# -- numbers as the CSV writes them ----------------------------------------------------------


def decimal(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def share_text(share: float | None) -> str:
    return "" if share is None else f"{100 * share:.1f}"


def bin_key(low: float, high: float | None) -> str:
    return f"{low:g}-" if high is None else f"{low:g}-{high:g}"


def scope_key(scope: Scope) -> str:
    return scope.desk or "all"


def bin_parts(bin_: ReplyBin) -> list[tuple[str, int]]:
    return [("within", bin_.within), ("late", bin_.late), ("no_target", bin_.no_target)]


def referral_parts(waiting: Cell, accepted: Cell, declined: Cell) -> list[tuple[str, Cell]]:
    return [("waiting", waiting), ("accepted", accepted), ("declined", declined)]


def alert_parts(alert: AlertRow) -> list[tuple[str, int]]:
    return [
        ("delivered", alert.delivered),
        ("failed", alert.failed),
        ("blocked", alert.blocked),
        ("unknown", alert.unknown),
        ("pending", alert.pending),
        ("useful", alert.useful),
        ("not_useful", alert.not_useful),
    ]


def reply_kind(item: str) -> str:
    return {
        "within": _("within the target"),
        "late": _("later than the target"),
        "no_target": _("desk without a target"),
    }[item]


def delivery_kind(item: str) -> str:
    return {
        "delivered": _("delivered"),
        "failed": _("failed"),
        "blocked": _("blocked the bot"),
        "unknown": _("unknown (interrupted)"),
        "pending": _("still queued"),
        "useful": _("useful"),
        "not_useful": _("not useful"),
    }[item]


# -- what the charts draw, recorded -------------------------------------------------------


class Recorder:
    def __init__(self, desk: str) -> None:
        self.desk = desk
        self.values: list[Plotted] = []

    def add(self, figure: str, item: str, value: str, group: str = "") -> None:
        self.values.append(Plotted(figure, self.desk, group, item, value))


Chart = Callable[[Figure, Figures, Names, Recorder], None]


def month_key(first_day: date) -> str:
    return f"{first_day:%Y-%m}"


def pulse_parts(score: PulseScore) -> list[tuple[str, str]]:
    """(item suffix, value) of one trust-pulse cell: the answers ("< 5" kept) and their mean."""
    return [("answers", score.answers.text()), ("mean", decimal(score.mean))]


def pulse_values(pulse: PulseFigures) -> list[tuple[str, str, str, str, str]]:
    """(figure, group, question, item, value) of every trust-pulse number, as the CSV and the
    chart key them: per month, then per area over the months shown."""
    values = []
    for question in pulse.questions:
        for month, score in zip(pulse.months, pulse.trend[question], strict=True):
            for part, value in pulse_parts(score):
                values.append(("pulse", month_key(month), question, f"{question}_{part}", value))
    for area, scores in pulse.by_area.items():
        for question in pulse.questions:
            for part, value in pulse_parts(scores[question]):
                values.append(("pulse_by_area", area, question, f"{question}_{part}", value))
    return values
