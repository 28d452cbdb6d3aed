"""The samples `bench.langid` measures on: the development set as it is and as residents would
type it (a seeded perturbation), the outside set, and our own short messages in other unlisted
languages.

Chat-like text: lower case; accents stripped where the script has them (Latin and Greek marks,
ł, đ and Turkish ı to their plain letters, Arabic-script vowel and hamza marks, Cyrillic ё to е;
Cyrillic й, ї, ў are letters, not accents, and stay); final punctuation dropped; one typo in
about 30 % of texts (two letters swapped, one dropped, one doubled, or one replaced by another
letter of the same text); a trailing emoji in about 30 %.
"""

from __future__ import annotations

import json
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from bot.domain.language.identifier import GROUPS

TYPO_SHARE = 0.3
EMOJI_SHARE = 0.3
EMOJI = ("🙏", "😡", "👍", "😢", "🚨", "😂", "❤️", "🤔", "😱", "🙄")
FINAL_PUNCTUATION = ".!?…;:،؟。"
# Letters a keyboard without them turns into a plain one, though Unicode does not split them.
PLAIN_LETTERS = str.maketrans({"ł": "l", "đ": "d", "ı": "i", "ё": "е"})
UNLISTED = Path(__file__).resolve().parent / "langid_unlisted.txt"
ETHIOPIC = Path(__file__).resolve().parent / "langid_ethiopic.txt"


@dataclass(frozen=True)
class Sample:
    bucket: str  # sentence, two-words, one-word, outside-sentence, unlisted
    language: str  # grouped (hr, bs → sr); for outside and unlisted texts the true language
    text: str
    wrong_hint: str | None = None  # a configured language the text is not in


def load(path: Path, limit: int | None = None) -> list[Sample]:
    samples = []
    per_key: dict[tuple[str, str], int] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            key = (row["set"], row["lang"])
            if limit is not None and per_key.get(key, 0) >= limit:
                continue
            per_key[key] = per_key.get(key, 0) + 1
            samples.append(Sample(row["set"], GROUPS.get(row["lang"], row["lang"]), row["text"]))
    return samples


def load_own(path: Path, bucket: str) -> list[Sample]:
    """Our own messages: "code<TAB>text" lines, # comments."""
    samples = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            code, text = line.split("\t", 1)
            samples.append(Sample(bucket, code, text))
    return samples


def with_wrong_hints(
    samples: Sequence[Sample], configured: Sequence[str], seed: int
) -> list[Sample]:
    """Each sample with a configured language it is not written in, drawn with `seed`."""
    rng = random.Random(seed)
    return [
        replace(s, wrong_hint=rng.choice([c for c in configured if c != s.language]))
        for s in samples
    ]


def strip_accents(text: str) -> str:
    out = []
    for ch in text:
        if unicodedata.name(ch, "").startswith("CYRILLIC"):
            out.append(ch)
            continue
        base = unicodedata.normalize("NFD", ch)
        out.append("".join(c for c in base if not unicodedata.combining(c)))
    return unicodedata.normalize("NFC", "".join(out)).translate(PLAIN_LETTERS)


def typo(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    candidates = [i for i, word in enumerate(words) if sum(c.isalpha() for c in word) >= 3]
    if not candidates:
        return text
    index = rng.choice(candidates)
    word = words[index]
    at = rng.choice([i for i, c in enumerate(word) if c.isalpha()])
    kind = rng.randrange(4)
    if kind == 0 and at + 1 < len(word) and word[at + 1].isalpha():
        word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    elif kind == 1:
        word = word[:at] + word[at + 1 :]
    elif kind == 2:
        word = word[:at] + word[at] + word[at:]
    else:
        word = word[:at] + rng.choice([c for c in text if c.isalpha()]) + word[at + 1 :]
    words[index] = word
    return " ".join(words)


def chat_like(text: str, rng: random.Random) -> str:
    """`text` as a resident would type it (see the module docstring)."""
    text = strip_accents(text.lower()).rstrip().rstrip(FINAL_PUNCTUATION).rstrip()
    if rng.random() < TYPO_SHARE:
        text = typo(text, rng)
    if rng.random() < EMOJI_SHARE:
        text = f"{text} {rng.choice(EMOJI)}"
    return text


def chat_version(samples: Sequence[Sample], seed: int) -> list[Sample]:
    rng = random.Random(seed)
    return [replace(s, text=chat_like(s.text, rng)) for s in samples]
