"""The trust pulse's trend: per question, the mean answer (1–5) month by month over the year
up to the period, and per area over that year. A mean built on 1 to 4 answers is not shown
(the "< 5" rule), so no figure gives away one resident's answer."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from bot.domain.stats.periods import Period
from bot.domain.stats.rules import Cell, Scope, publishable
from bot.network.desks import DeskKind
from bot.network.schema import Network
from storage.statistics import PulseFacts

TREND_MONTHS = 12
NO_AREA = ""  # answers of residents who follow no area (see bot.domain.pulse)


@dataclass(frozen=True)
class PulseScore:
    """The answers to one question in one cell: how many (through the rule) and their mean."""

    answers: Cell
    mean: float | None  # None: no answers, or too few to show

    @classmethod
    def of(cls, scores: dict[int, int]) -> PulseScore:
        count = sum(scores.values())
        answers = publishable(count)
        if answers.hidden or not count:
            return cls(answers, None)
        return cls(answers, sum(score * n for score, n in scores.items()) / count)


@dataclass(frozen=True)
class PulseFigures:
    questions: tuple[str, ...]
    months: list[date]  # first days, oldest first
    trend: dict[str, list[PulseScore]]  # question → one score per month
    by_area: dict[str, dict[str, PulseScore]]  # area → question → over all the months

    @property
    def answered(self) -> bool:
        """Whether anyone answered in the months shown (a chart is drawn only then)."""
        return any(score.answers.count != 0 for scores in self.trend.values() for score in scores)


def trend_months(period: Period) -> list[date]:
    """The TREND_MONTHS months ending with the period's last month."""
    year, month = period.last_day.year, period.last_day.month
    months = []
    for _ in range(TREND_MONTHS):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def pulse_areas(network: Network, scope: Scope) -> list[str] | None:
    """The areas whose answers a scope sees: the whole network (with the residents who follow
    no area) for the coordinators and for a police desk that names no areas, a police desk's
    own areas otherwise, nothing for a partner (None)."""
    everywhere = [area.code for area in network.areas] + [NO_AREA]
    if scope.desk is None:
        return everywhere
    desk = network.desks_by_code().get(scope.desk)
    if desk is None or desk.kind is DeskKind.PARTNER:
        return None
    return list(desk.areas) or everywhere


def compute_pulse(
    network: Network, areas: Sequence[str], months: Sequence[date], facts: Iterable[PulseFacts]
) -> PulseFigures:
    questions = tuple(q.value for q in network.pulse.questions)
    per_month: dict[tuple[str, date], dict[int, int]] = defaultdict(dict)
    per_area: dict[tuple[str, str], dict[int, int]] = defaultdict(dict)
    for fact in facts:
        if fact.area not in areas or fact.month not in months or fact.question not in questions:
            continue
        month_scores = per_month[fact.question, fact.month]
        month_scores[fact.score] = month_scores.get(fact.score, 0) + fact.count
        area_scores = per_area[fact.area, fact.question]
        area_scores[fact.score] = area_scores.get(fact.score, 0) + fact.count
    return PulseFigures(
        questions=questions,
        months=list(months),
        trend={q: [PulseScore.of(per_month[q, month]) for month in months] for q in questions},
        by_area={
            area: {q: PulseScore.of(per_area[area, q]) for q in questions}
            for area in areas
            if area != NO_AREA
        },
    )
