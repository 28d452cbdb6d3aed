"""Language identification on short texts: Beatline's detector against langdetect.

Reads the development set (../shared/langid/dev.jsonl: sentences, two-word and one-word samples
per language) and prints, for both detectors measured in the same run: accuracy per language and
per length bucket, macro accuracy per bucket (Beatline's with and without the citizen's language
as a hint), median and p95 milliseconds per detection, and resident memory after loading.

Serbian, Croatian and Bosnian count as one group, as Beatline serves them. Run from the root:

    .venv/bin/python -m bench.langid [--data ../shared/langid/dev.jsonl] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.network import DEFAULT_LANGUAGES
from bot.services.language import GROUPS, LanguageIdentifier

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "langid" / "dev.jsonl"
BUCKETS = ("sentence", "two-words", "one-word")
TARGETS = {"sentence": 0.99, "two-words": 0.95, "one-word": 0.88}


@dataclass(frozen=True)
class Sample:
    bucket: str
    language: str  # grouped (hr, bs → sr)
    text: str


@dataclass
class Result:
    correct: dict[tuple[str, str], int]
    total: dict[tuple[str, str], int]
    seconds: list[float]

    def macro(self, bucket: str) -> float:
        scores = [self.correct[key] / self.total[key] for key in self.total if key[0] == bucket]
        return statistics.mean(scores) if scores else 0.0


def load(path: Path, limit: int | None) -> list[Sample]:
    samples = []
    per_key: dict[tuple[str, str], int] = defaultdict(int)
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            key = (row["set"], row["lang"])
            if limit is not None and per_key[key] >= limit:
                continue
            per_key[key] += 1
            language = GROUPS.get(row["lang"], row["lang"])
            samples.append(Sample(row["set"], language, row["text"]))
    return samples


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def evaluate(samples: Sequence[Sample], detect: Callable[[Sample], str | None]) -> Result:
    result = Result(defaultdict(int), defaultdict(int), [])
    for sample in samples:
        started = time.perf_counter()
        found = detect(sample)
        result.seconds.append(time.perf_counter() - started)
        key = (sample.bucket, sample.language)
        result.total[key] += 1
        result.correct[key] += GROUPS.get(found or "", found) == sample.language
    return result


def langdetect_detector() -> Callable[[Sample], str | None]:
    from langdetect import DetectorFactory, LangDetectException, detect

    DetectorFactory.seed = 0  # langdetect is random otherwise

    def run(sample: Sample) -> str | None:
        try:
            return str(detect(sample.text)).split("-")[0]
        except LangDetectException:
            return None

    return run


def milliseconds(result: Result) -> tuple[float, float]:
    ordered = sorted(result.seconds)
    return (
        statistics.median(ordered) * 1000,
        ordered[int(len(ordered) * 0.95)] * 1000,
    )


def print_report(results: dict[str, Result], memory: dict[str, float]) -> None:
    languages = sorted({key[1] for key in next(iter(results.values())).total})
    names = list(results)
    print("accuracy per language (sentence / two words / one word)")
    print(f"{'lang':<6}" + "".join(f"{name:>36}" for name in names))
    for language in languages:
        cells = []
        for name in names:
            result = results[name]
            parts = [
                result.correct[(bucket, language)] / result.total[(bucket, language)]
                for bucket in BUCKETS
                if result.total[(bucket, language)]
            ]
            cells.append(" / ".join(f"{value:6.1%}" for value in parts))
        print(f"{language:<6}" + "".join(f"{cell:>36}" for cell in cells))
    print()
    print(
        f"{'macro accuracy':<32}"
        + "".join(f"{bucket:>12}" for bucket in BUCKETS)
        + f"{'median ms':>12}{'p95 ms':>10}{'memory MB':>12}"
    )
    for name, result in results.items():
        median, p95 = milliseconds(result)
        print(
            f"{name:<32}"
            + "".join(f"{result.macro(bucket):>12.1%}" for bucket in BUCKETS)
            + f"{median:>12.3f}{p95:>10.3f}{memory.get(name.split(' ')[0], 0.0):>12.0f}"
        )
    print()
    hinted = results["beatline (correct hint)"]
    plain = results["beatline (no hint)"]
    checks = [
        ("sentences ≥ 99 %", plain.macro("sentence") >= TARGETS["sentence"]),
        ("two words ≥ 95 %", plain.macro("two-words") >= TARGETS["two-words"]),
        ("one word with a correct hint ≥ 88 %", hinted.macro("one-word") >= TARGETS["one-word"]),
        ("p95 < 1 ms", milliseconds(plain)[1] < 1.0),
    ]
    for label, met in checks:
        print(f"target {label}: {'met' if met else 'NOT met'}")
    for bucket in BUCKETS:
        ratio = plain.macro(bucket) / max(results["langdetect"].macro(bucket), 1e-9)
        print(f"beatline / langdetect on {bucket}: {ratio:.2f}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.langid", description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=None, help="samples per language and set")
    args = parser.parse_args(argv)
    samples = load(args.data, args.limit)
    print(f"{len(samples)} samples from {args.data}")

    memory: dict[str, float] = {}
    before = max_rss_mb()
    plain_langdetect = langdetect_detector()
    plain_langdetect(Sample("sentence", "en", "warm up the profiles"))
    memory["langdetect"] = max_rss_mb() - before
    before = max_rss_mb()
    identifier = LanguageIdentifier(DEFAULT_LANGUAGES)
    memory["beatline"] = max_rss_mb() - before

    results = {
        "beatline (no hint)": evaluate(samples, lambda s: identifier.detect(s.text).code),
        "beatline (correct hint)": evaluate(
            samples, lambda s: identifier.detect(s.text, s.language).code
        ),
        "langdetect": evaluate(samples, plain_langdetect),
    }
    print_report(results, memory)


if __name__ == "__main__":
    main()
