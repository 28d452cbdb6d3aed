"""Referrals of a case to a partner desk: proposed by staff, decided by the citizen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.kinds import Direction, Privacy, ReferralStatus
from bot.network.desks import Desk
from storage.messages import CaseMessages
from storage.models import Case, Referral
from storage.referrals import Referrals


@dataclass(frozen=True)
class PartnerView:
    """What a partner is shown of a case. The one rule behind both the question the resident
    answers and the card the partner gets, so the two cannot disagree."""

    name: bool  # the resident's first name
    account: bool  # @username and Telegram id
    location: bool  # the point or the words the resident gave for where it happened
    replies: bool  # what the partner writes reaches the resident


def partner_view(privacy: str, info_only: bool) -> PartnerView:
    """Category, area, time and the description are always shared; the rest only for an
    identified case referred in full. An information-only referral never names anyone."""
    identified = Privacy(privacy) == Privacy.IDENTIFIED and not info_only
    return PartnerView(
        name=identified, account=identified, location=identified, replies=not info_only
    )


async def propose(
    session: AsyncSession,
    case: Case,
    partner: Desk,
    info_only: bool,
    officer_id: int | None,
    now: datetime,
    reason: str | None = None,
) -> Referral:
    return await Referrals(session).add(
        Referral(
            reason=reason,
            case_id=case.id,
            partner=partner.code,
            partner_chat_id=partner.chat_id,
            info_only=info_only,
            status=ReferralStatus.PROPOSED,
            proposed_by=officer_id,
            created_at=now,
        )
    )


def answer(referral: Referral, agreed: bool, now: datetime) -> None:
    """The case keeps its own status: the card shows the referral beside it."""
    referral.status = ReferralStatus.ACCEPTED if agreed else ReferralStatus.DECLINED
    referral.answered_at = now


async def partner_replied_to(
    session: AsyncSession, case: Case, chat_id: int, message_id: int
) -> Referral | None:
    """The referral whose partner wrote the message (in the resident's `chat_id`) that the
    resident replies to; None when it came from the police, or the partner cannot answer."""
    written = await CaseMessages(session).by_target(chat_id, message_id)
    if written is None or written.case_id != case.id or written.direction != Direction.STAFF:
        return None
    for referral in await Referrals(session).accepted_of_case(case.id):
        if referral.partner_chat_id == written.source_chat_id and not referral.info_only:
            return referral
    return None
