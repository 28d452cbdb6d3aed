"""Amharic or Tigrinya: the two languages residents write in Ethiopic script.

None of the statistical models knows Tigrinya, so this is decided by rule, from what sets the
two apart in writing:
- Tigrinya writes a word-initial "a" as ኣ, Amharic as አ;
- Tigrinya has the letters ቐ…ቖ, which Amharic does not use, and writes ኸ…ኾ (x) often, which
  Amharic hardly does; Amharic writes ቸ…ቿ (ch) in common endings (-ኦች plurals, -ችን "our"),
  which Tigrinya keeps for loanwords;
- each has its own everyday words (Tigrinya እዩ "is", ኣብ "in", ሎሚ "today", ገዛ "house";
  Amharic ነው "is", እና "and", ዛሬ "today", ቤት "house").
A text with none of these (a few words of shared vocabulary) cannot be told apart.
"""

from __future__ import annotations

from dataclasses import dataclass

# Everyday words of one language that the other does not use (written from our own knowledge
# of both languages: copulas, prepositions, pronouns, question words, adverbs of time).
_TIGRINYA_LINES = (
    "እዩ ኢዩ እያ ኢያ እየ ኣብ ናብ ካብ ምስ እቲ እታ እቶም እተን እዚ እዚኣ እዚኦም ከኣ ድማ",
    "ኣሎ ኣላ ኣለዉ የለን ኣይኮነን ኣነ ንስኻ ንስኺ ንሱ ንሳ ንሕና ንሳቶም እንታይ ከመይ መዓስ",
    "ኣበይ ሎሚ ትማሊ ጽባሕ ሕጂ ብዙሕ ኩሉ ክንደይ ስለዚ ነቲ ነታ ብዘይ ጽቡቕ የቐንየለይ ኢሉ ኢላ",
    "ኢሎም ንግሆ ምሸት ለይቲ መዓልቲ ገዛ ሰብ ሕማቕ ኣይፋል እወ ደሓን በጃኻ በጃኺ በጃኹም ኣብዚ",
    "መን ስለምንታይ",
)
TIGRINYA_WORDS = frozenset(w for line in _TIGRINYA_LINES for w in line.split())
_AMHARIC_LINES = (
    "ነው ናቸው ነበር ነበረ እና ላይ ውስጥ ወደ ይህ ይህን ይሄ እኔ አንተ አንቺ እሱ እሷ እኛ",
    "እነሱ ምን እንዴት መቼ የት ዛሬ ትናንት ነገ አሁን ብቻ ሁሉ ሁሉም በጣም ጋር አለ አለች አሉ",
    "የለም አይደለም ይሆናል ስለ እንደ ወይም ደግሞ አመሰግናለሁ እባክህ እባክሽ እባካችሁ አዎ ደህና",
    "ቤት ሰው ሌሊት ጠዋት ማታ እዚህ እዚያ ብዙ ትንሽ ሌላ ማን ለምን አሁንም",
)
AMHARIC_WORDS = frozenset(w for line in _AMHARIC_LINES for w in line.split())
GLOTTAL_A_TIGRINYA = "ኣ"  # ETHIOPIC SYLLABLE GLOTTAL AA, Tigrinya's initial "a"
GLOTTAL_A_AMHARIC = "አ"  # ETHIOPIC SYLLABLE GLOTTAL A, Amharic's initial "a"
# ETHIOPIC SYLLABLE QHA … QHWE (Tigrinya alone) and XA … XWE (common in Tigrinya only).
TIGRINYA_LETTERS = frozenset(
    chr(point) for point in (*range(0x1250, 0x125E), *range(0x12B8, 0x12C6))
)
# ETHIOPIC SYLLABLE CA … CWA: common Amharic endings.
AMHARIC_LETTERS = frozenset(chr(point) for point in range(0x1278, 0x1280))
# A function word says more than a letter.
WORD_WEIGHT = 2


@dataclass(frozen=True)
class EthiopicVerdict:
    """Which of the two it is (None when nothing tells them apart) and the evidence for it."""

    language: str | None
    confidence: float


def amharic_or_tigrinya(words: list[str]) -> EthiopicVerdict:
    """Weigh the evidence for each language in Ethiopic `words`."""
    tigrinya = amharic = 0
    for word in words:
        tigrinya += WORD_WEIGHT * (word in TIGRINYA_WORDS)
        amharic += WORD_WEIGHT * (word in AMHARIC_WORDS)
        tigrinya += word.startswith(GLOTTAL_A_TIGRINYA)
        amharic += word.startswith(GLOTTAL_A_AMHARIC)
        tigrinya += sum(ch in TIGRINYA_LETTERS for ch in word)
        amharic += sum(ch in AMHARIC_LETTERS for ch in word)
    if tigrinya == amharic:
        return EthiopicVerdict(None, 0.5)
    language = "ti" if tigrinya > amharic else "am"
    return EthiopicVerdict(language, (max(tigrinya, amharic) + 1) / (tigrinya + amharic + 2))
