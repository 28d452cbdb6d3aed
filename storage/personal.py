"""What one resident's data export reads (/mydata): their subscriptions, alerts, pulse question,
and the messages, edits and referrals of their cases."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import select

from bot.kinds import Direction
from storage.models import (
    CaseMessage,
    Delivery,
    MessageVersion,
    Occurrence,
    PulseAsk,
    Referral,
    Subscription,
)
from storage.rows import Repository


class PersonalData(Repository):
    async def subscriptions(self, citizen_id: int) -> Sequence[Subscription]:
        query = (
            select(Subscription)
            .where(Subscription.citizen_id == citizen_id)
            .order_by(Subscription.kind, Subscription.code)
        )
        return (await self.session.scalars(query)).all()

    async def deliveries(self, citizen_id: int) -> Sequence[tuple[Delivery, int]]:
        """Each alert sent (or to be sent) to the resident, with its announcement's number."""
        query = (
            select(Delivery, Occurrence.announcement_id)
            .join(Occurrence, Occurrence.id == Delivery.occurrence_id)
            .where(Delivery.citizen_id == citizen_id)
            .order_by(Delivery.id)
        )
        return [
            (delivery, int(number)) for delivery, number in (await self.session.execute(query))
        ]

    async def pulse(self, citizen_id: int) -> PulseAsk | None:
        return await self.session.get(PulseAsk, citizen_id)

    async def messages(self, case_ids: Collection[int]) -> Sequence[CaseMessage]:
        """The conversation as the resident saw it: staff's internal notes are not theirs."""
        if not case_ids:
            return []
        query = (
            select(CaseMessage)
            .where(
                CaseMessage.case_id.in_(list(case_ids)), CaseMessage.direction != Direction.NOTE
            )
            .order_by(CaseMessage.created_at, CaseMessage.id)
        )
        return (await self.session.scalars(query)).all()

    async def versions(self, message_ids: Collection[int]) -> Sequence[MessageVersion]:
        if not message_ids:
            return []
        query = (
            select(MessageVersion)
            .where(MessageVersion.case_message_id.in_(list(message_ids)))
            .order_by(MessageVersion.id)
        )
        return (await self.session.scalars(query)).all()

    async def referrals(self, case_ids: Collection[int]) -> Sequence[Referral]:
        if not case_ids:
            return []
        query = select(Referral).where(Referral.case_id.in_(list(case_ids))).order_by(Referral.id)
        return (await self.session.scalars(query)).all()
