"""Every shipped catalog is complete, keeps placeholders and markup, and matches the code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from tests.conftest import ROOT

LOCALES = ROOT / "locales"
CATALOGS = sorted(LOCALES.glob("*/LC_MESSAGES/messages.po"))
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
TAG = re.compile(r"</?(?:b|i|u|s|code|pre|a)\b[^>]*>")


def read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def template_ids() -> set[str]:
    return {m.id for m in read(LOCALES / "messages.pot") if m.id and isinstance(m.id, str)}


def test_english_and_dutch_are_shipped() -> None:
    assert {path.parent.parent.name for path in CATALOGS} >= {"en", "nl"}


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_catalog_is_complete_and_faithful(path: Path) -> None:
    catalog = read(path)
    translated = {m.id: m for m in catalog if m.id}
    missing = template_ids() - translated.keys()
    assert not missing, f"missing in {path}: {sorted(missing)}"
    for message in translated.values():
        assert isinstance(message.id, str) and isinstance(message.string, str)
        assert message.string.strip(), f"empty translation of {message.id!r}"
        assert not message.fuzzy, f"fuzzy translation of {message.id!r}"
        assert sorted(PLACEHOLDER.findall(message.id)) == sorted(
            PLACEHOLDER.findall(message.string)
        ), f"placeholders differ in {message.id!r}"
        assert sorted(TAG.findall(message.id)) == sorted(TAG.findall(message.string)), (
            f"markup differs in {message.id!r}"
        )


def test_template_contains_every_string_in_the_code(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "-k",
            "_",
            "--no-location",
            "-o",
            str(fresh),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    in_code = {m.id for m in read(fresh) if m.id and isinstance(m.id, str)}
    assert in_code == template_ids(), "run `make extract` and translate the new strings"
