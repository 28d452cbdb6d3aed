"""What a resident writes outside the wizard: whether it may be passed on (bans, the flood
limit), which case it belongs to, and a message that comes shortly after a case was closed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import bans
from bot.domain import cases as case_service
from bot.domain import referrals as referral_service
from bot.domain.followup_limit import FollowupLimit, Verdict
from bot.domain.triage import EmergencyDetector
from bot.network.schema import Network
from bot.ui.i18n import _, speaking
from bot.ui.texts import banned_text, fmt, isolate, quote
from bot.workflows.casework import relay_from_citizen
from bot.workflows.relay import Relay
from storage.cases import Cases
from storage.models import Case, Citizen
from storage.seals import Seals


class Hold(StrEnum):
    """Why a follow-up is not passed on."""

    BANNED = "banned"
    FLOODED = "flooded"  # over the limit; the resident is told (once a minute)
    FLOODED_QUIETLY = "flooded_quietly"  # over the limit; told a moment ago already


async def hold(
    session: AsyncSession,
    citizen: Citizen,
    network: Network,
    buckets: FollowupLimit,
    now: datetime,
) -> Hold | None:
    """None when the follow-up may go; else why not (an emergency was answered already)."""
    if await bans.standing_against(session, citizen):
        return Hold.BANNED
    return verdict_hold(await buckets.take(citizen.id, network.limits.followups_per_minute, now))


def held_text(reason: Hold, network: Network) -> str | None:
    """What the resident is told when a follow-up is held (nothing for a quiet refusal)."""
    if reason is Hold.BANNED:
        return banned_text(network)
    if reason is Hold.FLOODED:
        return _(
            "That is a lot of messages at once: please wait a minute, then send the last ones "
            "again. They were not passed on. In an emergency call {number}."
        ).format(number=isolate(quote(network.emergency.number)))
    return None


def verdict_hold(verdict: Verdict) -> Hold | None:
    """The follow-up limit's verdict as a reason to hold (None: it may go)."""
    if verdict is Verdict.PASS:
        return None
    return Hold.FLOODED if verdict is Verdict.REFUSE else Hold.FLOODED_QUIETLY


async def target(
    session: AsyncSession, citizen: Citizen, message: Message, active_case: int | None
) -> Case | list[Case] | None:
    """The case a follow-up belongs to, the candidates when it is ambiguous, or None."""
    if message.reply_to_message is not None:
        replied = await case_service.case_replied_to(
            session, citizen, message.chat.id, message.reply_to_message.message_id
        )
        if replied is not None:
            return replied
    candidates = list(await case_service.open_cases(session, citizen))
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    active = next((case for case in candidates if case.id == active_case), None)
    return active or candidates


async def closed_lately(
    session: AsyncSession, citizen: Citizen, network: Network, now: datetime
) -> Case | None:
    """The resident's case closed within `limits.after_closing_days`, if there is one."""
    days = network.limits.after_closing_days
    if not days:
        return None
    anonymous = Seals(session).anonymous_case_ids(citizen)
    return await Cases(session).closed_since(citizen.id, anonymous, now - timedelta(days=days))


async def relay_after_closing(
    relay: Relay,
    session: AsyncSession,
    citizen: Citizen,
    messages: Sequence[Message],
    now: datetime,
    detector: EmergencyDetector,
) -> bool:
    """Into the topic of the resident's case closed lately (`closed_lately`), marked, so the
    desk can /reopen; the resident is told. False if no case closed lately."""
    case = await closed_lately(session, citizen, relay.network, now)
    if case is None:
        return False
    with speaking(relay.i18n, relay.network.default_language):
        relay.note(
            case,
            _("📨 The citizen wrote after the case was closed (/reopen reopens it):"),
        )
    await relay_from_citizen(relay, session, case, citizen, messages, now, detector)
    with speaking(relay.i18n, citizen.language or relay.network.default_language):
        relay.tell_citizen(
            citizen,
            fmt(
                _(
                    "Your report {ref} is closed. Your message was passed on to the team, "
                    "who can reopen it. For something new, press “📝 Report”."
                ),
                ref=case.ref,
            ),
            case=case,
        )
    return True


async def answer_partner(
    relay: Relay, session: AsyncSession, case: Case, messages: Sequence[Message]
) -> None:
    """A reply to a partner's message also goes to that partner's topic, as the consent
    question promised ("they may write to you here"); the police topic says so."""
    replied = messages[0].reply_to_message
    if replied is None:
        return
    referral = await referral_service.partner_replied_to(
        session, case, messages[0].chat.id, replied.message_id
    )
    if referral is None:
        return
    relay.to_partner(case, referral, messages)
    partner = relay.network.desks_by_code().get(referral.partner)
    language = relay.network.default_language
    with relay.staff_language():
        relay.note(
            case,
            fmt(
                _("↪️ The resident answered {partner}; it went to their topic as well."),
                partner=partner.name(language, language) if partner else referral.partner,
            ),
        )
