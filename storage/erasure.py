"""Queries that take people out of stored rows: a case's messages losing the resident's chat,
service requests losing the resident's name, alert deliveries losing who they went to, and what
the retention period has made due. Rows stay (the police keep their cases, the counts stay)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, select, update

from bot.kinds import CaseStatus, DeliveryStatus, Direction, Privacy
from storage.db import affected_rows
from storage.models import (
    Case,
    CaseBan,
    CaseMessage,
    CaseSeal,
    Citizen,
    Delivery,
    ServiceRequest,
)
from storage.rows import Repository
from storage.sealing import scrambled_chat

# GeoReport v2 fields that name a person (bot.domain.open311 sends only first_name today).
PERSONAL_FORM_FIELDS = ("first_name", "last_name", "email", "phone", "device_id", "account_id")
REPORTED_BY = "Reported by "
_MESSAGES = CaseMessage.core_table()
_SCRAMBLE = {
    side: update(_MESSAGES)
    .where(_MESSAGES.c.id == bindparam("row"))
    .values({f"{side}_chat_id": bindparam("chat"), f"{side}_message_id": 0})
    for side in ("source", "target")
}


class Erasures(Repository):
    async def scramble_resident_side(self, case_id: int) -> None:
        """The resident's side disappears from the case's messages (their own messages,
        receipts, and the copies they got): each keeps a random chat id of its own, that no key
        recomputes, and no message id. One chat for all, or the ids as they were, would still
        show where the messages fit in the sequence of one resident's chat."""
        resident_side = (
            ("source", CaseMessage.direction.in_([Direction.CITIZEN, Direction.SYSTEM])),
            (
                "target",
                and_(
                    CaseMessage.direction == Direction.STAFF,
                    CaseMessage.target_chat_id.is_not(None),
                ),
            ),
        )
        for side, on_resident_side in resident_side:
            rows = await self.session.scalars(
                select(CaseMessage.id).where(CaseMessage.case_id == case_id, on_resident_side)
            )
            scrambled = [{"row": row, "chat": scrambled_chat()} for row in rows]
            if scrambled:
                await self.session.execute(_SCRAMBLE[side], scrambled)

    async def strip_service_requests(
        self, case_id: int, rounded: tuple[float, float] | None
    ) -> None:
        """What a partner's endpoint was (or will be) sent keeps no name, and a rounded point."""
        query = select(ServiceRequest).where(ServiceRequest.case_id == case_id)
        for request in (await self.session.scalars(query)).all():
            fields: dict[str, Any] = {
                key: value
                for key, value in request.fields.items()
                if key not in PERSONAL_FORM_FIELDS
            }
            if "description" in fields:
                fields["description"] = "\n\n".join(
                    part
                    for part in str(fields["description"]).split("\n\n")
                    if not part.startswith(REPORTED_BY)
                )
            if rounded is not None and "lat" in fields:
                fields["lat"], fields["long"] = str(rounded[0]), str(rounded[1])
            request.fields = fields

    async def forget_deliveries(self, citizen_id: int) -> None:
        """A forgotten resident's alerts: those still to go are dropped, the rest counted only."""
        await affected_rows(
            self.session,
            delete(Delivery).where(
                Delivery.citizen_id == citizen_id, Delivery.status == DeliveryStatus.PENDING
            ),
        )
        await self.pseudonymise_deliveries(Delivery.citizen_id == citizen_id)

    async def pseudonymise_deliveries(self, *where: Any) -> int:
        """Deliveries that no longer say who got them: their counts and feedback stay."""
        return await affected_rows(
            self.session,
            update(Delivery)
            .where(Delivery.citizen_id.is_not(None), *where)
            .values(citizen_id=None, chat_id=-Delivery.id, last_error=None),
        )

    async def deliveries_due(self, before: datetime) -> int:
        """Finished deliveries older than `before` lose their resident."""
        return await self.pseudonymise_deliveries(
            Delivery.not_before < before, Delivery.status != DeliveryStatus.PENDING
        )

    async def closed_cases_due(self, before: datetime, limit: int) -> Sequence[Case]:
        """Cases closed before `before` that still lead to a resident, oldest first."""
        query = (
            select(Case)
            .where(
                Case.status == CaseStatus.CLOSED,
                Case.closed_at < before,
                Case.pseudonymised_at.is_(None),
            )
            .order_by(Case.closed_at, Case.id)
            .limit(limit)
        )
        return (await self.session.scalars(query)).all()

    async def unlinked_anonymous(self, limit: int) -> Sequence[Case]:
        """Anonymous cases that lead to nobody (no resident, no seal) but are not pseudonymised
        yet: their resident erased their data (bot.domain.erasure.forget). Nothing says when."""
        sealed = select(CaseSeal.case_id).where(CaseSeal.case_id == Case.id)
        query = (
            select(Case)
            .where(
                Case.privacy == Privacy.ANONYMOUS,
                Case.citizen_id.is_(None),
                Case.pseudonymised_at.is_(None),
                ~sealed.exists(),
            )
            .order_by(Case.id)
            .limit(limit)
        )
        return (await self.session.scalars(query)).all()

    async def unsealed_anonymous(self, limit: int) -> Sequence[Case]:
        """Anonymous cases from before the sealed link that still name their resident."""
        query = (
            select(Case)
            .where(Case.privacy == Privacy.ANONYMOUS, Case.citizen_id.is_not(None))
            .order_by(Case.id)
            .limit(limit)
        )
        return (await self.session.scalars(query)).all()

    async def messages_in_chat(self, case_id: int, chat_id: int) -> Sequence[CaseMessage]:
        """The case's messages that still name `chat_id` on either side."""
        query = select(CaseMessage).where(
            CaseMessage.case_id == case_id,
            (CaseMessage.source_chat_id == chat_id) | (CaseMessage.target_chat_id == chat_id),
        )
        return (await self.session.scalars(query)).all()

    async def unlisted_citizens(self, limit: int) -> Sequence[Citizen]:
        """Residents from before the sealed lists (every resident has one now)."""
        query = (
            select(Citizen)
            .where(Citizen.sealed_cases.is_(None), Citizen.consent_at.is_not(None))
            .order_by(Citizen.id)
            .limit(limit)
        )
        return (await self.session.scalars(query)).all()

    async def bans_naming(self, case_id: int, citizen_id: int) -> Sequence[CaseBan]:
        query = select(CaseBan).where(CaseBan.case_id == case_id, CaseBan.citizen_id == citizen_id)
        return (await self.session.scalars(query)).all()
