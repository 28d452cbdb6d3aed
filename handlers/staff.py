"""A desk's supergroup: what staff write in a case topic reaches the citizen as the bot."""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import _
from bot.relay import RELAYABLE, DeliveryError, deliver_to_citizen, kind_and_file
from bot.services.cases import Relayed, already_relayed, case_of_topic, record_message
from bot.services.citizens import citizen_of_case
from storage.models import Direction

logger = logging.getLogger(__name__)

NOTE_PREFIX = "//"


def create_router() -> Router:
    router = Router(name=__name__)
    # Staff are people (or the group posting as itself); other bots and channel forwards are not.
    router.message.filter(F.message_thread_id, written_by_staff)
    router.message.register(on_note, F.text.startswith(NOTE_PREFIX))
    router.message.register(on_command, F.text.startswith("/"))
    router.message.register(on_staff_message, F.content_type.in_(RELAYABLE))
    return router


def written_by_staff(message: Message) -> bool:
    if message.is_automatic_forward:
        return False
    if message.sender_chat is not None:
        return message.sender_chat.id == message.chat.id
    return message.from_user is not None and not message.from_user.is_bot


async def on_note(message: Message, session: AsyncSession, clock: Clock) -> None:
    """`// text` stays in the topic as an internal note."""
    case = await case_of_topic(session, message.chat.id, message.message_thread_id or 0)
    if case is None or await already_relayed(session, message.chat.id, message.message_id):
        return
    await record_message(
        session,
        case,
        Relayed(
            direction=Direction.NOTE,
            source_chat_id=message.chat.id,
            source_message_id=message.message_id,
            target_chat_id=None,
            target_message_id=None,
            kind="text",
            text=message.text,
            author_id=message.from_user.id if message.from_user else None,
        ),
        clock.now(),
    )


async def on_command(message: Message) -> None:
    """Commands are for the bot, never for the citizen."""
    logger.debug("staff command in chat %d ignored", message.chat.id)


async def on_staff_message(
    message: Message, session: AsyncSession, bot: Bot, clock: Clock
) -> None:
    """Relay a staff message to the case's citizen and keep both ids."""
    case = await case_of_topic(session, message.chat.id, message.message_thread_id or 0)
    if case is None or await already_relayed(session, message.chat.id, message.message_id):
        return
    citizen = await citizen_of_case(session, case)
    try:
        delivered = await deliver_to_citizen(bot, case, citizen, message)
    except DeliveryError as failure:
        await message.reply(_("⚠️ Not delivered: {reason}").format(reason=failure.reason))
        return
    kind, file_id = kind_and_file(message)
    await record_message(
        session,
        case,
        Relayed(
            direction=Direction.STAFF,
            source_chat_id=message.chat.id,
            source_message_id=message.message_id,
            target_chat_id=citizen.chat_id,
            target_message_id=delivered,
            kind=kind,
            file_id=file_id,
            text=message.text or message.caption,
            author_id=message.from_user.id if message.from_user else None,
        ),
        clock.now(),
    )
