"""Moving messages between a citizen's private chat and the case topic in a desk's supergroup."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.enums import ContentType
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import Message
from aiogram.utils.i18n import I18n

from bot.i18n import _
from bot.network import Network
from bot.texts import (
    TELEGRAM_CAPTION_LIMIT,
    TELEGRAM_TEXT_LIMIT,
    case_card,
    fmt,
    quote,
    split_text,
    topic_title,
)
from storage.models import Case, Citizen

logger = logging.getLogger(__name__)

# What copyMessage can carry from a citizen to a desk and back.
RELAYABLE = frozenset(
    {
        ContentType.TEXT,
        ContentType.PHOTO,
        ContentType.VIDEO,
        ContentType.VOICE,
        ContentType.AUDIO,
        ContentType.DOCUMENT,
        ContentType.ANIMATION,
        ContentType.VIDEO_NOTE,
        ContentType.LOCATION,
        ContentType.VENUE,
        ContentType.CONTACT,
        ContentType.STICKER,
    }
)
CAPTIONED = frozenset(
    {
        ContentType.PHOTO,
        ContentType.VIDEO,
        ContentType.AUDIO,
        ContentType.DOCUMENT,
        ContentType.ANIMATION,
        ContentType.VOICE,
    }
)
# Leaves room for the card's header lines within Telegram's 4096 characters.
CARD_DESCRIPTION_LIMIT = 3500


def kind_and_file(message: Message) -> tuple[str, str | None]:
    """The message's kind (e.g. "photo") and the Telegram file id of its media, if any."""
    kind = ContentType(message.content_type).value
    media = getattr(message, kind, None)
    if isinstance(media, list) and media:  # photos come in several sizes; keep the largest
        media = media[-1]
    return kind, getattr(media, "file_id", None)


class DeliveryError(Exception):
    """A message could not reach the citizen; `reason` is already translated for staff."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def ensure_topic(
    bot: Bot, i18n: I18n, network: Network, case: Case, citizen: Citizen
) -> int:
    """The case's forum topic, created with the case card when the case has none yet."""
    if case.thread_id is not None:
        return case.thread_id
    with i18n.use_locale(network.default_language):
        topic = await bot.create_forum_topic(
            chat_id=case.staff_chat_id, name=topic_title(case, network)
        )
        case.thread_id = topic.message_thread_id
        pieces = split_text(case.description, CARD_DESCRIPTION_LIMIT)
        card = await bot.send_message(
            chat_id=case.staff_chat_id,
            message_thread_id=topic.message_thread_id,
            text=case_card(case, citizen, network, pieces[0]),
        )
        case.card_message_id = card.message_id
        for piece in pieces[1:]:
            await bot.send_message(
                chat_id=case.staff_chat_id,
                message_thread_id=topic.message_thread_id,
                text=quote(piece),
            )
    logger.info(
        "case %s: topic %d created in desk %s", case.ref, topic.message_thread_id, case.desk
    )
    return topic.message_thread_id


async def copy_to_topic(
    bot: Bot, i18n: I18n, network: Network, case: Case, citizen: Citizen, message_id: int
) -> int:
    """Copy a message of the citizen's chat into the case topic; returns the copy's id."""
    thread_id = await ensure_topic(bot, i18n, network, case, citizen)
    copy = await bot.copy_message(
        chat_id=case.staff_chat_id,
        message_thread_id=thread_id,
        from_chat_id=citizen.chat_id,
        message_id=message_id,
    )
    return copy.message_id


async def deliver_to_citizen(bot: Bot, case: Case, citizen: Citizen, message: Message) -> int:
    """Send a staff message to the citizen as the bot, headed by the case reference."""
    header = f"<b>{quote(case.ref)}</b>"
    try:
        if (
            message.text is not None
            and len(message.text) + len(case.ref) + 1 <= TELEGRAM_TEXT_LIMIT
        ):
            sent = await bot.send_message(
                chat_id=citizen.chat_id, text=f"{header}\n{message.html_text}"
            )
            return sent.message_id
        caption: str | None = None
        if message.content_type in CAPTIONED:
            length = len(message.caption or "") + len(case.ref) + 1
            if length <= TELEGRAM_CAPTION_LIMIT:
                caption = f"{header}\n{message.html_text}" if message.caption else header
        copy = await bot.copy_message(
            chat_id=citizen.chat_id,
            from_chat_id=message.chat.id,
            message_id=message.message_id,
            caption=caption,
        )
        return copy.message_id
    except TelegramForbiddenError as exc:
        citizen.blocked_bot = True
        logger.info("case %s: citizen unreachable (%s)", case.ref, exc.message)
        raise DeliveryError(_("the citizen has blocked the bot or deleted their account")) from exc
    except TelegramBadRequest as exc:
        logger.warning("case %s: delivery refused: %s", case.ref, exc.message)
        raise DeliveryError(fmt(_("Telegram refused it: {reason}"), reason=exc.message)) from exc
