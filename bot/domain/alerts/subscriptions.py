"""What a resident follows (areas and topics) and when they do not want to be woken."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.kinds import SubscriptionKind
from storage.alerts import Subscriptions
from storage.models import Citizen, Subscription


async def toggle(
    session: AsyncSession, citizen: Citizen, kind: SubscriptionKind, code: str, now: datetime
) -> bool:
    """Follow or stop following `code`; True when the resident now follows it."""
    repo = Subscriptions(session)
    existing = await repo.find(citizen.id, kind, code)
    if existing is not None:
        await repo.remove(existing)
        return False
    await repo.add(Subscription(citizen_id=citizen.id, kind=kind, code=code, created_at=now))
    return True


async def subscribe(
    session: AsyncSession, citizen: Citizen, kind: SubscriptionKind, code: str, now: datetime
) -> None:
    """Follow `code` (doing nothing if the resident already does)."""
    if await Subscriptions(session).find(citizen.id, kind, code) is None:
        await toggle(session, citizen, kind, code, now)


def parse_quiet(text: str) -> tuple[str, str] | None:
    """ "22:00-07:00" or "22-7" → ("22:00", "07:00"); None if it is not two times of day."""
    try:
        start, end = (_time_of_day(part) for part in text.split("-"))
    except ValueError:
        return None
    return (start, end) if start != end else None


def _time_of_day(text: str) -> str:
    text = text.strip()
    if text.isdigit() and int(text) < 24:
        return f"{int(text):02d}:00"
    return time.fromisoformat(text).strftime("%H:%M")


def quiet_until(citizen: Citizen, now: datetime, zone: ZoneInfo) -> datetime | None:
    """When the resident's quiet hours end, if `now` is inside them."""
    if not citizen.quiet_start or not citizen.quiet_end:
        return None
    local = now.astimezone(zone)
    start, end = time.fromisoformat(citizen.quiet_start), time.fromisoformat(citizen.quiet_end)
    clock = local.time()
    inside = start <= clock < end if start < end else clock >= start or clock < end
    if not inside:
        return None
    day = local.date() if clock < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone)
