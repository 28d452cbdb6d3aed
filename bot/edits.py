"""Mirroring an edit of a relayed message onto its copy on the other side of the relay."""

from __future__ import annotations

import logging

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import Message, ReplyParameters

from bot.i18n import _
from bot.relay import CAPTIONED, Relay
from storage.models import Case, CaseMessage, Citizen

logger = logging.getLogger(__name__)


async def mirror_edit(
    relay: Relay, case: Case, citizen: Citizen, record: CaseMessage, message: Message, header: str
) -> None:
    """Edit the copy in place; where Telegram cannot, post "edited:" with the new text."""
    new_text = message.text if message.text is not None else message.caption
    old_text, record.text = record.text, new_text
    if record.target_chat_id is None or record.target_message_id is None or new_text is None:
        return
    if (
        record.target_message_id == case.card_message_id
        and record.target_chat_id == case.staff_chat_id
    ):
        # A description shown on the case card: edit the card, not replace it.
        case.description = (
            case.description.replace(old_text, new_text, 1) if old_text else new_text
        )
        await relay.refresh_card(case, citizen)
        return
    body = message.html_text
    try:
        if message.text is not None and record.kind == "text":
            await relay.bot.edit_message_text(
                chat_id=record.target_chat_id,
                message_id=record.target_message_id,
                text=f"{header}{body}",
            )
            return
        if message.content_type in CAPTIONED and record.kind == message.content_type:
            await relay.bot.edit_message_caption(
                chat_id=record.target_chat_id,
                message_id=record.target_message_id,
                caption=f"{header}{body}",
            )
            return
    except TelegramBadRequest as exc:
        if "not modified" in exc.message:
            return
        logger.info("case %s: copy not editable (%s); posting the new text", case.ref, exc.message)
    in_topic = record.target_chat_id == case.staff_chat_id
    language = relay.network.default_language if in_topic else citizen.language
    with relay.i18n.use_locale(language or relay.i18n.default_locale):
        note = _("✏️ Edited:") + f"\n{header}{body}"
    await relay.bot.send_message(
        chat_id=record.target_chat_id,
        message_thread_id=case.thread_id if in_topic else None,
        text=note,
        reply_parameters=ReplyParameters(
            message_id=record.target_message_id, allow_sending_without_reply=True
        ),
    )
