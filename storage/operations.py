"""What an operator's dashboard reads (`/metrics`, `/readyz`): counts and ages only, never a
row's content. Cheap aggregate queries, run at scrape time in a short session."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.kinds import CaseStatus, OutboxStatus
from storage.models import Case, OutboxMessage


@dataclass(frozen=True)
class Backlog:
    """Messages of one kind (a Bot API method or a composed `beatline.*` message) waiting."""

    kind: str
    waiting: int
    oldest_seconds: float


async def ping(session: AsyncSession) -> None:
    """Raises when the database does not answer."""
    await session.execute(text("SELECT 1"))


async def outbox_backlog(session: AsyncSession, now: datetime) -> list[Backlog]:
    """Pending and in-flight outbox messages per kind, with the age of the oldest."""
    rows = await session.execute(
        select(OutboxMessage.method, func.count(), func.min(OutboxMessage.created_at))
        .where(OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]))
        .group_by(OutboxMessage.method)
    )
    backlog = []
    for kind, count, oldest in rows.all():
        age = (now - oldest).total_seconds() if oldest is not None else 0.0
        backlog.append(Backlog(str(kind), int(count), max(0.0, age)))
    return backlog


async def open_cases(session: AsyncSession) -> int:
    found = await session.scalar(
        select(func.count()).select_from(Case).where(Case.status != CaseStatus.CLOSED)
    )
    return int(found or 0)


async def cases_past_target(
    session: AsyncSession, targets: Mapping[str, int], now: datetime
) -> int:
    """Open cases still without a first staff reply past their desk's response target
    (`targets`: desk code → minutes)."""
    total = 0
    for desk, minutes in targets.items():
        found = await session.scalar(
            select(func.count())
            .select_from(Case)
            .where(
                Case.desk == desk,
                Case.status != CaseStatus.CLOSED,
                Case.first_reply_at.is_(None),
                Case.created_at < now - timedelta(minutes=minutes),
            )
        )
        total += int(found or 0)
    return total
