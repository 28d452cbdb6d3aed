"""What staff write in a topic: a message (or album) in a case topic or a partner's referral
topic, recorded and queued for the resident; a `//` note, kept from the resident. The handler
says what the outcome means (bot.workflows.edits passes on an officer's edit)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.citizens import resident_of_case
from bot.kinds import CaseStatus, Direction
from bot.workflows.casework import NOTED, keep_note, record
from bot.workflows.referrals import partner_header
from bot.workflows.relay import Relay
from storage.cases import Cases
from storage.messages import CaseMessages
from storage.models import Case, Citizen
from storage.referrals import Referrals


class FromStaff(StrEnum):
    """What became of a staff message."""

    QUEUED = "queued"  # recorded and on its way to the resident (👍 or 💔 once Telegram answered)
    IGNORED = "ignored"  # not in a case's or a referral's topic, or relayed already
    CASE_CLOSED = "case_closed"  # nothing sent: the case topic's case is closed (/reopen)
    REFERRAL_CLOSED = "referral_closed"  # nothing sent: the referred case is closed
    INFO_ONLY = "info_only"  # nothing sent: the referral is for information only
    NO_RESIDENT = "no_resident"  # nothing sent: the resident erased their data


async def relay_from_staff(
    relay: Relay, session: AsyncSession, messages: Sequence[Message], now: datetime
) -> FromStaff:
    """Record a staff message (or album) of a case topic, or of a partner's referral topic,
    and queue it for the case's resident, headed by who speaks (the police, or
    "<partner> via Beatline"). A new case's card shows it is open now."""
    first = messages[0]
    case = await Cases(session).by_topic(first.chat.id, first.message_thread_id or 0)
    if case is None:
        return await _from_partner(relay, session, messages, now)
    if await CaseMessages(session).exists(first.chat.id, first.message_id):
        return FromStaff.IGNORED
    if case.status == CaseStatus.CLOSED:
        return FromStaff.CASE_CLOSED
    citizen = await resident_of_case(session, case)
    if citizen is None:
        return FromStaff.NO_RESIDENT
    was_new = case.status == CaseStatus.NEW
    await _deliver(relay, session, messages, case, citizen, now)
    if was_new:
        await relay.refresh_card(case)
    return FromStaff.QUEUED


async def _from_partner(
    relay: Relay, session: AsyncSession, messages: Sequence[Message], now: datetime
) -> FromStaff:
    first = messages[0]
    referral = await Referrals(session).by_topic(first.chat.id, first.message_thread_id or 0)
    if referral is None or await CaseMessages(session).exists(first.chat.id, first.message_id):
        return FromStaff.IGNORED
    if referral.info_only:
        return FromStaff.INFO_ONLY
    case = await Cases(session).by_id(referral.case_id)
    if case is None or case.status == CaseStatus.CLOSED:
        return FromStaff.REFERRAL_CLOSED
    citizen = await resident_of_case(session, case)
    if citizen is None:
        return FromStaff.NO_RESIDENT
    header = partner_header(relay, case, citizen, relay.network.desk(referral.partner))
    await _deliver(relay, session, messages, case, citizen, now, header)
    return FromStaff.QUEUED


async def _deliver(
    relay: Relay,
    session: AsyncSession,
    messages: Sequence[Message],
    case: Case,
    citizen: Citizen,
    now: datetime,
    header: str | None = None,
) -> None:
    """Record the staff message(s) and queue them for the citizen; once delivered, the
    original gets 👍 (or 💔 and the reason, see bot.workflows.effects.ToCitizen)."""
    records = [
        await record(session, case, sent, Direction.STAFF, None, None, now) for sent in messages
    ]
    relay.to_citizen(case, citizen, messages, records, header=header)


async def note_from_staff(
    relay: Relay,
    session: AsyncSession,
    messages: Sequence[Message],
    actor_id: int | None,
    actor_name: str,
    now: datetime,
) -> None:
    """A `//` note (or a file or album captioned so) in a case topic is kept on the case and
    marked ✍ (bot.workflows.casework.keep_note); in a partner's referral topic it is only
    marked. Neither reaches the resident."""
    first = messages[0]
    if await CaseMessages(session).exists(first.chat.id, first.message_id):
        return
    where = (first.chat.id, first.message_thread_id or 0)
    case = await Cases(session).by_topic(*where)
    if case is not None:
        await keep_note(relay, session, case, messages, actor_id, actor_name, now)
    elif await Referrals(session).by_topic(*where) is not None:
        relay.react(first.chat.id, first.message_id, NOTED)
