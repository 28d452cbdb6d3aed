"""Edits of relayed messages. An edit never overwrites what the other side already read: every
version is kept (message_version), a resident's edit reaches the desk as a visible note under
the copy (in the case's current topic, also after a transfer, and never into a closed case),
and an officer's edit reaches the resident as "✏️ The police corrected a message", besides
the quiet correction of the copy itself."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from aiogram.methods import EditMessageCaption, EditMessageText, SendMessage, TelegramMethod
from aiogram.types import Message, ReplyParameters
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.citizens import resident_of_case
from bot.domain.conversation import copy_in_residents_chat
from bot.kinds import CaseStatus, Direction
from bot.network.desks import DeskKind
from bot.ui.i18n import _, speaking
from bot.ui.long_text import (
    TELEGRAM_CAPTION_LIMIT,
    TELEGRAM_TEXT_LIMIT,
    shown_length,
    split_text,
)
from bot.ui.mentions import flattened_html
from bot.ui.texts import fmt, local_time
from bot.workflows.media import CAPTIONED
from bot.workflows.referrals import partner_header
from bot.workflows.relay import TO_RESIDENT, Relay
from storage.cases import Cases
from storage.messages import CaseMessages
from storage.models import Case, CaseMessage, Citizen
from storage.referrals import Referrals

logger = logging.getLogger(__name__)


def _new_text(message: Message) -> str | None:
    return message.text if message.text is not None else message.caption


async def resident_edited(
    relay: Relay, session: AsyncSession, citizen: Citizen, message: Message, now: datetime
) -> None:
    """Keep the resident's new version of a relayed message and show it to the desk beside the
    old one."""
    text = _new_text(message)
    record = await CaseMessages(session).by_source(message.chat.id, message.message_id)
    if text is None or record is None:
        return
    case = await Cases(session).by_id(record.case_id)
    if case is None:
        return
    if case.status == CaseStatus.CLOSED:
        with speaking(relay.i18n, citizen.language or relay.network.default_language):
            relay.tell_citizen(
                citizen,
                fmt(
                    _(
                        "Your report {ref} is closed, so your edit was not passed on. Write "
                        "a new message if something is still wrong."
                    ),
                    ref=case.ref,
                ),
            )
        return
    await CaseMessages(session).add_version(record.id, text, now)
    on_card = (
        record.target_chat_id == case.staff_chat_id
        and record.target_message_id is not None
        and record.target_message_id == case.card_message_id
    )
    in_this_topic = record.target_chat_id == case.staff_chat_id and record.target_message_id
    with relay.staff_language():
        sent_at = local_time(record.created_at, relay.network)
        if in_this_topic:
            head = _("✏️ The resident edited this message. It now reads:")
        else:  # its copy is in another desk's topic (transferred) or not delivered yet
            head = fmt(
                _("✏️ The resident edited a message sent at {time}. It now reads:"), time=sent_at
            )
    reply = (
        ReplyParameters(message_id=record.target_message_id, allow_sending_without_reply=True)
        if in_this_topic and record.target_message_id is not None
        else None
    )
    _send_split(
        relay,
        case.staff_chat_id,
        f"{head}\n{flattened_html(message)}",
        reply,
        case,
        into_topic=True,
    )
    if on_card:
        case.edited_at = now
        await relay.refresh_card(case)


async def staff_edited(
    relay: Relay, session: AsyncSession, message: Message, now: datetime
) -> None:
    """Correct the resident's copy of an officer's (or a partner's) relayed message and tell
    them, visibly, what it says now. The copy is in the resident's chat (recorded under a
    blind id and a masked id in an anonymous case, so found from the resident and unmasked);
    a pseudonymised case has nobody to correct."""
    text = _new_text(message)
    record = await CaseMessages(session).by_source(message.chat.id, message.message_id)
    if text is None or record is None or record.direction != Direction.STAFF:
        return
    copy_id = copy_in_residents_chat(session, record)
    if copy_id is None:
        return
    case = await Cases(session).by_id(record.case_id)
    citizen = await resident_of_case(session, case) if case is not None else None
    if case is None or citizen is None:
        return
    referral = await Referrals(session).by_topic(message.chat.id, message.message_thread_id or 0)
    header = (
        partner_header(relay, case, citizen, relay.network.desk(referral.partner))
        if referral is not None
        else relay.police_header(case, citizen)
    )
    await CaseMessages(session).add_version(record.id, text, now)
    body = f"{header}\n{flattened_html(message)}"
    correction = _quiet_correction(citizen.chat_id, copy_id, record, message, body)
    if correction is not None:  # a refusal changes nothing: the visible note follows anyway
        relay.outbox.send(correction)
    desk = relay.network.desk_for_chat(message.chat.id)
    with speaking(relay.i18n, citizen.language or relay.network.default_language):
        if desk is not None and desk.kind is DeskKind.PARTNER:
            name = desk.name(relay.i18n.current_locale, relay.network.default_language)
            head = fmt(_("✏️ {partner} corrected a message:"), partner=name)
        else:
            head = _("✏️ The police corrected a message:")
    reply = ReplyParameters(message_id=copy_id, allow_sending_without_reply=True)
    _send_split(
        relay,
        citizen.chat_id,
        f"{head}\n{body}",
        reply,
        case,
        effect=TO_RESIDENT,
        data={"citizen_id": citizen.id},
    )


def _send_split(
    relay: Relay,
    chat_id: int,
    text: str,
    reply: ReplyParameters | None,
    case: Case,
    *,
    into_topic: bool = False,
    effect: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """`text` in as many messages as it takes, the first one a reply to `reply`."""
    for index, piece in enumerate(split_text(text)):
        relay.outbox.send(
            SendMessage(
                chat_id=chat_id, text=piece, reply_parameters=reply if index == 0 else None
            ),
            case=case,
            into_topic=into_topic,
            effect=effect,
            data=data,
        )


def _quiet_correction(
    chat_id: int, copy_id: int, record: CaseMessage, message: Message, body: str
) -> TelegramMethod[Any] | None:
    # A version too long for the copy's place is shown in the visible note only.
    if message.text is not None and record.kind == "text":
        if shown_length(body) > TELEGRAM_TEXT_LIMIT:
            return None
        return EditMessageText(chat_id=chat_id, message_id=copy_id, text=body)
    if message.content_type in CAPTIONED and record.kind == message.content_type:
        if shown_length(body) > TELEGRAM_CAPTION_LIMIT:
            return None
        return EditMessageCaption(chat_id=chat_id, message_id=copy_id, caption=body)
    return None  # Telegram cannot turn one kind of message into another
