"""What staff do to a case from its topic: take it (or take it over from a colleague), close it
(partners who have the case are told), and move it to another desk or propose it to a partner,
with a reason. The handlers in handlers/desk parse the command and say what happened."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from aiogram.methods import SendMessage
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import audit
from bot.domain import cases as case_service
from bot.domain import referrals as referral_service
from bot.domain.citizens import citizen_of_case, resident_of_case
from bot.network.desks import Desk
from bot.ui import keyboards
from bot.ui.i18n import _, speaking
from bot.ui.texts import fmt
from bot.workflows import referrals, transfers
from bot.workflows.casework import tell_closed
from bot.workflows.relay import Relay
from storage.models import Case, Citizen
from storage.referrals import Referrals

logger = logging.getLogger(__name__)

REASON_LIMIT = 500


@dataclass(frozen=True)
class Officer:
    """Who acts (None as id: the group posting as itself)."""

    id: int | None
    name: str


def mention(officer_id: int | None, name: str) -> str:
    """A name in a staff group that notifies that person."""
    if officer_id is None:
        return fmt("{name}", name=name)
    return fmt('<a href="tg://user?id={id}">{name}</a>', id=officer_id, name=name)


async def take(
    relay: Relay,
    session: AsyncSession,
    case: Case,
    officer: Officer,
    show_name: bool,
    now: datetime,
) -> str:
    """Assign the case; the resident hears it once, when an officer first takes it. Returns
    what the topic is told (a colleague who held it is named, so Telegram notifies them)."""
    held_by = (case.assignee_id, case.assignee_name)
    case_service.take(case, officer.id or 0, officer.name)
    await audit.log(session, case, officer.id, officer.name, "take", now)
    await relay.refresh_card(case)
    if held_by[0] is not None:
        return _("{name} took this case over from {previous}.").format(
            name=fmt("{name}", name=officer.name), previous=mention(held_by[0], held_by[1] or "")
        )
    citizen = await citizen_of_case(session, case)
    with speaking(relay.i18n, citizen.language or relay.network.default_language):
        if show_name:
            text = fmt(
                _("{name}, an officer, is handling your report {ref}."),
                name=officer.name,
                ref=case.ref,
            )
        else:
            text = fmt(_("An officer is handling your report {ref}."), ref=case.ref)
    relay.tell_citizen(citizen, text)
    return fmt(_("{name} is handling this case."), name=officer.name)


async def close(
    relay: Relay,
    session: AsyncSession,
    case: Case,
    outcome: str,
    officer: Officer,
    now: datetime,
) -> None:
    """Close with an outcome: the resident gets it with the rating buttons (if the case still
    leads to one: not an anonymous case whose resident erased their data), partners a note."""
    citizen = await resident_of_case(session, case)
    case_service.close(case, outcome, now)
    await audit.log(session, case, officer.id, officer.name, "close", now, outcome)
    await relay.refresh_card(case)
    if citizen is not None:
        await tell_closed(relay, case, citizen, citizen.language or relay.i18n.default_locale)
    await tell_partners_closed(relay, session, case)


async def resident_solved(
    relay: Relay, session: AsyncSession, case: Case, citizen: Citizen, now: datetime
) -> None:
    """The resident says the issue is solved. A case nobody has taken closes; a taken case
    stays with its officer, who is told and closes it with an outcome."""
    language = citizen.language or relay.network.default_language
    if case.assignee_id is not None:
        with relay.staff_language():
            note = _(
                "✅ The resident says the issue is solved. Close the case with /close and "
                "the outcome when you agree."
            )
        relay.note(case, note)
        with speaking(relay.i18n, language):
            told = fmt(_("Thank you. The officer handling {ref} will close it."), ref=case.ref)
        relay.tell_citizen(citizen, told, case=case)
        return
    with relay.staff_language():
        outcome = _("Closed by the citizen: the issue is solved.")
        relay.note(case, _("✅ The citizen marked this case as solved."))
    case_service.close(case, outcome, now)
    await audit.log(session, case, None, _("citizen"), "close", now, outcome)
    await relay.refresh_card(case)
    await tell_partners_closed(relay, session, case)
    with speaking(relay.i18n, language):
        told = fmt(_("Your report {ref} is closed. Thank you for letting us know."), ref=case.ref)
    relay.tell_citizen(citizen, told, keyboards.rating(case.id), case=case)


async def tell_partners_closed(relay: Relay, session: AsyncSession, case: Case) -> None:
    """Each partner that has the case in a topic learns it is closed, and with what outcome."""
    for referral in await Referrals(session).accepted_of_case(case.id):
        if referral.partner_chat_id is None:
            continue  # an Open311 partner follows its service request itself
        with relay.staff_language():
            text = fmt(
                _("✅ The police closed {ref}. Outcome: {outcome}"),
                ref=case.ref,
                outcome=case.outcome or "—",
            )
        relay.outbox.send(
            SendMessage(
                chat_id=referral.partner_chat_id, message_thread_id=referral.thread_id, text=text
            )
        )


async def transfer(
    relay: Relay,
    session: AsyncSession,
    case: Case,
    desk: Desk,
    officer: Officer,
    reason: str | None,
    now: datetime,
) -> None:
    citizen = await citizen_of_case(session, case)
    detail = f"{case.desk} → {desk.code}" + (f": {reason}" if reason else "")
    await audit.log(session, case, officer.id, officer.name, "transfer", now, detail)
    await transfers.transfer(relay, session, case, citizen, desk, officer.name, reason)


async def refer(
    relay: Relay,
    session: AsyncSession,
    case: Case,
    partner: Desk,
    info_only: bool,
    officer: Officer,
    reason: str | None,
    now: datetime,
) -> bool:
    """Propose the case to a partner: the resident is asked first. False if they cannot be."""
    citizen = await citizen_of_case(session, case)
    referral = await referral_service.propose(
        session, case, partner, info_only, officer.id, now, reason
    )
    kind = " (info only)" if info_only else ""
    await audit.log(
        session, case, officer.id, officer.name, "refer", now, f"{partner.code}{kind}: proposed"
    )
    return await referrals.ask_consent(relay, case, citizen, partner, referral)


def reason_of(words: list[str]) -> str | None:
    """The free text after a command's arguments, if any."""
    text = " ".join(words).strip()
    return text[:REASON_LIMIT] or None
