"""Language identification as residents write: Beatline's detector on the development set as it
is and as chat (see `bench.langid_data`), with no hint, the correct hint and a wrong hint (a
different configured language); on the outside set (12 unlisted languages, all "other"); on
our own short messages in 12 more unlisted languages and in Ethiopic script; with memory and
latency, and which of the issue's targets are met.

Baselines measured in the same run: langdetect, and lingua in high-accuracy mode restricted to
the configured languages (the core of the previous detector), both without a hint; memory
also for the previous detector (lingua high accuracy plus lingua's wide low-accuracy model).
Memory is the resident set of a fresh process that imports the bot (`bot.app.runtime`, `handlers`),
builds the detector for the default network and runs it on 2,000 texts.

Serbian, Croatian and Bosnian count as one group, as Beatline serves them. Run from the root
(about four minutes; --no-baselines saves two):

    .venv/bin/python -m bench.langid [--data ../shared/langid] [--limit N] [--seed 12]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.langid_data import (
    ETHIOPIC,
    UNLISTED,
    Sample,
    chat_version,
    load,
    load_own,
    with_wrong_hints,
)
from bot.domain.language.identifier import GROUPS, OTHER, LanguageIdentifier
from bot.network.schema import DEFAULT_LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "langid"
BUCKETS = ("sentence", "two-words", "one-word")
SHORT = {"sentence": "sent", "two-words": "two", "one-word": "one"}
MEMORY_LIMIT_MB = 300.0

Detect = Callable[[Sample], str | None]


@dataclass
class Tally:
    """Per (bucket, language): samples, right answers and "other" answers; seconds per call."""

    total: Counter[tuple[str, str]] = field(default_factory=Counter)
    right: Counter[tuple[str, str]] = field(default_factory=Counter)
    other: Counter[tuple[str, str]] = field(default_factory=Counter)
    guesses: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    seconds: list[float] = field(default_factory=list)

    def share(self, bucket: str, language: str) -> float | None:
        key = (bucket, language)
        return self.right[key] / self.total[key] if self.total[key] else None

    def macro(self, bucket: str) -> float:
        scores = [self.right[k] / self.total[k] for k in self.total if k[0] == bucket]
        return statistics.mean(scores) if scores else 0.0

    def other_share(self, bucket: str) -> float:
        total = sum(n for k, n in self.total.items() if k[0] == bucket)
        return sum(n for k, n in self.other.items() if k[0] == bucket) / max(total, 1)

    def milliseconds(self) -> tuple[float, float]:
        ordered = sorted(self.seconds)
        return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.95)] * 1000


def evaluate(samples: Sequence[Sample], detect: Detect, expect_other: bool = False) -> Tally:
    tally = Tally()
    for sample in samples:
        started = time.perf_counter()
        found = detect(sample)
        tally.seconds.append(time.perf_counter() - started)
        key = (sample.bucket, sample.language)
        code = GROUPS.get(found or "", found)
        tally.total[key] += 1
        tally.other[key] += code == OTHER
        tally.right[key] += code == (OTHER if expect_other else sample.language)
    return tally


def beatline(identifier: LanguageIdentifier, hint: Callable[[Sample], str | None]) -> Detect:
    return lambda s: identifier.detect(s.text, hint(s)).code


def beatline_guessing(identifier: LanguageIdentifier, tally: Tally) -> Detect:
    """Like `beatline` without a hint, noting the best guess given with each "other"."""

    def run(sample: Sample) -> str:
        detection = identifier.detect(sample.text)
        if detection.code == OTHER:
            tally.guesses[sample.language][detection.guess or "?"] += 1
        return detection.code

    return run


def langdetect_detector() -> Detect:
    from langdetect import DetectorFactory, LangDetectException, detect

    DetectorFactory.seed = 0  # langdetect is random otherwise

    def run(sample: Sample) -> str | None:
        try:
            return str(detect(sample.text)).split("-")[0]
        except LangDetectException:
            return None

    return run


def lingua_high_detector(languages: Sequence[str]) -> Detect:
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    codes = set(languages) | ({"hr", "bs"} if "sr" in languages else set())
    known = [
        Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper()))
        for c in sorted(codes)
        if hasattr(IsoCode639_1, c.upper())
    ]
    detector = LanguageDetectorBuilder.from_languages(*known).with_preloaded_language_models()
    built = detector.build()

    def run(sample: Sample) -> str | None:
        found = built.detect_language_of(sample.text)
        return found.iso_code_639_1.name.lower() if found else None

    return run


MEMORY_PROBE = """
import json, sys
def status():
    fields = {}
    for line in open("/proc/self/status"):
        name, _, value = line.partition(":")
        if name in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return fields
import bot.app.runtime, handlers  # what `python -m bot run` imports
from bot.network.schema import DEFAULT_LANGUAGES
bot_only = status()
texts = [json.loads(line)["text"] for line in open(sys.argv[2], encoding="utf-8")][::9]
if sys.argv[1] == "beatline":
    from bot.domain.language.identifier import LanguageIdentifier
    identifier = LanguageIdentifier(DEFAULT_LANGUAGES)
    detect = lambda text: identifier.detect(text, "en")
else:
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder as B
    codes = sorted(set(DEFAULT_LANGUAGES) | {"hr", "bs"})
    known = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper()))
             for c in codes if hasattr(IsoCode639_1, c.upper())]
    high = B.from_languages(*known).with_preloaded_language_models().build()
    wide = B.from_all_languages().with_low_accuracy_mode().with_preloaded_language_models().build()
    def detect(text):
        high.compute_language_confidence_values(text)
        wide.compute_language_confidence_values(text)
for text in texts:
    detect(text)
print(json.dumps({"bot": bot_only, "loaded": status(), "texts": len(texts)}))
"""


def measure_memory(design: str, data: Path) -> dict[str, dict[str, float]]:
    """Resident memory of a fresh bot process with `design` ("beatline" or "previous")."""
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, design, str(data / "dev.jsonl")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, dict[str, float]] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def cells(tally: Tally, language: str) -> str:
    parts = [tally.share(bucket, language) for bucket in BUCKETS]
    return " / ".join("   -  " if p is None else f"{p:6.1%}" for p in parts)


def print_languages(title: str, tallies: dict[str, Tally]) -> None:
    languages = sorted({key[1] for t in tallies.values() for key in t.total})
    print(f"\n{title}: accuracy per language (sentence / two words / one word)")
    print(f"{'lang':<6}" + "".join(f"{name:>30}" for name in tallies))
    for language in languages:
        print(f"{language:<6}" + "".join(f"{cells(t, language):>30}" for t in tallies.values()))
    print(
        f"{'macro':<6}"
        + "".join(
            f"{' / '.join(f'{t.macro(b):6.1%}' for b in BUCKETS):>30}" for t in tallies.values()
        )
    )


def flagged(tally: Tally, language: str) -> float:
    total = sum(n for k, n in tally.total.items() if k[1] == language)
    return sum(n for k, n in tally.right.items() if k[1] == language) / max(total, 1)


def print_other(title: str, tallies: dict[str, Tally], guesses: Tally) -> None:
    languages = sorted({key[1] for t in tallies.values() for key in t.total})
    print(f"\n{title}: share reported as other")
    print(
        f"{'lang':<6}" + "".join(f"{name:>20}" for name in tallies) + "   guesses (clean, no hint)"
    )
    for language in languages:
        row = "".join(f"{flagged(t, language):>20.1%}" for t in tallies.values())
        seen = ", ".join(f"{g} {n}" for g, n in guesses.guesses[language].most_common(3))
        print(f"{language:<6}{row}   {seen}")
    print(
        f"{'all':<6}"
        + "".join(
            f"{sum(t.right.values()) / max(sum(t.total.values()), 1):>20.1%}"
            for t in tallies.values()
        )
    )


def no_hint(_: Sample) -> None:
    return None


def correct_hint(sample: Sample) -> str:
    return sample.language


def wrong_hint(sample: Sample) -> str | None:
    return sample.wrong_hint


HINTS: dict[str, Callable[[Sample], str | None]] = {
    "no hint": no_hint,
    "correct hint": correct_hint,
    "wrong hint": wrong_hint,
}


def unlisted_tallies(
    identifier: LanguageIdentifier, clean: list[Sample], chat: list[Sample], guesses: Tally
) -> dict[str, Tally]:
    """Texts in unlisted languages, as they are and chat-like, without and with a hint."""
    return {
        "clean, no hint": evaluate(clean, beatline_guessing(identifier, guesses), True),
        "clean, a hint": evaluate(clean, beatline(identifier, wrong_hint), True),
        "chat-like, no hint": evaluate(chat, beatline(identifier, no_hint), True),
        "chat-like, a hint": evaluate(chat, beatline(identifier, wrong_hint), True),
    }


def print_ethiopic(samples: list[Sample]) -> None:
    """Amharic and Tigrinya by rule: with the default network (Tigrinya listed, Amharic not, so
    Amharic should be "other (best guess am)") and with both listed."""
    print("\nEthiopic script (own messages): right answers")
    for name, languages in (
        ("default network (ti listed)", DEFAULT_LANGUAGES),
        ("am and ti listed", (*DEFAULT_LANGUAGES, "am")),
    ):
        identifier = LanguageIdentifier(languages)
        scores = []
        for language in ("am", "ti"):
            mine = [s for s in samples if s.language == language]
            expected = (language if language in languages else OTHER, language)
            right = sum(
                (found.code, found.guess) == expected
                for found in (identifier.detect(s.text) for s in mine)
            )
            scores.append(f"{language} {right}/{len(mine)} as {expected[0]} ({expected[1]})")
        print(f"  {name:<30} " + "; ".join(scores))


def print_memory(data: Path, load_seconds: float) -> float:
    memory = measure_memory("beatline", data)
    previous = measure_memory("previous", data)
    bot, loaded = memory["bot"], memory["loaded"]
    print(
        f"\nmemory, a fresh process that imports the bot and detects {memory['texts']} texts:\n"
        f"  bot alone                      {bot['VmRSS']:5.0f} MB\n"
        f"  bot with Beatline's detector   {loaded['VmRSS']:5.0f} MB (detector "
        f"{loaded['VmRSS'] - bot['VmRSS']:.0f} MB: {loaded['RssAnon'] - bot['RssAnon']:.0f} "
        f"anonymous, {loaded['RssFile'] - bot['RssFile']:.0f} file-backed; peak "
        f"{loaded['VmHWM']:.0f} MB; built in {load_seconds:.1f} s)\n"
        f"  bot with the previous detector {previous['loaded']['VmRSS']:5.0f} MB (detector "
        f"{previous['loaded']['VmRSS'] - previous['bot']['VmRSS']:.0f} MB)\n"
        f"  ratio to the previous          {loaded['VmRSS'] / previous['loaded']['VmRSS']:5.2f}"
    )
    return loaded["VmRSS"]


def print_summary(
    results: dict[tuple[str, str], Tally], baselines: dict[str, tuple[Tally, Tally]]
) -> None:
    print(
        f"\n{'macro accuracy':<42}"
        + "".join(f"{SHORT[b]:>8}" for b in BUCKETS)
        + f"{'median ms':>11}{'p95 ms':>9}"
    )
    rows = [(f"beatline, {text}, {hint}", tally) for (text, hint), tally in results.items()]
    for name, (clean_tally, chat_tally) in baselines.items():
        rows += [
            (f"{name}, clean, no hint", clean_tally),
            (f"{name}, chat-like, no hint", chat_tally),
        ]
    for name, tally in rows:
        median, p95 = tally.milliseconds()
        print(
            f"{name:<42}"
            + "".join(f"{tally.macro(b):>8.1%}" for b in BUCKETS)
            + f"{median:>11.3f}{p95:>9.3f}"
        )
    ours = results[("chat-like", "no hint")]
    for name, (_, chat_tally) in baselines.items():
        ratios = ", ".join(
            f"{SHORT[b]} {ours.macro(b) / max(chat_tally.macro(b), 1e-9):.3f}" for b in BUCKETS
        )
        print(f"beatline / {name} on chat-like text, no hint: {ratios}")


def print_targets(
    results: dict[tuple[str, str], Tally], outside: dict[str, Tally], total_mb: float
) -> None:
    right = results[("chat-like", "correct hint")]
    wrong = results[("chat-like", "wrong hint")]
    worst_other = max(t.other_share("sentence") for t in results.values())
    flagged = min(
        outside[m].macro("outside-sentence") for m in ("clean, no hint", "clean, a hint")
    )
    median = max(t.milliseconds()[0] for t in results.values())
    p95 = max(t.milliseconds()[1] for t in results.values())
    checks = [
        ("chat-like sentences, correct hint ≥ 98 %", right.macro("sentence") >= 0.98),
        ("chat-like sentences, wrong hint ≥ 96 %", wrong.macro("sentence") >= 0.96),
        ("chat-like two words, correct hint ≥ 95 %", right.macro("two-words") >= 0.95),
        ("chat-like two words, wrong hint ≥ 85 %", wrong.macro("two-words") >= 0.85),
        (f"outside set flagged other ≥ 80 % (worse hint case {flagged:.1%})", flagged >= 0.8),
        (
            f"configured sentences flagged other < 0.5 % (worst case {worst_other:.2%})",
            worst_other < 0.005,
        ),
        (f"median < 1 ms (slowest case {median:.3f} ms)", median < 1.0),
        (f"p95 < 2 ms (slowest case {p95:.3f} ms)", p95 < 2.0),
        (
            f"whole bot process ≤ {MEMORY_LIMIT_MB:.0f} MB ({total_mb:.0f} MB)",
            total_mb <= MEMORY_LIMIT_MB,
        ),
    ]
    print()
    for label, met in checks:
        print(f"target {label}: {'met' if met else 'NOT met'}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.langid", description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=None, help="samples per language and set")
    parser.add_argument("--seed", type=int, default=12, help="seed of the chat-like perturbation")
    parser.add_argument("--no-baselines", action="store_true", help="skip langdetect and lingua")
    args = parser.parse_args(argv)

    dev = load(args.data / "dev.jsonl", args.limit)
    configured = sorted({s.language for s in dev})  # the default network's, as the set has them
    clean = with_wrong_hints(dev, configured, args.seed)
    chat = chat_version(clean, args.seed)
    outside = with_wrong_hints(
        load(args.data / "outside.jsonl", args.limit), configured, args.seed
    )
    unlisted = with_wrong_hints(load_own(UNLISTED, "unlisted"), configured, args.seed)
    print(
        f"{len(dev)} development samples, {len(outside)} outside sentences, {len(unlisted)} own "
        f"messages in other unlisted languages; chat-like seed {args.seed}"
    )

    started = time.perf_counter()
    identifier = LanguageIdentifier(DEFAULT_LANGUAGES)
    load_seconds = time.perf_counter() - started
    results = {
        (text, hint): evaluate(samples, beatline(identifier, HINTS[hint]))
        for text, samples in (("clean", clean), ("chat-like", chat))
        for hint in HINTS
    }
    far_guesses, own_guesses = Tally(), Tally()
    far = unlisted_tallies(identifier, outside, chat_version(outside, args.seed), far_guesses)
    own = unlisted_tallies(identifier, unlisted, chat_version(unlisted, args.seed), own_guesses)
    baselines: dict[str, tuple[Tally, Tally]] = {}
    if not args.no_baselines:
        makers: dict[str, Callable[[], Detect]] = {
            "langdetect": langdetect_detector,
            "lingua high accuracy": lambda: lingua_high_detector(DEFAULT_LANGUAGES),
        }
        for name, make in makers.items():
            detector = make()
            baselines[name] = (evaluate(clean, detector), evaluate(chat, detector))

    print_languages("clean", {"no hint": results[("clean", "no hint")]})
    print_languages("chat-like", {"no hint": results[("chat-like", "no hint")]})
    for hint in ("correct hint", "wrong hint"):
        print_languages(
            hint, {"clean": results[("clean", hint)], "chat": results[("chat-like", hint)]}
        )
    print_other("outside set (4+ words, all unlisted)", far, far_guesses)
    print_other("own messages in 12 other unlisted languages", own, own_guesses)
    print_ethiopic(load_own(ETHIOPIC, "ethiopic"))
    print("\nconfigured-language sentences reported as other")
    for (text, hint), tally in results.items():
        print(f"  {text:<10} {hint:<13} {tally.other_share('sentence'):7.2%}")
    total_mb = print_memory(args.data, load_seconds)
    print_summary(results, baselines)
    print_targets(results, far, total_mb)


if __name__ == "__main__":
    main()
