"""What people get from the figures: a PNG album and a CSV for /stats, the monthly PDF report
and its command line; the numbers drawn are the numbers written, and small cells stay hidden."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path

import pytest
from aiogram.utils.i18n import I18n
from PIL import Image
from pypdf import PdfReader
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app.cli import main
from bot.domain.stats import Scope, month_period
from bot.network.schema import Network, parse_network
from bot.ui.charts import CAPTION_LIMIT, StatsReport
from bot.workflows.stats import public_report, stats_report
from storage.db import create_engine, create_session_factory
from tests.conftest import NETWORK
from tests.stats_data import NOW, SECRET_NAME, SECRET_TEXT, ZONE, local, seed

NOVEMBER = month_period(2026, 11, ZONE)
# Breakdowns in which a count of 1 to 4 would point at residents.
SMALL_CELL_FIGURES = {
    "cases_by_period",
    "cases_by_category",
    "cases_by_area",
    "cases_by_language",
    "cases_by_privacy",
    "referrals",
    "subscribers",
}


async def report_for(
    factory: async_sessionmaker[AsyncSession],
    network: Network,
    i18n: I18n,
    scope: Scope,
    language: str = "en",
) -> StatsReport:
    async with factory() as session:
        return await stats_report(session, network, i18n, scope, NOVEMBER, language, NOW)


def csv_table(report: StatsReport) -> dict[tuple[str, str, str, str], str]:
    rows = list(csv.DictReader(io.StringIO(report.csv.decode("utf-8-sig"))))
    table = {(r["figure"], r["desk"], r["group"], r["item"]): r["value"] for r in rows}
    assert len(table) == len(rows), "each figure, desk, group and item has one row"
    return table


def pdf_text(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.parametrize("scope", [Scope(), Scope("central")], ids=["network", "desk"])
async def test_the_csv_holds_every_number_the_charts_drew(
    session_factory: async_sessionmaker[AsyncSession],
    network: Network,
    i18n: I18n,
    scope: Scope,
) -> None:
    await seed(session_factory)
    report = await report_for(session_factory, network, i18n, scope)
    table = csv_table(report)
    assert len(report.plotted) > 50
    for drawn in report.plotted:
        key = (drawn.figure, drawn.desk, drawn.group, drawn.item)
        assert key in table, f"{key} was drawn but is not in the CSV"
        assert table[key] == drawn.value, f"{key}: chart {drawn.value!r}, CSV {table[key]!r}"
    drawn_keys = {(d.figure, d.desk, d.group, d.item) for d in report.plotted}
    for key in table:
        if key[0] in {"cases_by_period", "cases_by_category", "cases_by_area", "ratings"}:
            assert key in drawn_keys, f"{key} is in the CSV but no chart drew it"


async def test_small_cells_are_written_and_drawn_as_less_than_five(
    session_factory: async_sessionmaker[AsyncSession], network: Network, i18n: I18n
) -> None:
    await seed(session_factory)
    report = await report_for(session_factory, network, i18n, Scope("central"))
    table = csv_table(report)
    assert table[("cases_by_category", "central", "", "nuisance")] == "< 5"
    assert table[("cases_by_category", "central", "", "burglary")] == "6"
    assert table[("cases_by_area", "central", "", "east")] == "< 5"
    assert table[("referrals", "central", "housing", "declined")] == "< 5"
    for (figure, _desk, group, item), value in table.items():
        if figure in SMALL_CELL_FIGURES:
            assert value not in {"1", "2", "3", "4"}, f"{figure} {group} {item} shows {value}"
    hidden = [d for d in report.plotted if d.value == "< 5"]
    assert {d.figure for d in hidden} >= {"cases_by_category", "cases_by_period"}


async def test_the_network_csv_hides_small_desk_and_area_cells_too(
    session_factory: async_sessionmaker[AsyncSession], network: Network, i18n: I18n
) -> None:
    await seed(session_factory)
    table = csv_table(await report_for(session_factory, network, i18n, Scope()))
    assert table[("subscribers", "all", "", "east")] == "< 5"
    assert table[("subscribers", "all", "", "centre")] == "6"
    assert table[("desks", "all", "east", "closed")] == "0"
    assert table[("desks", "all", "central", "new")] == "9"
    [sending] = [
        group
        for (figure, _desk, group, item), value in table.items()
        if (figure, item, value) == ("alerts", "started", local(11, 12, 18).isoformat())
    ]
    assert table[("alerts", "all", sending, "delivered")] == "6"
    assert table[("alerts", "all", sending, "not_useful")] == "1"
    assert table[("first_reply_minutes", "all", "", "count")] == "13"
    for (figure, _desk, group, item), value in table.items():
        if figure in SMALL_CELL_FIGURES or (figure == "desks" and item in {"new", "closed"}):
            assert value not in {"1", "2", "3", "4"}, f"{figure} {group} {item} shows {value}"


@pytest.mark.parametrize(("scope", "count"), [(Scope(), 6), (Scope("central"), 4)])
async def test_the_album_is_pngs_sized_for_a_phone(
    session_factory: async_sessionmaker[AsyncSession],
    network: Network,
    i18n: I18n,
    scope: Scope,
    count: int,
) -> None:
    await seed(session_factory)
    report = await report_for(session_factory, network, i18n, scope)
    assert len(report.images) == count
    for data in report.images:
        with Image.open(io.BytesIO(data)) as image:
            assert image.format == "PNG"
            assert image.size == (1080, 1350)
            # Something was drawn: far more than a blank page's two or three colours.
            assert len(image.convert("RGB").getcolors(maxcolors=100_000) or []) > 50
    assert report.csv_filename == f"beatline-stats-{scope.desk or 'all'}-2026-11-01-2026-11-30.csv"


async def test_a_desk_csv_carries_only_its_own_desk(
    session_factory: async_sessionmaker[AsyncSession], network: Network, i18n: I18n
) -> None:
    await seed(session_factory)
    report = await report_for(session_factory, network, i18n, Scope("east"))
    table = csv_table(report)
    assert {desk for _figure, desk, _group, _item in table} == {"east"}
    assert table[("totals", "east", "", "new")] == "5"
    assert not any(figure in {"alerts", "subscribers", "desks"} for figure, *_ in table)
    assert "Central" not in report.caption


async def test_the_caption_escapes_names_and_fits_under_an_album(
    session_factory: async_sessionmaker[AsyncSession], i18n: I18n
) -> None:
    network = parse_network(NETWORK.replace("Central desk", "Central <desk> & co"))
    await seed(session_factory)
    report = await report_for(session_factory, network, i18n, Scope("central"))
    assert "Central &lt;desk&gt; &amp; co" in report.caption
    assert "New cases: 9 · open at the end: 6 · closed: 5" in report.caption
    assert "Answered within the target time: 55.6% (5 of 9)" in report.caption
    assert len(report.caption) <= CAPTION_LIMIT


async def test_names_and_dates_follow_the_readers_language(
    session_factory: async_sessionmaker[AsyncSession], network: Network, i18n: I18n
) -> None:
    await seed(session_factory)
    report = await report_for(session_factory, network, i18n, Scope("central"), language="nl")
    table = list(csv.DictReader(io.StringIO(report.csv.decode("utf-8-sig"))))
    labels = {row["item"]: row["label"] for row in table if row["figure"] == "cases_by_category"}
    assert labels == {"burglary": "Inbraak", "nuisance": "Overlast"}
    assert "november 2026" in report.caption  # Dutch writes months in lower case
    assert "55,6%" in report.caption


async def test_the_report_pdf_has_a_page_per_chart_and_no_personal_data(
    session_factory: async_sessionmaker[AsyncSession], network: Network, i18n: I18n
) -> None:
    await seed(session_factory)
    async with session_factory() as session:
        report = await public_report(session, network, i18n, NOVEMBER, "en", NOW)
    pages, text = pdf_text(report.pdf)
    # A summary page, then cases, breakdown, response times, ratings, alerts, per desk.
    assert pages == report.pages == 7
    assert "Beatline report: November 2026" in text
    assert "< 5" in text
    assert "Burglary" in text
    for personal in (SECRET_NAME, SECRET_NAME.lower(), SECRET_TEXT, "Quaxley"):
        assert personal not in text
    metadata = PdfReader(io.BytesIO(report.pdf)).metadata
    assert metadata is not None and metadata.author is None


async def test_a_period_without_any_data_still_gives_every_chart_and_page(
    session_factory: async_sessionmaker[AsyncSession], network: Network, i18n: I18n
) -> None:
    report = await report_for(session_factory, network, i18n, Scope())
    assert len(report.images) == 6
    table = csv_table(report)
    assert table[("totals", "all", "", "new")] == "0"
    assert table[("first_reply_minutes", "all", "", "median")] == ""
    async with session_factory() as session:
        public = await public_report(session, network, i18n, NOVEMBER, "en", NOW)
    assert pdf_text(public.pdf)[0] == 7


def test_the_command_line_writes_the_monthly_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, locales: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    database = f"sqlite+aiosqlite:///{tmp_path / 'beatline.db'}"
    (tmp_path / "network.toml").write_text(NETWORK, encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", database)
    monkeypatch.setenv("NETWORK_FILE", str(tmp_path / "network.toml"))
    monkeypatch.setattr("bot.ui.i18n.LOCALES_DIR", locales)
    assert main(["migrate"]) == 0

    async def fill() -> None:
        engine = create_engine(database)
        try:
            await seed(create_session_factory(engine))
        finally:
            await engine.dispose()

    asyncio.run(fill())

    assert main(["report", "2026-11", "--out", str(tmp_path / "report.pdf")]) == 0
    pages, text = pdf_text((tmp_path / "report.pdf").read_bytes())
    assert pages == 7
    assert "November 2026" in text and "Burglary" in text

    assert main(["report", "2026-11", "--language", "nl"]) == 0
    pages, text = pdf_text((tmp_path / "report-2026-11.pdf").read_bytes())
    assert pages == 7
    assert "november 2026" in text and "Inbraak" in text


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["report", "November"], "name the month as YYYY-MM"),
        (["report", "2026-13"], "name the month as YYYY-MM"),
        (["report", "2026-11", "--language", "xx"], "no translation for language 'xx'"),
    ],
)
def test_the_command_line_refuses_a_report_it_cannot_make(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    locales: Path,
    argv: list[str],
    complaint: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "network.toml").write_text(NETWORK, encoding="utf-8")
    monkeypatch.setenv("NETWORK_FILE", str(tmp_path / "network.toml"))
    monkeypatch.setattr("bot.ui.i18n.LOCALES_DIR", locales)
    assert main(argv) == 2
    assert complaint in capsys.readouterr().err
    assert not list(tmp_path.glob("*.pdf"))
