"""Text handling for language identification: words, chat spelling, scripts."""

from __future__ import annotations

import pytest

from bot.domain.language.text import fold, fold_lines, main_script, serbian_latin, words


def test_words_keep_their_marks_and_drop_digits_emoji_and_punctuation() -> None:
    assert words("Hello, wörld! 112 😀 می‌کند हिन्दी") == ["Hello", "wörld", "می‌کند", "हिन्दी"]


@pytest.mark.parametrize(
    ("written", "chatted"),
    [
        ("Está", "esta"),
        ("ŁÓDŹ", "lodz"),
        ("İstanbul", "istanbul"),
        ("ışık", "isik"),
        ("Đorđe", "dorde"),
        ("ΤΗΣ", "τησ"),
        ("της", "τησ"),  # final sigma
        ("أنا", "انا"),  # hamza on alef
        ("Ёлка", "елка"),
    ],
)
def test_fold_writes_as_chat_does(written: str, chatted: str) -> None:
    assert fold(written) == chatted


def test_fold_lines_folds_each_line_like_fold() -> None:
    listed = ["Está", "ŁÓDŹ", "naïve", "Ёлка"]
    assert fold_lines("\n".join(listed)).split("\n") == [fold(word) for word in listed]


def test_serbian_cyrillic_has_a_latin_spelling_and_latin_has_none() -> None:
    assert serbian_latin("Ђорђе Њиве Џеп") == "đorđe njive džep"
    assert serbian_latin("kuca") is None


def test_the_main_script_is_the_one_most_letters_use() -> None:
    assert main_script("ok спасибо") == "CYRILLIC"
    assert main_script("ሰላም hi") == "ETHIOPIC"
    assert main_script("112 👍") is None
