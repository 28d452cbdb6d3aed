"""Per-resident limits: how many cases may be open at once, and how many follow-ups a minute
(a token bucket kept on the resident's row, so a restart does not reset it)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.network.safety import Limits
from storage.models import Citizen

NOTICE_EVERY = timedelta(minutes=1)


def take_followup(citizen: Citizen, limits: Limits, now: datetime) -> bool:
    """Spend one follow-up; False when the resident is over the limit."""
    capacity = float(limits.followups_per_minute)
    tokens = capacity if citizen.flood_tokens is None else citizen.flood_tokens
    if citizen.flood_at is not None:
        elapsed = (now - citizen.flood_at).total_seconds()
        tokens = min(capacity, tokens + elapsed * capacity / 60)
    citizen.flood_at = now
    if tokens < 1:
        citizen.flood_tokens = tokens
        return False
    citizen.flood_tokens = tokens - 1
    return True


def should_notice_flood(citizen: Citizen, now: datetime) -> bool:
    """Say "slow down" once a minute, not for every refused message."""
    if citizen.flood_noticed_at is not None and now - citizen.flood_noticed_at < NOTICE_EVERY:
        return False
    citizen.flood_noticed_at = now
    return True


def may_open_another(open_cases: int, limits: Limits) -> bool:
    return open_cases < limits.open_cases
