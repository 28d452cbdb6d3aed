"""Moving a case between desks: transfers to another police desk, and referrals to partners
(only with the citizen's consent, and with personal data left out unless the case is
identified). Everything is queued in the outbox; partner topics are made when sent."""

from __future__ import annotations

import logging

from aiogram.methods import CloseForumTopic, CopyMessages, CreateForumTopic, SendMessage
from aiogram.types import ForumTopic
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain import cases as case_service
from bot.domain.citizens import citizen_of_case
from bot.kinds import Privacy
from bot.network.schema import Desk, Network
from bot.telegram.courier import Call, Sender, TopicGone, Where
from bot.ui import keyboards
from bot.ui.i18n import _, speaking
from bot.ui.texts import fmt, partner_card, partner_topic_title, quote, split_text
from bot.workflows import open311
from bot.workflows.relay import Relay
from storage.models import Case, Citizen, OutboxMessage, Referral
from storage.repositories import Cases, Referrals

logger = logging.getLogger(__name__)

COPY_BATCH = 100  # copyMessages takes at most 100 ids
PARTNER_TOPIC = "partnerTopic"


async def transfer(
    relay: Relay, session: AsyncSession, case: Case, citizen: Citizen, desk: Desk, by: str
) -> None:
    """New topic at `desk` with the card and the whole history; the old topic is closed."""
    history = await case_service.history_in(session, case, case.staff_chat_id)
    old_chat, old_thread = await case_service.transfer(session, case, desk)
    relay.open_topic(case)
    for start in range(0, len(history), COPY_BATCH):
        relay.outbox.send(
            CopyMessages(
                chat_id=case.staff_chat_id,
                from_chat_id=old_chat,
                message_ids=history[start : start + COPY_BATCH],
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
        if referral.info_only:
            shared = _(
                "a summary of your report (what happened, where and when) for their "
                "information, without your name. They cannot write to you."
            )
        elif case.privacy == Privacy.IDENTIFIED:
            shared = _(
                "the description of your report and your name and Telegram account. "
                "They may write to you here."
            )
        else:
            shared = _(
                "the description of your report, without your name. They may write to you here."
            )
        text = fmt(
            _(
                "The police would like to pass your report {ref} to {partner}, who may be "
                "able to help."
            ),
            ref=case.ref,
            partner=name,
        )
        if partner.chat_id is not None:
            text += "\n" + fmt(_("{partner} would see:"), partner=name) + " " + shared
        markup = keyboards.referral_consent(referral.id)
        # An Open311 endpoint: its own list of what it receives, and "yes, with …" choices.
        if partner.open311 is not None:
            facts = await open311.facts(relay.session, case, partner)
            text += "\n" + open311.consent_text(name, facts)
            markup = keyboards.referral_consent(referral.id, open311.consent_choices(facts))
        text += "\n\n" + _("Do you agree?")
        relay.tell_citizen(citizen, text, markup, case=case)
    return True


def open_partner_topic(relay: Relay, partner: Desk, referral: Referral, by: str) -> None:
    """Queue the partner's own topic for the case, headed by a redacted card."""
    if partner.chat_id is None:
        return  # only an Open311 endpoint: bot.workflows.open311 sends the referral
    relay.outbox.compose(PARTNER_TOPIC, partner.chat_id, {"referral_id": referral.id, "by": by})


class PartnerTopics:
    """The composer of `beatline.partnerTopic`: creates the topic, then posts the card."""

    def __init__(
        self, session_factory: async_sessionmaker[AsyncSession], i18n: I18n, network: Network
    ) -> None:
        self.session_factory = session_factory
        self.i18n = i18n
        self.network = network

    async def __call__(self, row: OutboxMessage, where: Where | None, send: Sender) -> list[Call]:
        async with self.session_factory() as session:
            referral = await Referrals(session).by_id(int(row.payload["referral_id"]))
            case = await Cases(session).by_id(referral.case_id) if referral else None
            if referral is None or case is None:
                raise TopicGone
            with speaking(self.i18n, self.network.default_language):
                title = partner_topic_title(case, self.network)
                card = partner_card(
                    case,
                    await citizen_of_case(session, case),
                    self.network,
                    str(row.payload.get("by", "")),
                    referral.info_only,
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
    """What heads a partner's message to the citizen: "<partner> via Beatline · <ref>"."""
    language = citizen.language or relay.i18n.default_locale
    name = partner.name(language, relay.network.default_language)
    with relay.i18n.use_locale(language):
        header = _("{partner} via Beatline").format(partner=name)
    return f"<b>{quote(header)}</b> · {quote(case.ref)}"
