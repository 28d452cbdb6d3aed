"""Referrals of a case to a partner desk: proposed by staff, decided by the citizen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.kinds import CaseStatus, ReferralStatus
from bot.network.schema import Desk
from storage.models import Case, Referral
from storage.repositories import Referrals


async def propose(
    session: AsyncSession,
    case: Case,
    partner: Desk,
    info_only: bool,
    officer_id: int | None,
    now: datetime,
) -> Referral:
    return await Referrals(session).add(
        Referral(
            case_id=case.id,
            partner=partner.code,
            partner_chat_id=partner.chat_id,
            info_only=info_only,
            status=ReferralStatus.PROPOSED,
            proposed_by=officer_id,
            created_at=now,
        )
    )


def answer(referral: Referral, case: Case, agreed: bool, now: datetime) -> None:
    referral.status = ReferralStatus.ACCEPTED if agreed else ReferralStatus.DECLINED
    referral.answered_at = now
    if agreed and case.status != CaseStatus.CLOSED:
        case.status = CaseStatus.REFERRED


async def by_id(session: AsyncSession, referral_id: int) -> Referral | None:
    return await Referrals(session).by_id(referral_id)


async def of_topic(session: AsyncSession, chat_id: int, thread_id: int) -> Referral | None:
    return await Referrals(session).by_topic(chat_id, thread_id)
