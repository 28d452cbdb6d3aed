"""Recognising messages that suggest an emergency, in any configured language."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping


def _fold(text: str) -> str:
    """Lower-case without accents, so "Noodgeval" and "noodgevál" match alike."""
    if text.isascii():  # most messages: nothing to decompose (a call per character saved)
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _squeeze(phrase: str) -> str:
    return " ".join(phrase.split())


class EmergencyDetector:
    """Matches whole words or phrases from every language's list (people mix languages)."""

    def __init__(self, keywords: Mapping[str, Iterable[str]]) -> None:
        self._languages: dict[str, set[str]] = {}
        for language, words in keywords.items():
            for word in words:
                phrase = _squeeze(_fold(word))
                if phrase:
                    self._languages.setdefault(phrase, set()).add(language)
        body = "|".join(
            re.escape(p).replace(r"\ ", r"\s+")
            for p in sorted(self._languages, key=len, reverse=True)
        )
        self._pattern = re.compile(rf"(?<!\w)(?:{body})(?!\w)") if body else None

    def matches(self, text: str | None) -> bool:
        if not text or self._pattern is None:
            return False
        return self._pattern.search(_fold(text)) is not None

    def languages(self, text: str | None) -> set[str]:
        """The languages whose keyword lists matched `text` (empty when nothing matched)."""
        if not text or self._pattern is None:
            return set()
        found: set[str] = set()
        for match in self._pattern.finditer(_fold(text)):
            found |= self._languages.get(_squeeze(match.group(0)), set())
        return found
