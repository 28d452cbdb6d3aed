"""The audit trail of staff actions on cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.audit import AuditLog
from storage.models import AuditEvent, Case


async def log(
    session: AsyncSession,
    case: Case,
    actor_id: int | None,
    actor_name: str,
    action: str,
    now: datetime,
    detail: str = "",
) -> None:
    await AuditLog(session).add(
        AuditEvent(
            case_id=case.id,
            actor_id=actor_id,
            actor_name=actor_name[:128],
            action=action,
            detail=detail,
            created_at=now,
        )
    )


@dataclass(frozen=True)
class AuditLine:
    """One event of the trail with what identifies its case to staff (reference, desk, tier);
    nothing about the resident behind the case."""

    at: datetime
    ref: str
    desk: str
    privacy: str
    action: str
    actor_id: int | None
    actor_name: str
    detail: str


async def between(session: AsyncSession, start: datetime, end: datetime) -> list[AuditLine]:
    """The trail from `start` up to (not including) `end`, oldest first."""
    return [
        AuditLine(
            at=event.created_at,
            ref=case.ref if case is not None else "",
            desk=case.desk if case is not None else "",
            privacy=case.privacy if case is not None else "",
            action=event.action,
            actor_id=event.actor_id,
            actor_name=event.actor_name,
            detail=event.detail,
        )
        for event, case in await AuditLog(session).between(start, end)
    ]
