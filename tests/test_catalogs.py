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


MessageId = str | tuple[str, ...] | list[str]


def key(message_id: MessageId) -> str:
    """A plural entry is known by its singular."""
    return message_id if isinstance(message_id, str) else message_id[0]


def template_ids() -> set[str]:
    return {key(m.id) for m in read(LOCALES / "messages.pot") if m.id}


def plural_forms(path: Path) -> int:
    with path.open("rb") as handle:
        return read_po(handle, locale=path.parent.parent.name).num_plurals


def test_english_and_dutch_are_shipped() -> None:
    assert {path.parent.parent.name for path in CATALOGS} >= {"en", "nl"}


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_catalog_is_complete_and_faithful(path: Path) -> None:
    catalog = read(path)
    translated = {key(m.id): m for m in catalog if m.id}
    missing = template_ids() - translated.keys()
    assert not missing, f"missing in {path}: {sorted(missing)}"
    forms = plural_forms(path)
    for message in translated.values():
        source = message.id if isinstance(message.id, str) else message.id[-1]
        strings = (
            [message.string] if isinstance(message.string, str) else list(message.string or [])
        )
        if not isinstance(message.id, str):
            assert len(strings) == forms, f"{message.id!r} needs {forms} plural forms"
        assert not message.fuzzy, f"fuzzy translation of {message.id!r}"
        for index, string in enumerate(strings):
            assert string.strip(), f"empty translation of {message.id!r}"
            wanted = sorted(PLACEHOLDER.findall(source))
            found = sorted(PLACEHOLDER.findall(string))
            if not isinstance(message.id, str) and index < len(strings) - 1:
                # A form for one number ("one", Arabic's "two") may say it in words instead.
                wanted = [p for p in wanted if p != "{count}" or "{count}" in found]
            assert wanted == found, f"placeholders differ in {message.id!r}"
            assert sorted(TAG.findall(source)) == sorted(TAG.findall(string)), (
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
            "-k",
            "n_:1,2",
            "--no-location",
            "-o",
            str(fresh),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    in_code = {key(m.id) for m in read(fresh) if m.id}
    assert in_code == template_ids(), "run `make extract` and translate the new strings"
