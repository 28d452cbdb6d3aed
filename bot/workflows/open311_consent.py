"""Asking a resident before a referral goes to a partner's Open311 endpoint: the words of the
question (what their system would receive, per privacy tier), the extra "yes, with …" choices,
and queueing the service request once the resident agrees (bot.workflows.open311 sends it)."""

from __future__ import annotations

from datetime import datetime

from bot.domain import open311
from bot.domain.open311 import Extra, Facts, Shared
from bot.network.desks import Desk
from bot.ui.i18n import _
from bot.ui.texts import fmt
from bot.workflows.relay import Relay
from storage.models import Case, Citizen, Referral


def _location(facts: Facts) -> str:
    if facts.rounded:
        return _("the location you shared, rounded to about 500 m")
    return _("the exact location you shared")


def _received(field: Shared, facts: Facts) -> str:
    texts = {
        Shared.SERVICE: _("the kind of report (their service code)"),
        Shared.DESCRIPTION: _("what you wrote in the report, with its kind, area and reference"),
        Shared.AREA: _("the name of the area, not an exact location"),
        Shared.LOCATION: _location(facts),
        Shared.NAME: _("your first name and Telegram username"),
        Shared.PHOTO: _("a link to your first photo"),
    }
    return texts[field]


def consent_text(partner_name: str, facts: Facts, in_group: bool = False) -> str:
    """What the partner's system receives, line by line, in the current language (a partner
    also `in_group` can write to the resident from there)."""
    lines = [fmt(_("{partner}'s system (Open311) would receive:"), partner=partner_name)]
    lines += [f"• {_received(field, facts)}" for field in open311.shared(facts)]
    if Shared.NAME not in open311.shared(facts):
        lines.append("• " + _("not your name, your Telegram account or your Telegram id"))
    offered = open311.offer(facts)
    if Extra.LOCATION in offered:
        lines.append(fmt(_("Only if you choose it: {what}."), what=_location(facts)))
    if Extra.PHOTO in offered:
        lines.append(
            fmt(_("Only if you choose it: {what}."), what=_("a link to your first photo"))
        )
    if in_group:
        lines.append(_("Beatline tells you when their system closes the request."))
    else:
        lines.append(
            _("They cannot write to you here; Beatline tells you when they close the request.")
        )
    return "\n".join(lines)


def consent_choices(facts: Facts) -> list[tuple[str, int]]:
    """The extra "yes, with …" buttons: (label, what it adds)."""
    offered = open311.offer(facts)
    choices = []
    if Extra.LOCATION in offered:
        choices.append((_("✅ Yes, with my location"), int(Extra.LOCATION)))
    if Extra.PHOTO in offered:
        choices.append((_("✅ Yes, with my photo"), int(Extra.PHOTO)))
    if Extra.LOCATION in offered and Extra.PHOTO in offered:
        choices.append((_("✅ Yes, with location and photo"), int(Extra.LOCATION | Extra.PHOTO)))
    return choices


async def refer(
    relay: Relay,
    case: Case,
    citizen: Citizen,
    partner: Desk,
    referral: Referral,
    chosen: int,
    now: datetime,
) -> None:
    """The resident agreed: queue the service request (sent after the commit)."""
    if partner.open311 is None:
        return
    await open311.queue(
        relay.transaction(), case, citizen, partner, referral, relay.network, Extra(chosen), now
    )
