"""How the charts look and are drawn: sizes for a phone and for A4, colours, one rendering at
a time, and the helpers every chart uses (titles, labelled bars, tables)."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib
from aiogram.utils.i18n import I18n
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from matplotlib.typing import RcKeyType

from bot.domain.stats import Cell, Figures
from bot.ui.charts.captions import small_numbers_note
from bot.ui.charts.keys import Recorder
from bot.ui.charts.names import Names
from bot.ui.i18n import _

PHONE_INCHES = (7.2, 9.0)  # 1080 × 1350 px at 150 dpi: a 4:5 image fills a phone's width
A4_INCHES = (8.27, 11.69)
DPI = 150
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
RENDER_LOCK = threading.Lock()


def chart_title(fig: Figure, title: str, figures: Figures, names: Names) -> None:
    fig.suptitle(
        f"{title}\n{names.scope(figures.scope)} · {names.period(figures.period)}",
        fontsize=15,
        fontweight="bold",
    )
    fig.supxlabel(small_numbers_note(), fontsize=9, color="#555555")


def note_empty(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#555555")
    ax.set_xticks([])
    ax.set_yticks([])


def hbars(
    ax: Axes,
    title: str,
    items: Sequence[tuple[str, str, Cell]],
    record: Recorder,
    figure: str,
    *,
    group_by_code: bool = False,
    item: str = "",
) -> None:
    """Horizontal bars, first item on top, each labelled with its number or "< 5"."""
    ax.set_title(title, loc="left")
    if not items:
        note_empty(ax, _("No cases in this period."))
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


def draw_table(ax: Axes, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
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


def wrap(text: str, width: int = 16) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*lines, line])


@contextmanager
def rendering(i18n: I18n, language: str) -> Iterator[None]:
    with (
        RENDER_LOCK,
        matplotlib.rc_context(STYLE),
        i18n.context(),
        i18n.use_locale(language),
    ):
        yield


def new_figure(inches: tuple[float, float]) -> Figure:
    figure = Figure(figsize=inches, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure
