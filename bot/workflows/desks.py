"""Moving a case between desks: transfers to another police desk, and referrals to partners
(only with the citizen's consent, and with personal data left out unless the case is
identified). Everything is queued in the outbox; partner topics are made when sent."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from aiogram.methods import CloseForumTopic, CopyMessages, CreateForumTopic, SendMessage
from aiogram.types import ForumTopic
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain import audit, conversation, open311, referrals
from bot.domain import cases as case_service
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

COPY_BATCH = 100  # copyMessages takes at most 100 ids
PARTNER_TOPIC = "partnerTopic"


async def transfer(
    relay: Relay,
    session: AsyncSession,
    case: Case,
    citizen: Citizen,
    desk: Desk,
    by: str,
    reason: str | None = None,
) -> None:
    """New topic at `desk`: the card, where the case comes from and why, then the whole
    history; the old topic is closed."""
    history = await conversation.history_in(session, case, case.staff_chat_id)
    default = relay.network.default_language
    old_desk = relay.network.desks_by_code().get(case.desk)
    old_chat, old_thread = await case_service.transfer(session, case, desk)
    relay.open_topic(case)
    with relay.staff_language():
        origin = fmt(
            _("➡️ Transferred from {desk} by {name}."),
            desk=old_desk.name(default, default) if old_desk else "—",
            name=by,
        )
        if reason:
            origin += "\n" + fmt(_("Reason: {reason}"), reason=reason)
    relay.note(case, origin)
    for run in history:
        if run.author is not None:  # copies of staff messages lose their author: say it
            relay.note(case, fmt("👮 {name}", name=run.author))
        for start in range(0, len(run.message_ids), COPY_BATCH):
            relay.outbox.send(
                CopyMessages(
                    chat_id=case.staff_chat_id,
                    from_chat_id=old_chat,
                    message_ids=run.message_ids[start : start + COPY_BATCH],
                ),
                case=case,
                into_topic=True,
            )
    if old_thread is not None:
        with relay.staff_language():
            note = fmt(
                _("➡️ Transferred to {desk} by {name}. This topic is closed."),
                desk=desk.name(relay.network.default_language, relay.network.default_language),
                name=by,
            )
        relay.outbox.send(SendMessage(chat_id=old_chat, message_thread_id=old_thread, text=note))
        relay.outbox.send(CloseForumTopic(chat_id=old_chat, message_thread_id=old_thread))
    with relay.i18n.use_locale(citizen.language or relay.i18n.default_locale):
        desk_name = desk.name(relay.i18n.current_locale, relay.network.default_language)
        relay.tell_citizen(
            citizen,
            fmt(_("Your report {ref} was passed to {desk}."), ref=case.ref, desk=desk_name),
            case=case,
        )


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
            facts = await open311.facts_of(relay.session, case, partner)
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
