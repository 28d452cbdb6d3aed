"""Every shipped catalog is complete, keeps placeholders and markup, and matches the code."""

from __future__ import annotations

import gettext
import re
import subprocess
import sys
from pathlib import Path

import pytest
from aiogram.utils.i18n import I18n
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.ui.dates import babel_locale
from bot.ui.i18n import n_, speaking
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
        for string in strings:
            assert string.strip(), f"empty translation of {message.id!r}"
            if isinstance(message.id, str):  # plural forms: see the plural test below
                assert sorted(PLACEHOLDER.findall(source)) == sorted(
                    PLACEHOLDER.findall(string)
                ), f"placeholders differ in {message.id!r}"
            assert sorted(TAG.findall(source)) == sorted(TAG.findall(string)), (
                f"markup differs in {message.id!r}"
            )


def plural_entries(path: Path) -> list[tuple[tuple[str, ...], list[str]]]:
    catalog = read(path)
    return [
        (tuple(message.id), list(message.string or []))
        for message in catalog
        if message.id and not isinstance(message.id, str)
    ]


def test_the_code_has_plural_entries() -> None:
    plurals = [m.id for m in read(LOCALES / "messages.pot") if m.id and not isinstance(m.id, str)]
    assert len(plurals) >= 10


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_the_plural_forms_header_sorts_counts_as_the_language_does(path: Path) -> None:
    """Two counts share a form in the catalog exactly when they share a CLDR plural category
    (Arabic: zero, one, two, few, many, other; Polish, Russian, Ukrainian: one, few, many)."""
    language = path.parent.parent.name
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    form = gettext.c2py(catalog.plural_expr)
    category = Locale.parse(babel_locale(language)).plural_form
    pairs = {(form(n), category(n)) for n in range(1001)}
    assert len(pairs) == catalog.num_plurals == len({c for _, c in pairs}), sorted(pairs)


# The placeholders that carry the count a plural entry is chosen by.
COUNTS = "count|minutes|hours|days|seconds|pages|stars|target|total"
COUNT_PLACEHOLDERS = {f"{{{name}}}" for name in COUNTS.split("|")}


def single_number_forms(path: Path) -> set[int]:
    """The forms the language uses for one number only (Arabic's 0, 1 and 2, English's 1):
    these may name the number in words ("رسالتان", "one message") instead of "{count}"."""
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=path.parent.parent.name)
    form = gettext.c2py(catalog.plural_expr)
    numbers: dict[int, int] = {}
    for n in range(1001):
        numbers[form(n)] = numbers.get(form(n), 0) + 1
    return {index for index, count in numbers.items() if count == 1}


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_every_plural_entry_has_each_form_the_language_needs_with_its_placeholders(
    path: Path,
) -> None:
    forms = plural_forms(path)
    single = single_number_forms(path)
    for ids, strings in plural_entries(path):
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        assert len(strings) == forms, f"{ids[0]!r} has {len(strings)} of {forms} forms"
        for index, string in enumerate(strings):
            assert string.strip(), f"form {index} of {ids[0]!r} is empty"
            kept = set(PLACEHOLDER.findall(string))
            missing = wanted - kept
            if index in single:
                missing = {
                    name for name in missing if not re.fullmatch(rf"\{{({COUNTS})\}}", name)
                }
            assert kept <= wanted and not missing, (
                f"form {index} of {ids[0]!r} lost or changed a placeholder: {string!r}"
            )


def test_only_a_form_for_one_number_may_leave_the_count_out() -> None:
    arabic = LOCALES / "ar" / "LC_MESSAGES" / "messages.po"
    russian = LOCALES / "ru" / "LC_MESSAGES" / "messages.po"
    assert single_number_forms(arabic) == {0, 1, 2}
    assert single_number_forms(russian) == set()  # its "one" form is also 21, 31, …


# A count written before a word needs a plural entry ("1 minute", "2 minutes"; Arabic has six
# forms). Unit symbols ("5 min", "2 h") and "… so far" take no plural.
COUNT_BEFORE_WORD = re.compile(rf"\{{({COUNTS})\}} (\w+)")
NOT_A_NOUN = {"d", "h", "min", "s", "so"}


def test_a_count_before_a_word_is_a_plural_entry() -> None:
    singular = [m.id for m in read(LOCALES / "messages.pot") if isinstance(m.id, str) and m.id]
    offending = [
        text
        for text in singular
        for _, word in COUNT_BEFORE_WORD.findall(text)
        if word not in NOT_A_NOUN
    ]
    assert not offending, offending


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


WAITED = (
    "⏰ This case has waited {minutes} minute for a first reply.",
    "⏰ This case has waited {minutes} minutes for a first reply.",
)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", {1: "1 minute for", 2: "2 minutes for", 21: "21 minutes for"}),
        ("ru", {1: "1 минуту", 3: "3 минуты", 5: "5 минут", 21: "21 минуту", 12: "12 минут"}),
        ("pl", {1: "1 minuty", 3: "3 minut", 22: "22 minut"}),
        ("ar", {1: "دقيقة واحدة", 2: "دقيقتين", 3: "3 دقائق", 11: "11 دقيقة", 100: "100 دقيقة"}),
        ("fr", {0: "0 minute.", 1: "1 minute.", 2: "2 minutes."}),
    ],
)
def test_a_count_gets_the_form_its_language_uses(
    i18n: I18n, language: str, expected: dict[int, str]
) -> None:
    with speaking(i18n, language):
        for count, words in expected.items():
            assert words in n_(*WAITED, count).format(minutes=count), (language, count)
