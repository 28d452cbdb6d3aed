"""The process's own figures for Prometheus (`/metrics`): counters the code bumps as things
happen, and gauges set just before a scrape. Labels name kinds of things (a Bot API method, an
outbox kind, a result), never a person, a chat or a case.

Hand-written rather than a client library: a dozen series, one registry per process (tests
build one each), and the text format is short.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

Labels = tuple[tuple[str, str], ...]

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass
class _Family:
    name: str
    kind: str  # counter | gauge | histogram
    help: str
    values: dict[Labels, float] = field(default_factory=dict)
    buckets: tuple[float, ...] = ()
    counts: dict[Labels, list[int]] = field(default_factory=dict)
    sums: dict[Labels, float] = field(default_factory=dict)


def _labels(labels: dict[str, str]) -> Labels:
    return tuple(sorted(labels.items()))


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _render_labels(labels: Labels, extra: tuple[tuple[str, str], ...] = ()) -> str:
    pairs = (*labels, *extra)
    if not pairs:
        return ""
    return "{" + ",".join(f'{key}="{_escape(value)}"' for key, value in pairs) + "}"


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == int(value):
        return str(int(value))
    return repr(value)


class Metrics:
    """One process's series. Counters only grow; gauges are replaced whole by `set_gauge`."""

    def __init__(self, prefix: str = "beatline") -> None:
        self.prefix = prefix
        self._families: dict[str, _Family] = {}

    def _family(self, name: str, kind: str, help_text: str) -> _Family:
        full = f"{self.prefix}_{name}"
        family = self._families.get(full)
        if family is None:
            family = self._families[full] = _Family(full, kind, help_text)
        return family

    def count(self, name: str, help_text: str, amount: float = 1, **labels: str) -> None:
        """Add `amount` to the counter `name` (created on first use, `_total` appended)."""
        family = self._family(f"{name}_total", "counter", help_text)
        key = _labels(labels)
        family.values[key] = family.values.get(key, 0) + amount

    def set_gauge(self, name: str, help_text: str, values: dict[Labels, float]) -> None:
        """Replace every series of the gauge `name` (a kind that vanished disappears)."""
        self._family(name, "gauge", help_text).values = dict(values)

    def gauge(self, name: str, help_text: str, value: float, **labels: str) -> None:
        """Set one series of the gauge `name`."""
        self._family(name, "gauge", help_text).values[_labels(labels)] = value

    def observe(self, name: str, help_text: str, seconds: float, **labels: str) -> None:
        """Record one duration in the histogram `name`."""
        family = self._family(name, "histogram", help_text)
        family.buckets = family.buckets or LATENCY_BUCKETS
        key = _labels(labels)
        counts = family.counts.setdefault(key, [0] * (len(family.buckets) + 1))
        for index, bound in enumerate(family.buckets):
            if seconds <= bound:
                counts[index] += 1
        counts[-1] += 1
        family.sums[key] = family.sums.get(key, 0.0) + seconds

    def value(self, name: str, **labels: str) -> float:
        """A counter's or gauge's current value (0 if never set): for tests and logs."""
        family = self._families.get(f"{self.prefix}_{name}")
        if family is None:
            return 0.0
        return family.values.get(_labels(labels), 0.0)

    def render(self) -> str:
        """The Prometheus text exposition format (version 0.0.4)."""
        lines: list[str] = []
        for family in sorted(self._families.values(), key=lambda f: f.name):
            lines.append(f"# HELP {family.name} {family.help}")
            lines.append(f"# TYPE {family.name} {family.kind}")
            if family.kind == "histogram":
                lines += _histogram_lines(family)
                continue
            for key in sorted(family.values):
                lines.append(f"{family.name}{_render_labels(key)} {_number(family.values[key])}")
        return "\n".join(lines) + "\n"


def _histogram_lines(family: _Family) -> list[str]:
    lines: list[str] = []
    for key in sorted(family.counts):
        counts = family.counts[key]
        for bound, count in zip((*family.buckets, math.inf), counts, strict=True):
            le = (("le", _number(bound)),)
            lines.append(f"{family.name}_bucket{_render_labels(key, le)} {count}")
        lines.append(f"{family.name}_sum{_render_labels(key)} {_number(family.sums[key])}")
        lines.append(f"{family.name}_count{_render_labels(key)} {counts[-1]}")
    return lines


CONTENT_TYPE = "text/plain; version=0.0.4"
