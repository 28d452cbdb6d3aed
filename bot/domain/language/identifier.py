"""Which language a citizen wrote in, for the case card and for routing.

Three small models vote on the network's languages, each where it is strong:
- lingua's character trigrams (low-accuracy mode, configured languages only) for sentences;
- how common each word is in each language (`langid_words`), for the one- and two-word
  messages where trigrams have nothing to go on, in the spelling residents chat in;
- fastText's lid.176 (`langid_wide`), which knows 176 languages, with a little weight.
A sentence that two of three wide models (lid.176, CLD3, CLD2) place outside our languages is
"other", with their best guess: it is never forced into a listed language.
The citizen's own language (the hint) is a prior, not a veto, so a wrong hint costs little on
a clear message. Ethiopic script is Amharic or Tigrinya by rule (`langid_ethiopic`); text
without letters takes the citizen's language; a script none of our languages uses is "other".
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

from bot.domain.language.ethiopic import amharic_or_tigrinya
from bot.domain.language.text import fold, main_script, serbian_latin, words
from bot.domain.language.wide import WideModels, best_guess
from bot.domain.language.words import WordTable
from bot.network.base import spoken_language

logger = logging.getLogger(__name__)

# Serbian, Croatian and Bosnian are told apart poorly on short texts and served alike.
GROUPS: dict[str, str] = {"hr": "sr", "bs": "sr", "sr": "sr", "sh": "sr"}
OTHER = "other"
ETHIOPIC = ("am", "ti")

# The vote, in nats. A model's probability is floored at EPSILON so that one model alone
# cannot veto a language the others favour.
EPSILON = 1e-6
WIDE_WEIGHT = 0.5  # lid.176 is weaker on our languages than the two others, so it counts half
# A word a language lists counts log(frequency / 1e-6) for it; a word it does not list counts
# this much against it: log(1 / 0.14), 0.14 being about the share of running text that a list
# of a language's 30,000 to 60,000 commonest words misses. Languages without a list get neither.
UNLISTED_WORD = 2.0
# The words say most when there are few; on longer texts their sum is scaled down to this many
# words' worth, since the trigrams then already know and the lists cover languages unevenly.
WORD_EVIDENCE = 2
MAX_WORDS_LOOKED_UP = 12
# How much likelier the citizen's own language is before reading the text: residents mostly
# write in their interface language, but not always.
HINT_ODDS = 50.0
# A text of at least this many words is "other" when this many of the three wide models place
# it outside our languages. Shorter texts are too little to go on: they get the likeliest of ours.
OTHER_MIN_WORDS = 4
OTHER_VOTES = 2

# Scripts of the languages lingua knows beyond its Latin, Cyrillic, Arabic and Devanagari sets.
_LINGUA_SCRIPTS: dict[str, frozenset[str]] = {
    "el": frozenset({"GREEK"}),
    "he": frozenset({"HEBREW"}),
    "hy": frozenset({"ARMENIAN"}),
    "ka": frozenset({"GEORGIAN"}),
    "ko": frozenset({"HANGUL"}),
    "ja": frozenset({"HIRAGANA", "KATAKANA", "CJK"}),
    "zh": frozenset({"CJK"}),
    "th": frozenset({"THAI"}),
    "bn": frozenset({"BENGALI"}),
    "gu": frozenset({"GUJARATI"}),
    "pa": frozenset({"GURMUKHI"}),
    "ta": frozenset({"TAMIL"}),
    "te": frozenset({"TELUGU"}),
}


@dataclass(frozen=True)
class Detection:
    """`code` is a configured language or "other"; `guess` is the best guess of any language."""

    code: str
    guess: str | None
    confidence: float


def _to_lingua(code: str) -> Language | None:
    try:
        return Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper()))
    except (AttributeError, ValueError):
        return None


def _code(language: Language) -> str:
    return language.iso_code_639_1.name.lower()


def _scripts(language: Language) -> frozenset[str]:
    scripts = set(_LINGUA_SCRIPTS.get(_code(language), ()))
    for name, members in (
        ("LATIN", Language.all_with_latin_script()),
        ("CYRILLIC", Language.all_with_cyrillic_script()),
        ("ARABIC", Language.all_with_arabic_script()),
        ("DEVANAGARI", Language.all_with_devanagari_script()),
    ):
        if language in members:
            scripts.add(name)
    return frozenset(scripts)


class LanguageIdentifier:
    """Built once per process for the network's languages: about 60 MB and a tenth of a second
    (the first start on a machine also builds the word table, see `langid_words`)."""

    def __init__(self, languages: Iterable[str], *, cache_dir: Path | None = None) -> None:
        self.languages = tuple(dict.fromkeys(languages))
        # The code a Serbo-Croatian text is reported as: "sr" when listed, else the first listed.
        group = next((c for c in ("sr", "hr", "bs") if c in self.languages), None)
        self._report = {code: code for code in self.languages}
        members = list(self.languages)
        if group:
            members += [code for code in ("sr", "hr", "bs", "sh") if code not in members]
            self._report.update(dict.fromkeys(("sr", "hr", "bs", "sh"), group))
        self._lingua_languages = {
            code: lang for code in members if (lang := _to_lingua(code)) is not None
        }
        self._scripts: set[str] = set()
        for lang in self._lingua_languages.values():
            self._scripts |= _scripts(lang)
        if any(code in ETHIOPIC for code in self.languages):
            self._scripts.add("ETHIOPIC")
        unknown = [
            code
            for code in self.languages
            if code not in self._lingua_languages and code not in ETHIOPIC
        ]
        if unknown:
            logger.warning("No character model for %s: they are recognised poorly", unknown)
        self._scored = tuple(
            dict.fromkeys(self._report[code] for code in self.languages if code not in ETHIOPIC)
        )
        self._lingua: LanguageDetector | None = (
            LanguageDetectorBuilder.from_languages(*self._lingua_languages.values())
            .with_low_accuracy_mode()
            .with_preloaded_language_models()
            .build()
            if self._lingua_languages
            else None
        )
        self._wide = WideModels()
        self._words = WordTable(self._scored, cache_dir)
        self._word_columns = {code: i for i, code in enumerate(self._words.languages)}

    def detect(self, text: str, hint: str | None = None) -> Detection:
        """The language of `text`; `hint` is the citizen's language (Telegram's or chosen)."""
        hint = self._normalise(hint)
        found = words(text)
        if not found:
            return Detection(hint or OTHER, None, 0.0)
        script = main_script(text)
        if script == "ETHIOPIC":
            return self._ethiopic(found, hint)
        wide = self._wide.probabilities(found)
        if script not in self._scripts or not self._scored:
            return self._other(found, wide)
        if len(found) >= OTHER_MIN_WORDS:
            outside = self._wide.outside(found, wide, self._is_ours)
            if len(outside) >= OTHER_VOTES:
                guess = best_guess(outside)
                return Detection(OTHER, guess, len(outside) / 3)
        return self._vote(text, found, wide, hint)

    def _is_ours(self, code: str) -> bool:
        return self._report.get(code) in self._scored

    def _vote(
        self, text: str, found: list[str], wide: dict[str, float], hint: str | None
    ) -> Detection:
        trigram: dict[str, float] = {}
        best_member: dict[str, tuple[float, str]] = {}
        if self._lingua is not None:
            for value in self._lingua.compute_language_confidence_values(text):
                member = _code(value.language)
                code = self._report.get(member, member)
                trigram[code] = trigram.get(code, 0.0) + value.value
                best_member[code] = max(
                    best_member.get(code, (-1.0, member)), (value.value, member)
                )
        wide_ours: dict[str, float] = {}
        for code, p in wide.items():
            if (ours := self._report.get(code)) is not None:
                wide_ours[ours] = wide_ours.get(ours, 0.0) + p
        evidence = self._word_evidence(found)
        scores = {
            code: math.log(trigram.get(code, 0.0) + EPSILON)
            + WIDE_WEIGHT * math.log(wide_ours.get(code, 0.0) + EPSILON)
            + evidence.get(code, 0.0)
            + (math.log(HINT_ODDS) if code == hint else 0.0)
            for code in self._scored
        }
        best = max(scores, key=scores.__getitem__)
        top = scores[best]
        confidence = 1.0 / sum(math.exp(score - top) for score in scores.values())
        guess = best_member.get(best, (0.0, best))[1]
        return Detection(best, guess, confidence)

    def _word_evidence(self, found: list[str]) -> dict[str, float]:
        """Per listed language: the word-list log odds of `found`, scaled to WORD_EVIDENCE."""
        columns = self._word_columns
        if not columns:
            return {}
        totals = dict.fromkeys(columns, 0.0)
        serbian = columns.get(self._report.get("sr", ""))
        looked_up = found[:MAX_WORDS_LOOKED_UP]
        for word in looked_up:
            steps = self._words.steps(fold(word))
            latin = serbian_latin(word) if serbian is not None else None
            for code, column in columns.items():
                step = steps[column]
                if column == serbian and latin is not None:
                    # The Serbo-Croatian list is in Latin letters; Serbian is also Cyrillic.
                    step = self._words.steps(fold(latin))[column]
                totals[code] += self._words.log_ratio(step) if step else -UNLISTED_WORD
        scale = min(1.0, WORD_EVIDENCE / len(looked_up))
        return {code: total * scale for code, total in totals.items()}

    def _ethiopic(self, found: list[str], hint: str | None) -> Detection:
        verdict = amharic_or_tigrinya(found)
        listed = [code for code in ETHIOPIC if code in self.languages]
        language = verdict.language
        if language is None:  # nothing tells them apart: the citizen's, else the listed one
            language = hint if hint in ETHIOPIC else (listed[0] if listed else "ti")
        if language in self.languages:
            return Detection(language, language, verdict.confidence)
        return Detection(OTHER, language, verdict.confidence)

    def _other(self, found: list[str], wide: dict[str, float]) -> Detection:
        """A script none of our languages is written in."""
        guess = best_guess(self._wide.outside(found, wide, self._is_ours))
        if guess is None and wide:
            guess = max(wide, key=wide.__getitem__)
        return Detection(OTHER, guess, wide.get(guess, 0.0) if guess else 0.0)

    def _normalise(self, hint: str | None) -> str | None:
        if not hint:
            return None
        base = spoken_language(hint)
        base = self._report.get(base, base)
        return base if base in self.languages else None
