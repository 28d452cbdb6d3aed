"""The casework charts: cases per week by category, the breakdowns, response times against the
target, and ratings with referrals."""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.domain.stats import HIDDEN, Figures
from bot.ui.charts.captions import response_lines
from bot.ui.charts.keys import (
    Recorder,
    bin_key,
    bin_parts,
    decimal,
    referral_parts,
    reply_kind,
    share_text,
)
from bot.ui.charts.names import Names
from bot.ui.charts.style import (
    CATEGORY_COLOURS,
    LATE,
    NO_TARGET,
    WAITING,
    WITHIN,
    chart_title,
    draw_table,
    hbars,
    note_empty,
    wrap,
)
from bot.ui.i18n import _


def draw_cases(fig: Figure, figures: Figures, names: Names, record: Recorder) -> None:
    """Cases opened per week (or month), stacked by category, and per category in total."""
    cases = figures.cases
    codes = list(cases.by_category)
    top, bottom = fig.subplots(2, 1, height_ratios=[3, 2])
    chart_title(fig, _("Cases"), figures, names)
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
    hbars(
        bottom,
        _("New cases by category"),
        [(code, names.category(code), cell) for code, cell in cases.by_category.items()],
        record,
        "cases_by_category",
    )


def draw_breakdown(fig: Figure, figures: Figures, names: Names, record: Recorder) -> None:
    """New cases by area, by the language they were written in, and by privacy tier."""
    cases = figures.cases
    panels = [
        (_("By area"), cases.by_area, names.area, "cases_by_area"),
        (_("By language"), cases.by_language, names.language_name, "cases_by_language"),
        (_("By privacy"), cases.by_privacy, names.privacy, "cases_by_privacy"),
    ]
    ratios = [max(len(breakdown), 2) + 1 for _t, breakdown, _n, _f in panels]
    axes = fig.subplots(len(panels), 1, height_ratios=ratios)
    chart_title(fig, _("New cases"), figures, names)
    for ax, (title, breakdown, label_of, figure) in zip(axes, panels, strict=True):
        items = [(code, label_of(code), cell) for code, cell in breakdown.items()]
        hbars(ax, title, items, record, figure)


def draw_response(fig: Figure, figures: Figures, names: Names, record: Recorder) -> None:
    """How long the first staff reply took, coloured by whether it met the desk's target."""
    cases = figures.cases
    top, bottom = fig.subplots(2, 1, height_ratios=[3, 1])
    chart_title(fig, _("Response times"), figures, names)
    top.set_title(_("Time to the first staff reply"), loc="left")
    bins = cases.reply_bins
    labels = [names.reply_bin(b.low, b.high) for b in bins] + [_("no reply yet")]
    positions = list(range(len(labels)))
    left = [0] * len(labels)
    for item, colour in (("within", WITHIN), ("late", LATE), ("no_target", NO_TARGET)):
        widths = [dict(bin_parts(b))[item] for b in bins] + [0]
        # A kind that does not occur (e.g. no desk without a target) stays out of the legend.
        label = reply_kind(item) if any(widths) else "_nolegend_"
        top.barh(positions, widths, left=left, color=colour, label=label)
        left = [a + b for a, b in zip(left, widths, strict=True)]
        for bin_ in bins:
            key = bin_key(bin_.low, bin_.high)
            record.add("reply_distribution", item, str(dict(bin_parts(bin_))[item]), key)
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
        record.add(figure, "median", decimal(measured.median))
        record.add(figure, "p90", decimal(measured.p90))
    record.add("within_target", "share_percent", share_text(cases.target.share))
    record.add("within_target", "within", str(cases.target.within))
    record.add("within_target", "judged", str(cases.target.judged))
    record.add("totals", "escalations", str(cases.escalations))
    record.add("totals", "reminders", str(cases.reminders))


def draw_ratings(fig: Figure, figures: Figures, names: Names, record: Recorder) -> None:
    """The residents' 1–5 ratings of closed cases, and referrals to partners and the answers."""
    cases = figures.cases
    top, bottom = fig.subplots(2, 1, height_ratios=[5, 2 + len(figures.referrals)])
    chart_title(fig, _("Ratings and referrals"), figures, names)
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
    record.add("ratings", "mean", decimal(mean))
    bottom.set_title(_("Referrals to partners and the residents' answers"), loc="left")
    if not figures.referrals:
        note_empty(bottom, _("No referrals in this period."))
        bottom.axis("off")
        return
    rows = []
    for row in figures.referrals:
        parts = referral_parts(row.waiting, row.accepted, row.declined)
        rows.append([wrap(names.desk(row.partner)), *(cell.text() for _i, cell in parts)])
        for item, cell in parts:
            record.add("referrals", item, cell.text(), row.partner)
    draw_table(bottom, [_("Partner"), _("No answer yet"), _("Agreed"), _("Declined")], rows)
