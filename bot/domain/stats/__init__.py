"""The figures behind /stats and the monthly report, and the rules for publishing them.

A period is read in the network's time zone. A scope is one desk or the whole network; a
desk's figures are computed from its own cases only. Counts broken down by area, category,
language, privacy tier, week or desk are `Cell`s: 1 to 4 cases are never given as a number
("< 5"), so no chart, CSV or report can point at one resident. The raw counts of those
breakdowns do not leave this package.

periods: what a period is and how it is typed; rules: scopes and the "< 5" rule; figures: the
published shapes; compute: from rows to figures; pulse: the trust pulse's trend.
"""

from __future__ import annotations

from bot.domain.stats.compute import OTHER_LANGUAGE, REPLY_EDGES, collect, compute
from bot.domain.stats.figures import (
    AlertRow,
    Bucket,
    CaseFigures,
    DeskRow,
    Durations,
    Figures,
    ReferralRow,
    ReplyBin,
    TargetShare,
)
from bot.domain.stats.periods import (
    DEFAULT_WEEKS,
    MAX_PERIOD_DAYS,
    WEEKLY_UP_TO_DAYS,
    Period,
    PeriodError,
    PeriodProblem,
    common_periods,
    last_weeks,
    month_period,
    parse_period,
)
from bot.domain.stats.pulse import (
    TREND_MONTHS,
    PulseFigures,
    PulseScore,
    compute_pulse,
    pulse_areas,
    trend_months,
)
from bot.domain.stats.rules import (
    HIDDEN,
    SMALL_CELL,
    Cell,
    Scope,
    cells,
    publishable,
    scope_for_chat,
)
from storage.statistics_shapes import quantile

__all__ = [
    "DEFAULT_WEEKS",
    "HIDDEN",
    "MAX_PERIOD_DAYS",
    "OTHER_LANGUAGE",
    "REPLY_EDGES",
    "SMALL_CELL",
    "TREND_MONTHS",
    "WEEKLY_UP_TO_DAYS",
    "AlertRow",
    "Bucket",
    "CaseFigures",
    "Cell",
    "DeskRow",
    "Durations",
    "Figures",
    "Period",
    "PeriodError",
    "PeriodProblem",
    "PulseFigures",
    "PulseScore",
    "ReferralRow",
    "ReplyBin",
    "Scope",
    "TargetShare",
    "cells",
    "collect",
    "common_periods",
    "compute",
    "compute_pulse",
    "last_weeks",
    "month_period",
    "parse_period",
    "publishable",
    "pulse_areas",
    "quantile",
    "scope_for_chat",
    "trend_months",
]
