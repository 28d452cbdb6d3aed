"""Taking a resident out of the database: a case pseudonymised (no link to its resident, exact
places rounded), a resident erased (/forget), the retention periods applied, and anonymous cases
from before the sealed link sealed. No Telegram here: bot.workflows.erasure adds the notes in
the topics and the messages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import audit, bans
from bot.domain.cases import own_cases
from bot.domain.citizens import resident_of_case
from bot.domain.conversation import resident_side
from bot.kinds import CaseStatus, Privacy, ReferralStatus
from bot.network.geometry import round_location
from storage.citizens import Citizens
from storage.erasure import Erasures
from storage.models import Case, Citizen, Referral
from storage.outbox import Outboxes
from storage.referrals import Referrals
from storage.seals import Seals

SYSTEM_ACTOR = "Beatline"
PSEUDONYMISED = "pseudonymised"
ERASED = "erased"


async def pseudonymise(
    session: AsyncSession, case: Case, citizen: Citizen | None, now: datetime, action: str
) -> bool:
    """Remove for good what links `case` to `citizen`; False if that was done before.

    Afterwards the case names nobody (no citizen id, no seal, not in the resident's sealed
    list), its messages name no resident's chat, a shared point is rounded to about 500 m and a
    typed address dropped, a partner's service request keeps no name, and a ban made from it
    keeps the person only sealed. What the case says (category, area, words, outcome) stays:
    the police keep their cases. The audit trail records `action` (erased or pseudonymised).
    """
    if case.pseudonymised_at is not None:
        return False
    await _cut(session, case, citizen)
    case.pseudonymised_at = now
    await audit.log(session, case, None, SYSTEM_ACTOR, action, now)
    return True


async def _cut(session: AsyncSession, case: Case, citizen: Citizen | None) -> None:
    """What pseudonymise removes, without recording when (it writes no time): may be done
    again."""
    if citizen is not None:
        await bans.keep_past_resident(session, case, citizen)
    await Seals(session).unlink(case.id, citizen)
    case.citizen_id = None
    rounded = None
    if case.latitude is not None and case.longitude is not None:
        if not case.location_rounded:
            case.latitude, case.longitude = round_location(case.latitude, case.longitude)
            case.location_rounded = True
        rounded = (case.latitude, case.longitude)
    case.location_note = None
    erasures = Erasures(session)
    await erasures.scramble_resident_side(case.id)
    await erasures.strip_service_requests(case.id, rounded)
    await Outboxes(session).forget_case(case.id)


async def forget(session: AsyncSession, citizen: Citizen, now: datetime) -> list[Case]:
    """Erase the resident: every case of theirs pseudonymised, questions they were asked
    withdrawn, their alerts only counted, what still waited for their chat dropped, and their
    row (Telegram id, names, language, subscriptions, pulse) deleted. Returns their named cases
    (the workflow closes the open ones and tells the desks).

    An anonymous case loses its link now too, but nothing else happens to it at this moment:
    no time, no audit row, no note, no closing. A note or a time shared with the named cases
    would tell who reported it; the retention sweep finishes it (pseudonymise_unlinked)."""
    named: list[Case] = []
    for case in await own_cases(session, citizen, limit=None):
        if case.privacy == Privacy.ANONYMOUS:
            await _cut(session, case, citizen)
            continue
        await pseudonymise(session, case, citizen, now, ERASED)
        await _withdraw_all(session, case, now)
        named.append(case)
    await Erasures(session).forget_deliveries(citizen.id)
    await Outboxes(session).drop_pending_to(citizen.chat_id)
    await Citizens(session).delete(citizen)
    return named


async def pseudonymise_unlinked(session: AsyncSession, now: datetime, limit: int) -> int:
    """One batch of anonymous cases whose resident erased their data (their link is gone, see
    forget): pseudonymised now, like a case whose retention period ended, and the questions
    about them withdrawn. An open one stays open: staff who answer it are told it no longer
    leads to a resident, and close it. How many were done."""
    done = 0
    for case in await Erasures(session).unlinked_anonymous(limit):
        await pseudonymise(session, case, None, now, PSEUDONYMISED)
        await _withdraw_all(session, case, now)
        done += 1
    return done


async def _withdraw_all(session: AsyncSession, case: Case, now: datetime) -> None:
    for referral in await Referrals(session).of_case(case.id):
        _withdraw(referral, now)


def _withdraw(referral: Referral, now: datetime) -> None:
    """A partner nobody can agree to any more is declined."""
    if referral.status == ReferralStatus.PROPOSED:
        referral.status = ReferralStatus.DECLINED
        referral.answered_at = now


async def pseudonymise_closed(
    session: AsyncSession, before: datetime, now: datetime, limit: int
) -> int:
    """One batch of cases closed before `before`; how many were pseudonymised."""
    done = 0
    for case in await Erasures(session).closed_cases_due(before, limit):
        if case.status != CaseStatus.CLOSED:
            continue
        await pseudonymise(
            session, case, await resident_of_case(session, case), now, PSEUDONYMISED
        )
        done += 1
    return done


async def seal_legacy(session: AsyncSession, limit: int) -> int:
    """One batch of anonymous cases from before the sealed link: sealed now, their messages
    moved to blind ids (their message ids masked) and their bans no longer naming the
    resident. Residents without a sealed list get an empty one. Returns how many cases (and
    residents) were done."""
    erasures = Erasures(session)
    done = 0
    for unlisted in await erasures.unlisted_citizens(limit):
        Seals(session).start_list(unlisted)
        done += 1
    for case in await erasures.unsealed_anonymous(limit):
        citizen = await resident_of_case(session, case)
        if citizen is None:
            continue
        for message in await erasures.messages_in_chat(case.id, citizen.chat_id):
            if message.source_chat_id == citizen.chat_id:
                message.source_chat_id, message.source_message_id = resident_side(
                    session, case, citizen.chat_id, message.source_message_id
                )
            if message.target_chat_id == citizen.chat_id and message.target_message_id:
                message.target_chat_id, message.target_message_id = resident_side(
                    session, case, citizen.chat_id, message.target_message_id
                )
        for ban in await erasures.bans_naming(case.id, citizen.id):
            ban.citizen_id = None
        case.citizen_id = None
        await session.flush()
        Seals(session).start_list(citizen)
        await Seals(session).seal(case, citizen)
        done += 1
    return done
