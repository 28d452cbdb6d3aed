"""Per-resident limits: how many cases may be open at once (the follow-ups a minute are
counted in bot.domain.followup_limit)."""

from __future__ import annotations

from bot.network.safety import Limits


def may_open_another(open_cases: int, limits: Limits) -> bool:
    return open_cases < limits.open_cases
