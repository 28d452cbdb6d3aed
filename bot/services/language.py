"""Which language a citizen wrote in, for the case card and for routing.

lingua restricted to the network's languages does the work. Short or uncertain texts lean on
the citizen's Telegram language as a prior; scripts lingua does not know (Ethiopic) are decided
by script; text without letters takes the citizen's language; and a text that is clearly in a
language outside the list is reported as "other" with the best guess, never forced into one.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

# Serbian, Croatian and Bosnian are told apart poorly on short texts and served alike.
GROUPS: dict[str, str] = {"hr": "sr", "bs": "sr", "sr": "sr"}
# Scripts lingua has no model for, and the configured language they indicate.
SCRIPT_LANGUAGES: dict[str, tuple[str, ...]] = {"ETHIOPIC": ("ti", "am")}
OTHER = "other"
SHORT_WORDS = 3
# On a short text (a few words) the citizen's own language wins unless another is this many
# times likelier: single words are shared between languages far more often than not.
HINT_MARGIN = 10.0
# A text of at least this many words that the wide (all-language, low-accuracy) detector
# places outside the list almost surely, leaving our languages next to nothing, is "other".
# Close relatives (Macedonian, Kazakh, Afrikaans) otherwise steal real Serbian, Ukrainian or
# Dutch sentences.
OTHER_MIN_WORDS = 4
OTHER_MIN_CONFIDENCE = 0.9
OURS_MAX_CONFIDENCE = 0.05
# ... and only when the precise detector, limited to our languages, is unsure itself.
MAIN_UNSURE = 0.9


@dataclass(frozen=True)
class Detection:
    """`code` is a configured language or "other"; `guess` is lingua's best guess."""

    code: str
    guess: str | None
    confidence: float


def _to_lingua(code: str) -> Language | None:
    try:
        return Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper()))
    except (AttributeError, ValueError):
        return None


class LanguageIdentifier:
    def __init__(self, languages: Iterable[str], *, low_accuracy: bool = False) -> None:
        self.languages = tuple(dict.fromkeys(languages))
        known = {code: lang for code in self.languages if (lang := _to_lingua(code))}
        for code in ("sr", "hr", "bs"):
            if "sr" in self.languages and (lang := _to_lingua(code)):
                known[code] = lang
        self._configured = frozenset(known)
        builder = LanguageDetectorBuilder.from_languages(*known.values())
        if low_accuracy:
            builder = builder.with_low_accuracy_mode()
        self._detector: LanguageDetector = builder.with_preloaded_language_models().build()
        # Only trigram models for every language lingua knows: enough to notice, on a
        # sentence, that it is in none of ours.
        self._wide: LanguageDetector = (
            LanguageDetectorBuilder.from_all_languages()
            .with_low_accuracy_mode()
            .with_preloaded_language_models()
            .build()
        )

    def detect(self, text: str, hint: str | None = None) -> Detection:
        """The language of `text`; `hint` is the citizen's language (Telegram's or chosen)."""
        hint = self._normalise(hint)
        letters = [ch for ch in text if ch.isalpha()]
        if not letters:
            return Detection(hint or OTHER, None, 0.0)
        by_script = self._by_script(letters)
        if by_script:
            return Detection(by_script, by_script, 1.0)
        values = self._detector.compute_language_confidence_values(text)
        if not values:
            return Detection(hint or OTHER, None, 0.0)
        top = values[0]
        if top.value < MAIN_UNSURE and (outside := self._outside(text)) is not None:
            return outside
        if top.value <= 0.0:  # a script none of our languages uses (e.g. Japanese)
            return Detection(OTHER, None, 0.0)
        best = top.language.iso_code_639_1.name.lower()
        short = len(text.split()) <= SHORT_WORDS
        if hint and short:
            hinted = next(
                (
                    v.value
                    for v in values
                    if GROUPS.get(code := v.language.iso_code_639_1.name.lower(), code) == hint
                ),
                0.0,
            )
            if hinted > 0 and top.value < HINT_MARGIN * hinted:
                return Detection(hint, best, hinted)
        return Detection(GROUPS.get(best, best), best, top.value)

    def _outside(self, text: str) -> Detection | None:
        if len(text.split()) < OTHER_MIN_WORDS:
            return None
        values = self._wide.compute_language_confidence_values(text)
        if not values or values[0].value < OTHER_MIN_CONFIDENCE:
            return None
        best = values[0].language.iso_code_639_1.name.lower()
        if self._ours(best):
            return None
        ours = max(
            (v.value for v in values if self._ours(v.language.iso_code_639_1.name.lower())),
            default=0.0,
        )
        if ours > OURS_MAX_CONFIDENCE:
            return None
        return Detection(OTHER, best, values[0].value)

    def _ours(self, code: str) -> bool:
        return code in self._configured or GROUPS.get(code) in self._configured

    def _normalise(self, hint: str | None) -> str | None:
        if not hint:
            return None
        base = hint.split("-")[0].lower()
        base = GROUPS.get(base, base)
        return base if base in self.languages else None

    def _by_script(self, letters: list[str]) -> str | None:
        for script, candidates in SCRIPT_LANGUAGES.items():
            share = sum(script in unicodedata.name(ch, "") for ch in letters) / len(letters)
            if share > 0.5:
                return next((c for c in candidates if c in self.languages), OTHER)
        return None
