"""Referrals of cases to partner desks, found by case or by the partner's topic."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from bot.kinds import ReferralStatus
from storage.models import Referral
from storage.rows import Rows


class Referrals(Rows[Referral]):
    model = Referral

    async def of_case(self, case_id: int) -> Sequence[Referral]:
        query = select(Referral).where(Referral.case_id == case_id).order_by(Referral.id)
        return (await self.session.scalars(query)).all()

    async def latest_of_case(self, case_id: int) -> Referral | None:
        query = select(Referral).where(Referral.case_id == case_id).order_by(Referral.id.desc())
        return (await self.session.scalars(query)).first()

    async def accepted_of_case(self, case_id: int) -> Sequence[Referral]:
        query = select(Referral).where(
            Referral.case_id == case_id,
            Referral.status == ReferralStatus.ACCEPTED,
            Referral.thread_id.is_not(None),
        )
        return (await self.session.scalars(query)).all()

    async def by_topic(self, chat_id: int, thread_id: int) -> Referral | None:
        query = select(Referral).where(
            Referral.partner_chat_id == chat_id, Referral.thread_id == thread_id
        )
        return (await self.session.scalars(query)).first()
