"""Moving messages between a citizen's private chat and the case topic in a desk's supergroup.

Identified and confidential cases are relayed with copyMessage(s), which never shows a "forwarded
from" header. Anonymous cases are re-sent from their content (text, file ids, coordinates), so no
request to a staff chat even names the citizen's chat. A deleted topic is recreated on the next
message, with the case card posted again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from aiogram import Bot
from aiogram.enums import ContentType
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.types import (
    InlineKeyboardMarkup,
    InputMediaAudio,
    InputMediaDocument,
    InputMediaPhoto,
    InputMediaVideo,
    Message,
    ReactionTypeEmoji,
    ReplyKeyboardMarkup,
)
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import _
from bot.network import Network
from bot.services.language import LanguageIdentifier
from bot.texts import (
    TELEGRAM_CAPTION_LIMIT,
    TELEGRAM_TEXT_LIMIT,
    case_card,
    fmt,
    quote,
    split_text,
    topic_title,
)
from storage.models import Case, CaseMessage, CaseStatus, Citizen, Privacy
from storage.repositories import Cases

logger = logging.getLogger(__name__)

T = TypeVar("T")

# What can be carried from a citizen to a desk and back.
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
# Kinds that can tell staff who or where the citizen is.
REVEALING = frozenset({ContentType.CONTACT, ContentType.LOCATION, ContentType.VENUE})
# Leaves room for the card's header lines within Telegram's 4096 characters.
CARD_DESCRIPTION_LIMIT = 3300
DELIVERED = "👍"
UNDELIVERED = "💔"


def kind_and_file(message: Message) -> tuple[str, str | None]:
    """The message's kind (e.g. "photo") and the Telegram file id of its media, if any."""
    kind = ContentType(message.content_type).value
    media = getattr(message, kind, None)
    if isinstance(media, list) and media:  # photos come in several sizes; keep the largest
        media = media[-1]
    return kind, getattr(media, "file_id", None)


def topic_gone(error: TelegramBadRequest) -> bool:
    """Telegram's ways of saying the forum topic was deleted."""
    text = error.message.lower()
    return any(m in text for m in ("thread not found", "topic_deleted", "topic_id_invalid"))


class DeliveryError(Exception):
    """A message could not reach the citizen; `reason` is already translated for staff."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Relay:
    """The Telegram side of a case, for one update: its topic, and delivery both ways."""

    bot: Bot
    session: AsyncSession
    i18n: I18n
    network: Network
    langid: LanguageIdentifier | None = None

    @contextmanager
    def staff_language(self) -> Iterator[None]:
        """Texts for staff chats, also outside an update (e.g. from a timer)."""
        with self.i18n.context(), self.i18n.use_locale(self.network.default_language):
            yield

    # -- the topic -------------------------------------------------------------------------
    async def ensure_topic(self, case: Case, citizen: Citizen) -> int:
        """The case's forum topic; created, with the case card, when it has none.

        The conditional UPDATE takes the case row's lock, so two updates racing on one case
        create one topic: the second waits, then finds the thread id the first stored.
        """
        if case.thread_id is not None:
            return case.thread_id
        if not await Cases(self.session).claim_topic(case.id):
            await self.session.refresh(case)
            if case.thread_id is not None:
                return case.thread_id
        with self.staff_language():
            topic = await self.bot.create_forum_topic(
                chat_id=case.staff_chat_id, name=topic_title(case, self.network)
            )
            case.thread_id = topic.message_thread_id
            await self.session.flush()
            await self._post_card(case, citizen)
        logger.info("case %s: topic %d in desk %s", case.ref, case.thread_id, case.desk)
        return topic.message_thread_id

    async def _post_card(self, case: Case, citizen: Citizen) -> None:
        assert case.thread_id is not None
        pieces = split_text(case.description or "—", CARD_DESCRIPTION_LIMIT)
        card = await self.bot.send_message(
            chat_id=case.staff_chat_id,
            message_thread_id=case.thread_id,
            text=case_card(case, citizen, self.network, pieces[0]),
        )
        case.card_message_id = card.message_id
        for piece in pieces[1:]:
            await self.bot.send_message(
                chat_id=case.staff_chat_id, message_thread_id=case.thread_id, text=quote(piece)
            )
        if case.priority == "urgent":
            await self.quietly(self.bot.pin_chat_message(case.staff_chat_id, card.message_id))

    async def in_topic(
        self, case: Case, citizen: Citizen, send: Callable[[int], Awaitable[T]]
    ) -> T:
        """Run `send(thread_id)`; if staff deleted the topic, recreate it and send again."""
        thread_id = await self.ensure_topic(case, citizen)
        try:
            return await send(thread_id)
        except TelegramBadRequest as error:
            if not topic_gone(error):
                raise
        logger.warning("case %s: topic %d was deleted; recreating it", case.ref, thread_id)
        if not await Cases(self.session).forget_topic(case.id, thread_id):
            await self.session.refresh(case)
        else:
            case.thread_id = None
        return await send(await self.ensure_topic(case, citizen))

    async def refresh_card(self, case: Case, citizen: Citizen) -> None:
        """Show the case's current state in the topic title and on the card."""
        if case.thread_id is None:
            return
        with self.staff_language():
            await self.quietly(
                self.bot.edit_forum_topic(
                    chat_id=case.staff_chat_id,
                    message_thread_id=case.thread_id,
                    name=topic_title(case, self.network),
                )
            )
            if case.card_message_id is not None:
                first = split_text(case.description or "—", CARD_DESCRIPTION_LIMIT)[0]
                await self.quietly(
                    self.bot.edit_message_text(
                        chat_id=case.staff_chat_id,
                        message_id=case.card_message_id,
                        text=case_card(case, citizen, self.network, first),
                    )
                )
            if case.status == CaseStatus.CLOSED:
                await self.quietly(self.bot.close_forum_topic(case.staff_chat_id, case.thread_id))

    async def reopen_topic(self, case: Case) -> None:
        if case.thread_id is not None:
            await self.quietly(self.bot.reopen_forum_topic(case.staff_chat_id, case.thread_id))

    async def note(self, case: Case, citizen: Citizen, text: str) -> int:
        """A system line in the case topic (already translated and escaped)."""

        async def send(thread_id: int) -> int:
            sent = await self.bot.send_message(
                chat_id=case.staff_chat_id, message_thread_id=thread_id, text=text
            )
            return sent.message_id

        return await self.in_topic(case, citizen, send)

    # -- citizen → desk --------------------------------------------------------------------
    async def to_topic(
        self, case: Case, citizen: Citizen, messages: Sequence[Message]
    ) -> list[int]:
        """Relay one message or one album into the case topic; ids of what landed there."""

        async def send(thread_id: int) -> list[int]:
            if case.privacy == Privacy.ANONYMOUS:
                return await self._resend(case.staff_chat_id, thread_id, messages)
            return await self._copy(case.staff_chat_id, thread_id, messages)

        return await self.in_topic(case, citizen, send)

    async def _copy(
        self, chat_id: int, thread_id: int | None, messages: Sequence[Message], header: str = ""
    ) -> list[int]:
        source = messages[0].chat.id
        if len(messages) > 1:
            copies = await self.bot.copy_messages(
                chat_id=chat_id,
                message_thread_id=thread_id,
                from_chat_id=source,
                message_ids=[m.message_id for m in messages],
            )
            return [copy.message_id for copy in copies]
        [message] = messages
        caption, overflow = self._caption(message, header)
        copy = await self.bot.copy_message(
            chat_id=chat_id,
            message_thread_id=thread_id,
            from_chat_id=source,
            message_id=message.message_id,
            caption=caption,
        )
        for piece in overflow:
            await self.bot.send_message(chat_id=chat_id, message_thread_id=thread_id, text=piece)
        return [copy.message_id]

    @staticmethod
    def _caption(message: Message, header: str) -> tuple[str | None, list[str]]:
        """The caption to use (None keeps the original) and text to send after the media."""
        if message.content_type not in CAPTIONED:
            return None, []
        body = message.caption or ""
        plain_length = len(body) + len(header) + 1
        if plain_length <= TELEGRAM_CAPTION_LIMIT:
            if not header:
                return None, []
            return (f"{header}\n{message.html_text}" if body else header), []
        # Too long for a caption: the media goes bare and the words follow as text.
        return header, split_text(quote(body)) if body else []

    async def _resend(
        self, chat_id: int, thread_id: int | None, messages: Sequence[Message]
    ) -> list[int]:
        """Send the content again as the bot, without referring to the citizen's chat."""
        if len(messages) > 1:
            media: list[Any] = [i for i in (_input_media(m) for m in messages) if i is not None]
            if len(media) == len(messages):
                sent = await self.bot.send_media_group(
                    chat_id=chat_id, message_thread_id=thread_id, media=media
                )
                return [m.message_id for m in sent]
        ids: list[int] = []
        for message in messages:
            ids.append(await _resend_one(self.bot, chat_id, thread_id, message))
        return ids

    async def stored_to_topic(self, case: Case, thread_id: int, item: CaseMessage) -> int | None:
        """Relay a recorded message that could not be relayed when it arrived."""
        if case.privacy != Privacy.ANONYMOUS:
            copy = await self.bot.copy_message(
                chat_id=case.staff_chat_id,
                message_thread_id=thread_id,
                from_chat_id=item.source_chat_id,
                message_id=item.source_message_id,
            )
            return copy.message_id
        if item.kind == "text" and item.text:
            first = None
            for piece in split_text(quote(item.text)):
                sent_text = await self.bot.send_message(
                    chat_id=case.staff_chat_id, message_thread_id=thread_id, text=piece
                )
                first = first or sent_text.message_id
            return first
        send = FILE_SENDERS.get(item.kind)
        if send is None or item.file_id is None:
            logger.warning("case %s: a delayed %s cannot be re-sent", case.ref, item.kind)
            return None
        caption = (
            quote(item.text) if item.text and len(item.text) <= TELEGRAM_CAPTION_LIMIT else None
        )
        sent = await send(self.bot, case.staff_chat_id, thread_id, item.file_id, caption)
        return sent.message_id

    # -- desk → citizen --------------------------------------------------------------------
    async def to_citizen(
        self,
        case: Case,
        citizen: Citizen,
        messages: Sequence[Message],
        header: str | None = None,
    ) -> list[int]:
        """Deliver staff messages to the citizen as the bot, headed by the case reference."""
        header = header or f"<b>{quote(case.ref)}</b>"
        try:
            if len(messages) > 1:
                await self.bot.send_message(chat_id=citizen.chat_id, text=header)
                return await self._copy(citizen.chat_id, None, messages)
            [message] = messages
            if message.text is not None:
                pieces = split_text(message.html_text, TELEGRAM_TEXT_LIMIT - len(header) - 1)
                ids = []
                for index, piece in enumerate(pieces):
                    text = f"{header}\n{piece}" if index == 0 else piece
                    sent = await self.bot.send_message(chat_id=citizen.chat_id, text=text)
                    ids.append(sent.message_id)
                return ids[:1]
            return await self._copy(citizen.chat_id, None, messages, header)
        except TelegramForbiddenError as exc:
            citizen.blocked_bot = True
            logger.info("case %s: citizen unreachable (%s)", case.ref, exc.message)
            raise DeliveryError(
                _("the citizen has blocked the bot or deleted their account")
            ) from exc
        except TelegramBadRequest as exc:
            logger.warning("case %s: delivery refused: %s", case.ref, exc.message)
            raise DeliveryError(
                fmt(_("Telegram refused it: {reason}"), reason=exc.message)
            ) from exc

    async def tell_citizen(
        self,
        citizen: Citizen,
        text: str,
        markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = None,
    ) -> int | None:
        """A message from Beatline itself; a citizen who blocked the bot is marked, not retried."""
        try:
            sent = await self.bot.send_message(
                chat_id=citizen.chat_id, text=text, reply_markup=markup
            )
        except TelegramForbiddenError:
            citizen.blocked_bot = True
            return None
        return sent.message_id

    async def react(self, chat_id: int, message_id: int, emoji: str) -> None:
        await self.quietly(
            self.bot.set_message_reaction(
                chat_id=chat_id, message_id=message_id, reaction=[ReactionTypeEmoji(emoji=emoji)]
            )
        )

    async def quietly(self, call: Awaitable[object]) -> None:
        """For cosmetic calls (titles, pins, reactions): log a refusal, never fail the update."""
        try:
            await call
        except TelegramAPIError as exc:
            logger.warning("cosmetic Bot API call refused: %s", exc.message)


def _input_media(
    message: Message,
) -> InputMediaPhoto | InputMediaVideo | InputMediaDocument | InputMediaAudio | None:
    caption = message.html_text if message.caption else None
    if message.photo:
        return InputMediaPhoto(media=message.photo[-1].file_id, caption=caption)
    if message.video:
        return InputMediaVideo(media=message.video.file_id, caption=caption)
    if message.document:
        return InputMediaDocument(media=message.document.file_id, caption=caption)
    if message.audio:
        return InputMediaAudio(media=message.audio.file_id, caption=caption)
    return None


async def _resend_one(bot: Bot, chat_id: int, thread_id: int | None, message: Message) -> int:
    """One message's content sent again; long captions follow as text."""
    where: dict[str, Any] = {"chat_id": chat_id, "message_thread_id": thread_id}
    body = message.caption or ""
    caption = message.html_text if body and len(body) <= TELEGRAM_CAPTION_LIMIT else None
    sent: Message
    if message.text is not None:
        first: Message | None = None
        for piece in split_text(message.html_text):
            latest = await bot.send_message(text=piece, **where)
            first = first or latest
        assert first is not None
        return first.message_id
    kind, file_id = kind_and_file(message)
    send_file = FILE_SENDERS.get(kind)
    if send_file is not None and file_id is not None:
        sent = await send_file(bot, chat_id, thread_id, file_id, caption)
    elif message.venue:
        venue = message.venue
        sent = await bot.send_venue(
            latitude=venue.location.latitude,
            longitude=venue.location.longitude,
            title=venue.title,
            address=venue.address,
            **where,
        )
    elif message.location:
        sent = await bot.send_location(
            latitude=message.location.latitude, longitude=message.location.longitude, **where
        )
    elif message.contact:
        contact = message.contact
        sent = await bot.send_contact(
            phone_number=contact.phone_number,
            first_name=contact.first_name,
            last_name=contact.last_name,
            **where,
        )
    else:
        msg = f"cannot re-send a {message.content_type} message"
        raise ValueError(msg)
    if body and caption is None:
        for piece in split_text(quote(body)):
            await bot.send_message(text=piece, **where)
    return sent.message_id


FileSender = Callable[[Bot, int, int | None, str, str | None], Awaitable[Message]]

# Sending media again by file id (anonymous cases): for a live message and for a stored one.
FILE_SENDERS: dict[str, FileSender] = {
    "photo": lambda b, c, t, f, cap: b.send_photo(c, f, message_thread_id=t, caption=cap),
    "video": lambda b, c, t, f, cap: b.send_video(c, f, message_thread_id=t, caption=cap),
    "voice": lambda b, c, t, f, cap: b.send_voice(c, f, message_thread_id=t, caption=cap),
    "audio": lambda b, c, t, f, cap: b.send_audio(c, f, message_thread_id=t, caption=cap),
    "document": lambda b, c, t, f, cap: b.send_document(c, f, message_thread_id=t, caption=cap),
    "animation": lambda b, c, t, f, cap: b.send_animation(c, f, message_thread_id=t, caption=cap),
    "video_note": lambda b, c, t, f, _cap: b.send_video_note(c, f, message_thread_id=t),
    "sticker": lambda b, c, t, f, _cap: b.send_sticker(c, f, message_thread_id=t),
}
