"""Moving a case between desks: transfers to another police desk, and referrals to partners
(only with the citizen's consent, and with personal data left out unless the case is
identified)."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from bot import keyboards
from bot.i18n import _
from bot.network import Desk
from bot.relay import Relay
from bot.services import cases as case_service
from bot.texts import fmt, partner_card, partner_topic_title, quote, split_text
from storage.models import Case, Citizen, Privacy, Referral

logger = logging.getLogger(__name__)

COPY_BATCH = 100  # copyMessages takes at most 100 ids


async def transfer(
    relay: Relay, session: AsyncSession, case: Case, citizen: Citizen, desk: Desk, by: str
) -> None:
    """New topic at `desk` with the card and the whole history; the old topic is closed."""
    old_chat = case.staff_chat_id
    history = await case_service.history_in(session, case, old_chat)
    old_chat, old_thread = case_service.transfer(case, desk)
    thread_id = await relay.ensure_topic(case, citizen)
    for start in range(0, len(history), COPY_BATCH):
        await relay.bot.copy_messages(
            chat_id=case.staff_chat_id,
            message_thread_id=thread_id,
            from_chat_id=old_chat,
            message_ids=history[start : start + COPY_BATCH],
        )
    if old_thread is not None:
        with relay.staff_language():
            note = fmt(
                _("➡️ Transferred to {desk} by {name}. This topic is closed."),
                desk=desk.name(relay.network.default_language, "en"),
                name=by,
            )
        await relay.quietly(
            relay.bot.send_message(chat_id=old_chat, message_thread_id=old_thread, text=note)
        )
        await relay.quietly(relay.bot.close_forum_topic(old_chat, old_thread))
    with relay.i18n.use_locale(citizen.language or relay.i18n.default_locale):
        desk_name = desk.name(relay.i18n.current_locale, relay.network.default_language)
        await relay.tell_citizen(
            citizen,
            fmt(_("Your report {ref} was passed to {desk}."), ref=case.ref, desk=desk_name),
        )


async def ask_consent(
    relay: Relay, case: Case, citizen: Citizen, partner: Desk, referral: Referral
) -> bool:
    """Ask the citizen whether `partner` may see the case; False if they cannot be reached."""
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
        text = (
            fmt(
                _(
                    "The police would like to pass your report {ref} to {partner}, who may be "
                    "able to help."
                ),
                ref=case.ref,
                partner=name,
            )
            + "\n"
            + fmt(_("{partner} would see:"), partner=name)
            + " "
            + shared
            + "\n\n"
            + _("Do you agree?")
        )
        sent = await relay.tell_citizen(citizen, text, keyboards.referral_consent(referral.id))
    return sent is not None


async def open_partner_topic(
    relay: Relay, case: Case, citizen: Citizen, partner: Desk, referral: Referral, by: str
) -> None:
    """The partner's own topic for the case, headed by a redacted card."""
    with relay.staff_language():
        topic = await relay.bot.create_forum_topic(
            chat_id=partner.chat_id, name=partner_topic_title(case, relay.network)
        )
        referral.thread_id = topic.message_thread_id
        card = partner_card(case, citizen, relay.network, by, referral.info_only)
    for piece in split_text(card):
        await relay.bot.send_message(
            chat_id=partner.chat_id, message_thread_id=topic.message_thread_id, text=piece
        )


def partner_header(relay: Relay, case: Case, citizen: Citizen, partner: Desk) -> str:
    """What heads a partner's message to the citizen: "<partner> via Beatline · <ref>"."""
    language = citizen.language or relay.i18n.default_locale
    name = partner.name(language, relay.network.default_language)
    with relay.i18n.use_locale(language):
        header = _("{partner} via Beatline").format(partner=name)
    return f"<b>{quote(header)}</b> · {quote(case.ref)}"
