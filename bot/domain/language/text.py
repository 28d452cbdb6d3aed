"""Text handling shared by the language models: words, the spelling residents chat in, scripts.

Residents type without accents, in lower case, with a Latin keyboard for Serbian; word lists
and messages are both reduced to that spelling (`fold`) before they are compared.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache


def _marks() -> list[int]:
    """Every combining mark of the first two planes, where every living script is."""
    return [point for point in range(0x20000) if unicodedata.category(chr(point)).startswith("M")]


def _class(points: list[int]) -> str:
    """A regex class body for `points` (`re` has no \\p{M})."""
    ranges: list[list[int]] = []
    for point in points:
        if ranges and ranges[-1][1] == point - 1:
            ranges[-1][1] = point
        else:
            ranges.append([point, point])
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )


_MARK_POINTS = _marks()
# A word: letters with their combining marks (Arabic vowel signs, Devanagari matras) and the
# zero-width non-joiner Persian writes inside words; digits, emoji and punctuation separate.
WORD = re.compile(f"(?:[^\\W\\d_]|[{_class(_MARK_POINTS)}\u200c])+")

# What folding drops or replaces once accents are split off their letters: the marks, and
# letters a chat writer replaces by a plain one although Unicode does not call them accented.
_FOLD = str.maketrans(
    dict.fromkeys(_MARK_POINTS)
    | {"ł": "l", "đ": "d", "ı": "i", "ς": "σ", "ø": "o", "\u200c": None}
)

# Serbian Cyrillic to Serbian Latin, letter by letter (the standard one-to-one mapping).
_SERBIAN_LATIN = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ђ": "đ", "е": "e", "ж": "ž",
        "з": "z", "и": "i", "ј": "j", "к": "k", "л": "l", "љ": "lj", "м": "m", "н": "n",
        "њ": "nj", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "ћ": "ć", "у": "u",
        "ф": "f", "х": "h", "ц": "c", "ч": "č", "џ": "dž", "ш": "š",
    }
)  # fmt: skip


def words(text: str) -> list[str]:
    """The words of `text` as written."""
    return WORD.findall(text)


def fold(word: str) -> str:
    """`word` as chat writes it: lower case, without accents or other marks."""
    if word.isascii():
        return word.lower()
    return fold_lines(word)


def fold_lines(text: str) -> str:
    """`fold` for many words at once, one per line (a word list folds in one pass)."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return unicodedata.normalize("NFC", decomposed.translate(_FOLD))


def serbian_latin(word: str) -> str | None:
    """The Latin spelling of a Serbian Cyrillic word, or None when `word` is not Cyrillic."""
    lowered = word.lower()
    latin = lowered.translate(_SERBIAN_LATIN)
    return latin if latin != lowered else None


@lru_cache(maxsize=8192)
def script(ch: str) -> str:
    """The script of a letter as Unicode names it: LATIN, CYRILLIC, ARABIC, ETHIOPIC, CJK…"""
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else ""


def main_script(text: str) -> str | None:
    """The script most letters of `text` are written in; None without letters."""
    counts = Counter(script(ch) for ch in text if ch.isalpha())
    return counts.most_common(1)[0][0] if counts else None
