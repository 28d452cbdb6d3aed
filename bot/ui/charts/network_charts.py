"""The charts only the coordinators get: each alert's reach and feedback, residents following
each area, and the per-desk breakdown."""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.domain.stats import Figures
from bot.ui.charts.keys import Recorder, alert_parts, decimal, delivery_kind, share_text
from bot.ui.charts.names import Names
from bot.ui.charts.style import (
    BAR,
    BLOCKED,
    DELIVERED,
    FAILED,
    MAX_ALERT_BARS,
    UNKNOWN,
    WAITING,
    chart_title,
    hbars,
    note_empty,
    wrap,
)
from bot.ui.i18n import _


def draw_alerts(fig: Figure, figures: Figures, names: Names, record: Recorder) -> None:
    """Each alert's reach (delivered, failed, blocked, unknown) and the residents' feedback,
    then how many residents follow each area."""
    alerts = figures.alerts or []
    subscribers = figures.subscribers or {}
    top, bottom = fig.subplots(
        2, 1, height_ratios=[max(len(alerts[-MAX_ALERT_BARS:]), 3), max(len(subscribers), 2)]
    )
    chart_title(fig, _("Alerts"), figures, names)
    top.set_title(_("Reach of each alert"), loc="left")
    shown = alerts[-MAX_ALERT_BARS:]
    if not shown:
        note_empty(top, _("No alerts were sent in this period."))
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
            widths = [dict(alert_parts(alert))[item] for alert in shown]
            top.barh(positions, widths, left=left, color=colour, label=delivery_kind(item))
            left = [a + b for a, b in zip(left, widths, strict=True)]
        for position, alert in enumerate(shown):
            for item, count in alert_parts(alert):
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
    hbars(
        bottom,
        _("Residents following each area"),
        [(code, names.area(code), cell) for code, cell in subscribers.items()],
        record,
        "subscribers",
    )


def draw_desks(fig: Figure, figures: Figures, names: Names, record: Recorder) -> None:
    """The per-desk breakdown: new cases, median first reply, share within the target and
    escalations, one bar per desk in each panel."""
    rows = figures.desks
    labels = [wrap(names.desk(row.desk), 18) for row in rows]
    axes = fig.subplots(4, 1)
    chart_title(fig, _("Per desk"), figures, names)
    hbars(
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
            [decimal(r.first_reply.median) for r in rows],
            1.0,
        ),
        (
            axes[2],
            _("Answered within the target (%)"),
            "within_share_percent",
            [None if r.target.share is None else 100 * r.target.share for r in rows],
            [names.target_share(r) for r in rows],
            [share_text(r.target.share) for r in rows],
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
