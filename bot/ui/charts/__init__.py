"""The statistics as people see them: PNG charts sized for a phone, a CSV with the same numbers,
a caption, and the printable monthly report (PDF), in the reader's language.

Counts arrive from bot.domain.stats with the "< 5" rule already applied; this package only
draws and writes them. Every value a chart draws is also recorded as a `Plotted` entry keyed
like the CSV rows, so the charts can be checked against the CSV.

names: the network's names, numbers and dates in a language; keys: how each value is keyed and
written; captions: the figures as sentences; csv_file: the CSV; style: sizes, colours and the
drawing helpers; case_charts and network_charts: the charts; render: the album and the PDF.
"""

from __future__ import annotations

from bot.ui.charts.captions import (
    CAPTION_LIMIT,
    caption,
    period_problem_text,
    small_numbers_note,
    summary_lines,
)
from bot.ui.charts.csv_file import CSV_HEADER, csv_rows, write_csv
from bot.ui.charts.keys import Plotted
from bot.ui.charts.names import Names, choose_language
from bot.ui.charts.render import (
    PublicReport,
    StatsReport,
    charts_for,
    render_report,
    render_stats,
)
from bot.ui.charts.style import A4_INCHES, DPI, PHONE_INCHES

__all__ = [
    "A4_INCHES",
    "CAPTION_LIMIT",
    "CSV_HEADER",
    "DPI",
    "PHONE_INCHES",
    "Names",
    "Plotted",
    "PublicReport",
    "StatsReport",
    "caption",
    "charts_for",
    "choose_language",
    "csv_rows",
    "period_problem_text",
    "render_report",
    "render_stats",
    "small_numbers_note",
    "summary_lines",
    "write_csv",
]
