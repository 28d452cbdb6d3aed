"""The audit trail of staff actions on cases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEvent, Case
from storage.repositories import AuditLog


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


async def trail(session: AsyncSession, case: Case) -> Sequence[AuditEvent]:
    return await AuditLog(session).of_case(case.id)
