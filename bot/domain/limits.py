"""Per-resident limits: how many cases may be open at once, and how many follow-ups a minute
(a token bucket kept on the resident's row, so a restart does not reset it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.network.safety import Limits
from storage.models import Citizen

NOTICE_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Bucket:
    """A resident's follow-up bucket after a follow-up: `allowed` is False when it was over
    the limit; `tokens` and `at` are what the resident's row keeps."""

    allowed: bool
    tokens: float
    at: datetime


def take_followup(citizen: Citizen, limits: Limits, now: datetime) -> Bucket:
    """Spend one follow-up. The resident is left as it is: the caller writes the bucket."""
    capacity = float(limits.followups_per_minute)
    tokens = capacity if citizen.flood_tokens is None else citizen.flood_tokens
    if citizen.flood_at is not None:
        elapsed = (now - citizen.flood_at).total_seconds()
        tokens = min(capacity, tokens + elapsed * capacity / 60)
    if tokens < 1:
        return Bucket(allowed=False, tokens=tokens, at=now)
    return Bucket(allowed=True, tokens=tokens - 1, at=now)


def should_notice_flood(citizen: Citizen, now: datetime) -> bool:
    """Say "slow down" once a minute, not for every refused message."""
    if citizen.flood_noticed_at is not None and now - citizen.flood_noticed_at < NOTICE_EVERY:
        return False
    citizen.flood_noticed_at = now
    return True


def may_open_another(open_cases: int, limits: Limits) -> bool:
    return open_cases < limits.open_cases
