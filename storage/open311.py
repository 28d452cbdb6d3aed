"""Queries and writes for referrals sent to Open311 endpoints (table `service_request`).

Sending is claimed with a conditional UPDATE (`queued` → `sending`, 1: this worker owns the
row, 0: another had it); the HTTP call is made after that commit, and its answer is recorded
in a new transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from storage.db import affected_rows
from storage.models import CaseMessage, ServiceRequest
from storage.rows import Rows

QUEUED = "queued"
SENDING = "sending"
SUBMITTED = "submitted"
CLOSED = "closed"


class ServiceRequests(Rows[ServiceRequest]):
    model = ServiceRequest

    async def of_case(self, case_id: int) -> list[ServiceRequest]:
        query = select(ServiceRequest).where(ServiceRequest.case_id == case_id)
        return list((await self.session.scalars(query.order_by(ServiceRequest.id))).all())

    async def by_media_token(self, token: str) -> ServiceRequest | None:
        found: ServiceRequest | None = await self.session.scalar(
            select(ServiceRequest).where(ServiceRequest.media_token == token)
        )
        return found

    async def due(self, now: datetime, limit: int = 20) -> list[int]:
        """Queued requests whose next attempt is due, oldest first."""
        return await self._next_at(QUEUED, now, limit)

    async def claim(self, request_id: int) -> bool:
        """`queued` → `sending`; True when this caller may now post it."""
        return await self._won(
            update(ServiceRequest)
            .where(ServiceRequest.id == request_id, ServiceRequest.status == QUEUED)
            .values(status=SENDING)
        )

    async def recover(self) -> int:
        """Requests left `sending` by a crash go back to the queue: the endpoint may or may
        not have taken them, so they are posted again and marked possibly repeated."""
        return await affected_rows(
            self.session,
            update(ServiceRequest)
            .where(ServiceRequest.status == SENDING)
            .values(status=QUEUED, possibly_repeated=True),
        )

    async def to_check(self, now: datetime, limit: int = 50) -> list[int]:
        """Submitted requests whose status is due for a look."""
        return await self._next_at(SUBMITTED, now, limit)

    async def _next_at(self, status: str, now: datetime, limit: int) -> list[int]:
        """Requests in `status` whose `next_attempt_at` has come, the longest waiting first."""
        query = (
            select(ServiceRequest.id)
            .where(ServiceRequest.status == status, ServiceRequest.next_attempt_at <= now)
            .order_by(ServiceRequest.next_attempt_at, ServiceRequest.id)
            .limit(limit)
        )
        return list((await self.session.scalars(query)).all())

    async def first_photo(self, case_id: int, direction: str) -> str | None:
        """The Telegram file id of the case's first photo from `direction` (the resident)."""
        found: str | None = await self.session.scalar(
            select(CaseMessage.file_id)
            .where(
                CaseMessage.case_id == case_id,
                CaseMessage.direction == direction,
                CaseMessage.kind == "photo",
                CaseMessage.file_id.is_not(None),
            )
            .order_by(CaseMessage.id)
            .limit(1)
        )
        return found
