"""The staff audit trail of cases: append-only, there is no update or delete here on purpose."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from storage.models import AuditEvent, Case
from storage.rows import Rows

IN_ORDER = (AuditEvent.created_at, AuditEvent.id)  # as they happened


class AuditLog(Rows[AuditEvent]):
    """Append-only: there is no update or delete here on purpose."""

    model = AuditEvent

    async def between(
        self, start: datetime, end: datetime
    ) -> Sequence[tuple[AuditEvent, Case | None]]:
        query = (
            select(AuditEvent, Case)
            .outerjoin(Case, Case.id == AuditEvent.case_id)
            .where(AuditEvent.created_at >= start, AuditEvent.created_at < end)
            .order_by(*IN_ORDER)
        )
        return [(event, case) for event, case in (await self.session.execute(query)).all()]

    async def of_case(self, case_id: int) -> Sequence[AuditEvent]:
        query = select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(*IN_ORDER)
        return (await self.session.scalars(query)).all()
