"""The trust pulse's chart: the mean answer (1–5) to each question month by month, and per area
over those months. Means of fewer than 5 answers are neither drawn nor written ("< 5")."""

from __future__ import annotations

import math

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bot.domain.stats import Figures, PulseFigures
from bot.ui.charts.keys import Recorder, pulse_values
from bot.ui.charts.names import Names
from bot.ui.charts.style import CATEGORY_COLOURS, chart_title, draw_table, wrap
from bot.ui.i18n import _


def draw_pulse(fig: Figure, figures: Figures, names: Names, record: Recorder) -> None:
    pulse = figures.pulse
    assert pulse is not None
    top, bottom = fig.subplots(2, 1, height_ratios=[3, 1 + len(pulse.by_area) * 0.45])
    chart_title(fig, _("Trust pulse"), figures, names)
    top.set_title(_("Mean answer per month, 1 (low) to 5 (high)"), loc="left")
    positions = list(range(len(pulse.months)))
    for index, question in enumerate(pulse.questions):
        means = [score.mean for score in pulse.trend[question]]
        top.plot(
            positions,
            [math.nan if mean is None else mean for mean in means],
            marker="o",
            linewidth=2,
            color=CATEGORY_COLOURS[index % len(CATEGORY_COLOURS)],
            label=names.question(question),
        )
        for position, mean in enumerate(means):
            if mean is not None:
                top.annotate(
                    names.number(round(mean, 1)),
                    (position, mean),
                    textcoords="offset points",
                    xytext=(0, 7),
                    ha="center",
                    fontsize=9,
                )
    top.set_ylim(0.8, 5.4)
    top.set_yticks([1, 2, 3, 4, 5])
    top.set_xticks(positions, [names.month(month) for month in pulse.months], rotation=45)
    top.legend(loc="lower left", frameon=False)
    top.grid(axis="y", color="#e0e0e0")
    _area_table(bottom, pulse, names)
    for figure, group, _question, item, value in pulse_values(pulse):
        record.add(figure, item, value, group)


def _area_table(ax: Axes, pulse: PulseFigures, names: Names) -> None:
    """Per area over the months shown: the mean and how many answered (or "< 5")."""
    header = [_("Area"), *(names.question(question) for question in pulse.questions)]
    rows = []
    for area, scores in pulse.by_area.items():
        cells = []
        for question in pulse.questions:
            score = scores[question]
            if score.mean is None:
                cells.append(score.answers.text() if score.answers.hidden else "–")
            else:
                cells.append(f"{names.number(round(score.mean, 1))} ({score.answers.text()})")
        rows.append([wrap(names.area(area), 18), *cells])
    draw_table(ax, header, rows)
