"""Referrals to partners: the resident is asked first (only with their consent is anything
shared, and personal data only when the case is identified); an accepted referral opens the
partner's topic, made when the courier sends it. Everything is queued in the outbox."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from aiogram.methods import CreateForumTopic, SendMessage
from aiogram.types import ForumTopic
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain import audit, open311, referrals
from bot.domain.citizens import resident_of_case
from bot.domain.referrals import partner_view
from bot.network.desks import Desk
from bot.network.schema import Network
from bot.telegram.letters import Call, Sender, TopicGone, Where
from bot.ui.i18n import _, speaking
from bot.ui.long_text import split_text
from bot.ui.referrals import consent_buttons, consent_question, partner_card, partner_topic_title
from bot.ui.texts import fmt, quote
from bot.workflows import open311_consent
from bot.workflows.relay import Relay
from storage.cases import Cases
from storage.models import Case, Citizen, OutboxMessage, Referral
from storage.referrals import Referrals

logger = logging.getLogger(__name__)

PARTNER_TOPIC = "partnerTopic"


async def ask_consent(
    relay: Relay, case: Case, citizen: Citizen, partner: Desk, referral: Referral
) -> bool:
    """Ask the citizen whether `partner` may see the case; False if they cannot be reached."""
    if citizen.blocked_bot:
        return False
    language = citizen.language or relay.i18n.default_locale
    with relay.i18n.use_locale(language):
        name = partner.name(language, relay.network.default_language)
        extra, markup = "", consent_buttons(referral.id)
        # An Open311 endpoint: its own list of what it receives, and "yes, with …" choices.
        if partner.open311 is not None:
            facts = await open311.facts_of(relay.transaction(), case, partner)
            extra = open311_consent.consent_text(name, facts, in_group=partner.chat_id is not None)
            markup = consent_buttons(referral.id, open311_consent.consent_choices(facts))
        text = consent_question(
            partner_view(case.privacy, referral.info_only),
            case.ref,
            name,
            language,
            referral.reason,
            in_group=partner.chat_id is not None,
            extra=extra,
        )
        relay.tell_citizen(citizen, text, markup, case=case)
    return True


async def answer_referral(
    relay: Relay,
    session: AsyncSession,
    referral: Referral,
    case: Case,
    citizen: Citizen,
    agreed: bool,
    extra: int,
    now: datetime,
) -> None:
    """The resident's yes or no: on yes the partner gets its topic (or its Open311 system a
    service request, with the `extra` the resident chose); the desk and the resident are told
    either way, and the answer goes into the audit trail."""
    partner = relay.network.desk(referral.partner)
    referrals.answer(referral, agreed, now)
    await audit.log(
        session,
        case,
        None,
        _("citizen"),
        "referral",
        now,
        f"{partner.code}: {'agreed' if agreed else 'declined'}",
    )
    default = relay.network.default_language
    name = partner.name(citizen.language or "", default)
    staff_name = partner.name(default, default)
    if agreed:
        desk = relay.network.desk(case.desk)
        open_partner_topic(relay, partner, referral, desk.name(default, default))
        await open311_consent.refer(relay, case, citizen, partner, referral, extra, now)
        await relay.refresh_card(case)
        with relay.staff_language():
            note = fmt(
                _("✅ The citizen agreed: {partner} has received the case."), partner=staff_name
            )
        relay.note(case, note)
        relay.tell_citizen(
            citizen, fmt(_("Thank you. {partner} has received your report."), partner=name)
        )
        return
    with relay.staff_language():
        note = fmt(_("✖ The citizen declined the referral to {partner}."), partner=staff_name)
    relay.note(case, note)
    relay.tell_citizen(citizen, _("Understood. Your report stays with the police."))


def open_partner_topic(relay: Relay, partner: Desk, referral: Referral, by: str) -> None:
    """Queue the partner's own topic for the case, headed by a redacted card."""
    if partner.chat_id is None:
        return  # only an Open311 endpoint: bot.workflows.open311 sends the referral
    relay.outbox.compose(PARTNER_TOPIC, partner.chat_id, {"referral_id": referral.id, "by": by})


@dataclass(frozen=True)
class PartnerTopics:
    """The composer of `beatline.partnerTopic`: creates the topic, then posts the card."""

    session_factory: async_sessionmaker[AsyncSession]
    i18n: I18n
    network: Network

    async def __call__(self, row: OutboxMessage, where: Where | None, send: Sender) -> list[Call]:
        async with self.session_factory() as session:
            referral = await Referrals(session).by_id(int(row.payload["referral_id"]))
            case = await Cases(session).by_id(referral.case_id) if referral else None
            if referral is None or case is None:
                raise TopicGone
            with speaking(self.i18n, self.network.default_language):
                title = partner_topic_title(case, self.network)
                card = partner_card(
                    partner_view(case.privacy, referral.info_only),
                    case,
                    await resident_of_case(session, case),
                    self.network,
                    str(row.payload.get("by", "")),
                    referral.reason,
                )
            chat, thread = referral.partner_chat_id, referral.thread_id
        if chat is None:
            return []
        if thread is None:
            topic: ForumTopic = await send(CreateForumTopic(chat_id=chat, name=title))
            thread = topic.message_thread_id
            async with self.session_factory() as session:
                stored = await Referrals(session).by_id(int(row.payload["referral_id"]))
                if stored is not None:
                    stored.thread_id = thread
                await session.commit()
        return [
            Call(SendMessage(chat_id=chat, message_thread_id=thread, text=piece))
            for piece in split_text(card)
        ]


def partner_header(relay: Relay, case: Case, citizen: Citizen, partner: Desk) -> str:
    """What heads a partner's message to the citizen: "🏢 <partner> via Beatline · <ref>"."""
    language = citizen.language or relay.i18n.default_locale
    name = partner.name(language, relay.network.default_language)
    with relay.i18n.use_locale(language):
        header = _("{partner} via Beatline").format(partner=name)
    return f"<b>🏢 {quote(header)}</b> · {quote(case.ref)}"
