"""Putting it together: the album, caption and CSV of /stats, and the printable monthly PDF."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from aiogram.utils.i18n import I18n
from babel.dates import format_interval
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from bot.domain.stats import Figures
from bot.network.schema import Network
from bot.ui.charts.captions import caption, small_numbers_note, summary_lines
from bot.ui.charts.case_charts import draw_breakdown, draw_cases, draw_ratings, draw_response
from bot.ui.charts.csv_file import write_csv
from bot.ui.charts.keys import Chart, Plotted, Recorder, scope_key
from bot.ui.charts.names import Names, choose_language
from bot.ui.charts.network_charts import draw_alerts, draw_desks
from bot.ui.charts.pulse_chart import draw_pulse
from bot.ui.charts.style import A4_INCHES, PHONE_INCHES, new_figure, rendering, wrap
from bot.ui.i18n import _


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


def charts_for(figures: Figures) -> list[Chart]:
    """The charts of a scope: a desk gets its casework; the whole network also gets the
    alerts and the per-desk breakdown; the trust pulse once residents have answered."""
    charts: list[Chart] = [draw_cases, draw_breakdown, draw_response, draw_ratings]
    if figures.alerts is not None:
        charts.append(draw_alerts)
    if figures.desks:
        charts.append(draw_desks)
    if figures.pulse is not None and figures.pulse.answered:
        charts.append(draw_pulse)
    return charts


def render_stats(figures: Figures, network: Network, i18n: I18n, language: str) -> StatsReport:
    """The caption, the PNG album and the CSV of `figures` in `language` (CPU-bound: run it
    in a worker thread from async code)."""
    language = choose_language(i18n, network, language)
    names = Names(network, language)
    record = Recorder(scope_key(figures.scope))
    images = []
    with rendering(i18n, language):
        for draw in charts_for(figures):
            figure = new_figure(PHONE_INCHES)
            draw(figure, figures, names, record)
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png")
            images.append(buffer.getvalue())
        text = caption(figures, names)
        table = write_csv(figures, names)
    scope = scope_key(figures.scope)
    first, last = figures.period.first_day, figures.period.last_day
    return StatsReport(
        caption=text,
        images=images,
        csv=table,
        csv_filename=f"beatline-stats-{scope}-{first.isoformat()}-{last.isoformat()}.csv",
        plotted=record.values,
    )


def summary_page(figure: Figure, figures: Figures, names: Names, record: Recorder) -> None:
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
    wrapped = "\n\n".join(wrap(note, 88) for note in notes)
    figure.text(left, 0.3, wrapped, fontsize=10, va="top", color="#444444")
    record.add("totals", "new", str(figures.cases.new))
    record.add("totals", "open_at_end", str(figures.cases.open_at_end))
    record.add("totals", "closed", str(figures.cases.closed))


def render_report(figures: Figures, network: Network, i18n: I18n, language: str) -> PublicReport:
    """The printable report: a summary page, then one A4 page per chart (CPU-bound)."""
    language = choose_language(i18n, network, language)
    names = Names(network, language)
    record = Recorder(scope_key(figures.scope))
    buffer = io.BytesIO()
    pages = 0
    with rendering(i18n, language):
        title = _("Beatline report: {period}").format(period=names.period(figures.period))
        # No author or other personal metadata; the creation date is the data's date, so the
        # same data gives the same file.
        metadata = {"Title": title, "Creator": "Beatline", "CreationDate": figures.as_of}
        with PdfPages(buffer, metadata=metadata) as pdf:
            for draw in [summary_page, *charts_for(figures)]:
                figure = new_figure(A4_INCHES)
                draw(figure, figures, names, record)
                pdf.savefig(figure)
                pages += 1
    return PublicReport(pdf=buffer.getvalue(), pages=pages, plotted=record.values)
