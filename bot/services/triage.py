"""Recognising messages that suggest an emergency, in any configured language."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping


def _fold(text: str) -> str:
    """Lower-case without accents, so "Noodgeval" and "noodgevál" match alike."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class EmergencyDetector:
    """Matches whole words or phrases from every language's list (people mix languages)."""

    def __init__(self, keywords: Mapping[str, Iterable[str]]) -> None:
        phrases = sorted({_fold(p).strip() for words in keywords.values() for p in words if p})
        body = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in phrases if p)
        self._pattern = re.compile(rf"(?<!\w)(?:{body})(?!\w)") if body else None

    def matches(self, text: str | None) -> bool:
        if not text or self._pattern is None:
            return False
        return self._pattern.search(_fold(text)) is not None
