"""How often each configured language uses a word: the evidence that decides short messages.

A two-word message gives a character model almost nothing to go on, while "obrigado amigo" or
"dank je" are plainly among the most common words of one language. The frequencies come from
the word lists of the `wordfreq` package (subtitles, chat, social media, news and Wikipedia;
its "small" lists: the words used at least once per million). They are folded to chat
spelling (`langid_text.fold`) and kept as one table: sorted 64-bit hashes of the words with a
row of quantised log frequencies, one byte per language (about 13 MB for the default network).

Building the table takes a few seconds, so it is built once, by a child process (whose
scratch memory then goes back to the system), into a file in the user's cache directory, and
mapped read-only from there: every bot process on the machine shares the same pages.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import json
import math
import mmap
import os
import subprocess
import sys
import tempfile
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import msgpack

from bot.domain.language.text import fold_lines

# The rarest frequency the small lists keep: a listed word is at least this common.
FLOOR = 1e-6
# Quantisation steps per nat of log(frequency / FLOOR); 0 in a row means "not listed".
STEPS = 16.0
# wordfreq keeps Serbian, Croatian and Bosnian as one Serbo-Croatian list, in Latin letters.
LIST_NAMES = {"sr": "sh", "hr": "sh", "bs": "sh"}
# Part of the cache file's name: change it whenever folding, hashing or the layout changes.
FORMAT = "words-1"
MAGIC = b"BEATLINE-WORDS\n"


def word_key(folded: str) -> int:
    """A stable 64-bit hash of a folded word (the same in every process)."""
    digest = hashlib.blake2b(folded.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def _data_dir() -> Path | None:
    # The data files only: importing wordfreq itself would load tokenisers we do not use.
    spec = importlib.util.find_spec("wordfreq")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def list_files(languages: Iterable[str]) -> dict[str, Path]:
    """The wordfreq list of each of `languages` that has one."""
    data = _data_dir()
    if data is None:
        return {}
    found = {}
    for code in dict.fromkeys(languages):
        path = data / f"small_{LIST_NAMES.get(code, code)}.msgpack.gz"
        if path.exists():
            found[code] = path
    return found


def _read_list(path: Path) -> Iterator[tuple[list[str], float]]:
    """(words, frequency) from a wordfreq "cBpack": gzip'd msgpack, a header and then one list
    of words per centibel of frequency, starting at 0 cB (frequency 1)."""
    with gzip.open(path, "rb") as stream:
        data = msgpack.unpack(stream, raw=False)
    header, buckets = data[0], data[1:]
    if not isinstance(header, dict) or header.get("format") != "cB":
        raise ValueError(f"{path}: not a wordfreq frequency list")
    for centibels, bucket in enumerate(buckets):
        if bucket:
            yield bucket, 10.0 ** (-centibels / 100)


def _quantise(frequency: float) -> int:
    return max(1, min(255, 1 + round(math.log(frequency / FLOOR) * STEPS)))


def _column(path: Path) -> dict[int, int]:
    """One language's list: word key → quantised frequency. Spellings that fold alike ("está",
    "esta") add up, as chat writes them alike."""
    frequencies: dict[str, float] = {}
    for bucket, frequency in _read_list(path):
        for word in fold_lines("\n".join(bucket)).split("\n"):
            if word.isalpha():
                frequencies[word] = frequencies.get(word, 0.0) + frequency
    return {word_key(word): _quantise(value) for word, value in frequencies.items()}


def build(target: Path, languages: Sequence[str]) -> None:
    """Write the table for `languages` (codes with a list, in column order) to `target`."""
    files = list_files(languages)
    columns = [_column(files[code]) for code in languages]
    keys = array("q", sorted(set().union(*columns)))
    position = {key: index for index, key in enumerate(keys)}
    width = len(columns)
    rows = bytearray(len(keys) * width)
    for language, column in enumerate(columns):
        for key, step in column.items():
            rows[position[key] * width + language] = step
    header = json.dumps({"languages": list(languages), "words": len(keys)}).encode() + b"\n"
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as scratch:
        scratch.write(MAGIC + header)
        scratch.write(b"\0" * (-scratch.tell() % 8))  # the keys start 8-byte aligned
        scratch.write(keys.tobytes())
        scratch.write(rows)
    Path(scratch.name).replace(target)  # whole or not at all, even with two builders at once


def default_cache_dir() -> Path:
    """~/.cache/beatline (or under XDG_CACHE_HOME); the temporary directory where that cannot
    be written."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    for folder in (Path(base) / "beatline", Path(tempfile.gettempdir()) / "beatline"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(folder, os.W_OK):
            return folder
    raise OSError("no writable cache directory for the word table")


class WordTable:
    """Folded word → how common it is in each of `languages` (those that have a list)."""

    def __init__(self, languages: Iterable[str], cache_dir: Path | None = None) -> None:
        files = list_files(languages)
        self.languages: tuple[str, ...] = tuple(files)
        self._width = len(self.languages)
        self._keys: Sequence[int] = ()
        self._rows = memoryview(b"")
        self._map: mmap.mmap | None = None  # kept open for the life of the table
        if not files:
            return
        identity = json.dumps(
            [FORMAT, [(code, p.name, p.stat().st_size) for code, p in files.items()]]
        )
        name = hashlib.sha256(identity.encode()).hexdigest()[:16]
        path = (cache_dir or default_cache_dir()) / f"{FORMAT}-{name}.bin"
        if not path.exists():
            # A child process builds it: its scratch memory goes back to the system with it.
            subprocess.run(
                [sys.executable, "-m", __name__, str(path), *self.languages],
                check=True,
                env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
            )
        self._load(path)

    def _load(self, path: Path) -> None:
        with path.open("rb") as stream:
            self._map = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
        view = memoryview(self._map)
        if bytes(view[: len(MAGIC)]) != MAGIC:
            raise ValueError(f"{path}: not a word table")
        end = self._map.find(b"\n", len(MAGIC))
        header = json.loads(bytes(view[len(MAGIC) : end]))
        if header["languages"] != list(self.languages):
            raise ValueError(f"{path}: built for {header['languages']}")
        count = header["words"]
        start = end + 1 + (-(end + 1) % 8)
        self._keys = view[start : start + 8 * count].cast("q")
        self._rows = view[start + 8 * count : start + 8 * count + count * self._width]

    def __len__(self) -> int:
        return len(self._keys)

    def steps(self, folded: str) -> bytes:
        """The quantised frequency of a folded word in each language, 0 where unlisted."""
        key = word_key(folded)
        index = bisect_left(self._keys, key)
        if index < len(self._keys) and self._keys[index] == key:
            return bytes(self._rows[index * self._width : (index + 1) * self._width])
        return bytes(self._width)

    @staticmethod
    def log_ratio(step: int) -> float:
        """log(frequency / FLOOR) of a quantised frequency (step > 0)."""
        return (step - 1) / STEPS


if __name__ == "__main__":
    build(Path(sys.argv[1]), sys.argv[2:])
