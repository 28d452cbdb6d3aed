"""The staff audit trail of cases: append-only, there is no update or delete here on purpose."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    AuditEvent,
    Case,
)


class AuditLog:
    """Append-only: there is no update or delete here on purpose."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, event: AuditEvent) -> None:
        self.session.add(event)
        await self.session.flush()

    async def between(
        self, start: datetime, end: datetime
    ) -> Sequence[tuple[AuditEvent, Case | None]]:
        query = (
            select(AuditEvent, Case)
            .outerjoin(Case, Case.id == AuditEvent.case_id)
            .where(AuditEvent.created_at >= start, AuditEvent.created_at < end)
            .order_by(AuditEvent.created_at, AuditEvent.id)
        )
        return [(event, case) for event, case in (await self.session.execute(query)).all()]

    async def of_case(self, case_id: int) -> Sequence[AuditEvent]:
        query = (
            select(AuditEvent)
            .where(AuditEvent.case_id == case_id)
            .order_by(AuditEvent.created_at, AuditEvent.id)
        )
        return (await self.session.scalars(query)).all()
