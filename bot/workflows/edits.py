"""Mirroring an edit of a relayed message onto its copy on the other side of the relay."""

from __future__ import annotations

import logging
from typing import Any

from aiogram.methods import EditMessageCaption, EditMessageText, SendMessage, TelegramMethod
from aiogram.types import Message, ReplyParameters

from bot.ui.i18n import _
from bot.workflows.relay import CAPTIONED, EDIT, Relay
from storage.models import Case, CaseMessage, Citizen

logger = logging.getLogger(__name__)


def edited_note(note: dict[str, Any]) -> SendMessage:
    """ "✏️ Edited: …" as a reply to the copy that could not be edited in place."""
    return SendMessage(
        chat_id=note["chat_id"],
        message_thread_id=note.get("thread_id"),
        text=note["text"],
        reply_parameters=ReplyParameters(
            message_id=note["reply_to"], allow_sending_without_reply=True
        ),
    )


async def mirror_edit(
    relay: Relay, case: Case, citizen: Citizen, record: CaseMessage, message: Message, header: str
) -> None:
    """Edit the copy in place; where Telegram cannot, "✏️ Edited:" with the new text is posted."""
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
        await relay.refresh_card(case)
        return
    body = message.html_text
    in_topic = record.target_chat_id == case.staff_chat_id
    language = relay.network.default_language if in_topic else citizen.language
    with relay.i18n.use_locale(language or relay.i18n.default_locale):
        text = _("✏️ Edited:") + f"\n{header}{body}"
    note = {
        "chat_id": record.target_chat_id,
        "thread_id": case.thread_id if in_topic else None,
        "text": text,
        "reply_to": record.target_message_id,
    }
    edit: TelegramMethod[Any] | None = None
    if message.text is not None and record.kind == "text":
        edit = EditMessageText(
            chat_id=record.target_chat_id,
            message_id=record.target_message_id,
            text=f"{header}{body}",
        )
    elif message.content_type in CAPTIONED and record.kind == message.content_type:
        edit = EditMessageCaption(
            chat_id=record.target_chat_id,
            message_id=record.target_message_id,
            caption=f"{header}{body}",
        )
    if edit is None:  # Telegram cannot turn one kind of message into another
        relay.outbox.send(edited_note(note))
        return
    # If Telegram refuses the edit, the effect posts the note instead.
    relay.outbox.send(edit, effect=EDIT, data={"note": note})
