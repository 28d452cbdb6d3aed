"""How staff see a case: the card at the top of its topic, the topic's title, and who reported
it or wrote a relayed message, as much as the case's privacy tier lets them see."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.kinds import CasePriority, CaseStatus, Privacy, ReferralStatus
from bot.network.base import spoken_language
from bot.network.schema import Network
from bot.ui.i18n import _
from bot.ui.texts import (
    STATUS_ICONS,
    fmt,
    language_label,
    local_time,
    privacy_name,
    quote,
    status_name,
)

if TYPE_CHECKING:  # cards and keyboards read cases, they never query them
    from bot.domain.cases import CardFacts
    from storage.models import Case, Citizen


URGENT_ICON = "🔴"


def reporter(case: Case, citizen: Citizen | None) -> str:
    """Who reported, as much as the case's privacy tier lets the desk see."""
    if case.privacy == Privacy.ANONYMOUS:
        return fmt(_("Citizen {pseudonym} (anonymous)"), pseudonym=case.pseudonym or "?")
    if citizen is None:
        return _("nobody any more (the resident's data was erased)")
    if case.privacy == Privacy.IDENTIFIED:
        handle = f" @{citizen.username}" if citizen.username else ""
        return fmt(
            "{name}{handle} (id {tid})",
            name=citizen.first_name,
            handle=handle,
            tid=citizen.telegram_id,
        )
    return quote(citizen.first_name)


def resident_label(case: Case, citizen: Citizen) -> str:
    """Who wrote a relayed message, as the case's privacy tier lets staff see it (escaped):
    "👤 Resident C-7F3A-91BC-0D2E" for an anonymous case, else with the first name."""
    name = case.pseudonym if case.privacy == Privacy.ANONYMOUS else citizen.first_name
    return fmt(_("👤 Resident {name}"), name=name or "?")


def staff_names(case: Case, network: Network) -> tuple[str, str]:
    """The case's category and area as staff read them (the network's default language)."""
    language = network.default_language
    category = network.category(case.category)
    area = network.area(case.area)
    return (
        category.name(language, language) if category else case.category,
        area.name(language, language) if area else case.area,
    )


def case_facts(case: Case, network: Network) -> list[str]:
    """Card lines both desks and partners see: category, area, language and time."""
    category, area = staff_names(case, network)
    return [
        fmt(_("Category: {name}"), name=category),
        fmt(_("Area: {name}"), name=area),
        fmt(_("Language: {name}"), name=language_label(case.language, case.language_guess)),
        fmt(_("Reported: {time}"), time=local_time(case.created_at, network)),
    ]


def topic_title(case: Case, network: Network) -> str:
    """Forum topic name: status icon, reference, category and area (Telegram allows 128 chars)."""
    urgent = URGENT_ICON if case.priority == CasePriority.URGENT else ""
    head = f"{urgent}{STATUS_ICONS.get(CaseStatus(case.status), '')} {case.ref}"
    return " · ".join([head, *staff_names(case, network)])[:128]


def case_card(
    case: Case, citizen: Citizen | None, network: Network, description: str, facts: CardFacts
) -> str:
    """The card posted at the top of a case topic, in the staff language (`citizen` None: the
    case was pseudonymised)."""
    urgent = URGENT_ICON if case.priority == CasePriority.URGENT else ""
    rows = [
        f"{urgent}{STATUS_ICONS.get(CaseStatus(case.status), '')} <b>{quote(case.ref)}</b>",
        fmt(_("Status: {status}"), status=status_name(case.status)),
        *case_facts(case, network),
    ]
    if (
        citizen is not None
        and citizen.language
        and spoken_language(citizen.language) != case.language
    ):
        own = language_label(citizen.language)
        rows.append(fmt(_("The resident's own language: {name}"), name=own))
    rows += [
        _("Reporter: {who}").format(who=reporter(case, citizen)),
        fmt(_("Privacy: {tier}"), tier=privacy_name(case.privacy)),
        *_card_context(case, network, facts),
    ]
    if case.latitude is not None and case.longitude is not None:
        place = f"{case.latitude:.5f}, {case.longitude:.5f}"
        if case.location_rounded:
            place += " " + _("(rounded to about 500 m)")
        rows.append(fmt(_("Location: {place}"), place=place))
    if case.location_note:
        rows.append(fmt(_("Where, in the resident's words: {note}"), note=case.location_note))
    if case.assignee_name:
        rows.append(fmt(_("Officer: {name}"), name=case.assignee_name))
    if case.alert_id is not None:
        rows.append(fmt(_("📢 In reply to alert #{number}"), number=case.alert_id))
    if case.priority == CasePriority.URGENT:
        rows.append(_("🔴 Possible emergency: check at once."))
    if case.edited_at is not None:
        rows.append(
            fmt(
                _("✏️ Edited by the resident at {time}: the new text is in a reply to this card."),
                time=local_time(case.edited_at, network),
            )
        )
    rows += ["", quote(description)]
    return "\n".join(rows)


def _card_context(case: Case, network: Network, facts: CardFacts) -> list[str]:
    """What an officer needs at a glance: the deadline, files, referral, history, outcome."""
    rows = []
    if facts.reply_due is not None:
        rows.append(fmt(_("⏱ Reply due by: {time}"), time=local_time(facts.reply_due, network)))
    if facts.attachments:
        rows.append(fmt(_("📎 Files from the resident: {count}"), count=facts.attachments))
    if facts.referral is not None:
        partner = network.desks_by_code().get(facts.referral.partner)
        name = partner.name(network.default_language, network.default_language) if partner else ""
        states = {
            ReferralStatus.PROPOSED: _("asked, waiting for the resident"),
            ReferralStatus.ACCEPTED: _("shared, with the resident's consent"),
            ReferralStatus.DECLINED: _("declined by the resident"),
        }
        state = states.get(ReferralStatus(facts.referral.status), facts.referral.status)
        rows.append(fmt(_("🤝 Referral to {partner}: {state}"), partner=name, state=state))
    if facts.earlier_reports:
        rows.append(
            fmt(_("Earlier reports by this resident: {count}"), count=facts.earlier_reports)
        )
    if case.status == CaseStatus.CLOSED and case.outcome:
        rows.append(fmt(_("Outcome: {outcome}"), outcome=case.outcome))
    return rows
