"""The shape of the seeded databases (bench.seeding) and what the bench acts on in them."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

SPAN_DAYS = 730
HEAVY_RESIDENTS = 5  # residents with very many cases: one case in a hundred is theirs
RETENTION_DAYS = 180  # network.example.toml's closed_cases_days
SAMPLES = 30
CHUNK_CASES = 25_000
UI_LANGUAGES = ("nl", "en", "ar", "tr", "pl", "uk")
# Case languages: mostly the town's own, a few others, some not told apart ("other").
CASE_LANGUAGES = ("nl",) * 14 + ("en",) * 3 + ("ar", "tr", "pl", "uk", "other")
BLIND = "-(4611686018427387904 + ({0}::bigint * 2654435761) % 4611686018427387903)"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Samples:
    """What the bench acts on: ids chosen spread over the whole database."""

    residents: list[int]  # typical residents (a few cases each), sealed lists real
    heavy: list[int]  # the residents with very many cases
    refs: list[tuple[int, str]]  # (resident, one of their cases' ref) for /status
    topics: list[tuple[int, int, int]]  # (group, thread, a new message id) of cases not closed
    replies: list[tuple[int, int, int]]  # (resident, their chat, a staff copy there) open cases


@dataclass(frozen=True)
class Shape:
    cases: int
    per_case: int
    now: datetime

    @property
    def citizens(self) -> int:
        return max(10, self.cases * 3 // 10) + HEAVY_RESIDENTS

    @property
    def start(self) -> datetime:
        return self.now - timedelta(days=SPAN_DAYS)


def rate(say: Progress, what: str, rows: int, started: float, *, final: bool = True) -> None:
    seconds = time.perf_counter() - started
    mark = "" if final else " …"
    per_second = rows / max(seconds, 1e-9)
    say(f"  {what}: {rows:,} rows in {seconds:.1f} s ({per_second:,.0f} rows/s){mark}")
