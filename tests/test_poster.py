"""`python -m bot poster <area>`: a printable PNG and PDF whose QR code is the area's link."""

from __future__ import annotations

from pathlib import Path

import pytest
import qrcode
from PIL import Image, ImageChops

from bot.app.cli import main
from bot.ui.poster import deep_link
from tests.conftest import ROOT
from tests.fakes import BOT_TOKEN


def test_poster_carries_the_deep_link_of_the_area(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    locales: Path,
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("NETWORK_FILE", "network.example.toml")
    monkeypatch.setattr("bot.ui.i18n.LOCALES_DIR", locales)

    code = main(
        [
            "poster",
            "noord",
            "--bot",
            "@beatline_demo_bot",
            "--languages",
            "nl,en",
            "--out",
            str(tmp_path),
        ]
    )

    assert code == 0
    png, pdf = tmp_path / "poster-noord.png", tmp_path / "poster-noord.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    page = Image.open(png).convert("RGB")
    assert page.size == (1240, 1754)
    expected = (
        qrcode.make("https://t.me/beatline_demo_bot?start=area-noord", box_size=20, border=2)
        .get_image()
        .convert("RGB")
        .resize((760, 760))
    )
    printed = page.crop((240, 260, 1000, 1020))
    assert ImageChops.difference(printed, expected).getbbox() is None
    assert "wrote" in capsys.readouterr().out


def test_unknown_area_is_refused_with_the_list(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("NETWORK_FILE", "network.example.toml")
    assert main(["poster", "atlantis", "--bot", "x_bot"]) == 2
    assert "areas: centrum, noord, oost" in capsys.readouterr().err


def test_deep_link_format() -> None:
    from bot.network.areas import Area

    area = Area(code="oost", names={"nl": "Oost"})
    assert deep_link("@my_bot", area) == "https://t.me/my_bot?start=area-oost"
