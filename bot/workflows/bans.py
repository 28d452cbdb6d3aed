"""/ban and /unban in a case topic, without telling staff anything about the person behind the
case: a ban is made from one case and lifted only there, and the answers are the same whatever
else that person has done or had done to them."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import audit, bans
from bot.domain.citizens import resident_of_case
from bot.ui.i18n import _, speaking
from bot.ui.texts import fmt, isolate, quote
from bot.workflows.handling import Officer
from bot.workflows.relay import Relay
from storage.models import Case

logger = logging.getLogger(__name__)


async def ban(
    relay: Relay, session: AsyncSession, case: Case, officer: Officer, now: datetime
) -> str:
    """Ban the person behind `case`; what the desk is told."""
    citizen = await resident_of_case(session, case)
    if citizen is None:
        return fmt(
            _(
                "{ref} no longer leads to a resident (their data was erased), so no ban can "
                "be made from it."
            ),
            ref=case.ref,
        )
    made = await bans.ban(session, case, officer.id, now)
    if not made:
        return fmt(_("A ban made from {ref} stands already."), ref=case.ref)
    logger.info("case %s: a ban was made from it", case.ref)
    await audit.log(session, case, officer.id, officer.name, "ban", now)
    with speaking(relay.i18n, citizen.language or relay.network.default_language):
        relay.tell_citizen(
            citizen,
            _(
                "You can no longer send reports or messages through Beatline. "
                "In an emergency call {number}."
            ).format(number=isolate(quote(relay.network.emergency.number))),
        )
    return fmt(
        _(
            "A ban was made from {ref} by {name}: the person behind this case can send "
            "nothing through Beatline. /unban in this topic lifts it."
        ),
        ref=case.ref,
        name=officer.name,
    )


async def unban(
    relay: Relay, session: AsyncSession, case: Case, officer: Officer, now: datetime
) -> str:
    """Lift the ban made from `case`, if one was; what the desk is told."""
    resident = await resident_of_case(session, case)
    lifted = await bans.unban(session, case, resident, officer.id, now)
    if lifted is None:
        return fmt(_("No ban was made from {ref}."), ref=case.ref)
    await audit.log(session, case, officer.id, officer.name, "unban", now)
    citizen = lifted.freed
    if citizen is not None:
        with speaking(relay.i18n, citizen.language or relay.network.default_language):
            relay.tell_citizen(citizen, _("You can use Beatline again."))
    return fmt(
        _(
            "The ban made from {ref} is lifted. (A ban made from another case, if there is "
            "one, stands until it is lifted there.)"
        ),
        ref=case.ref,
    )
