"""An anonymous resident's messages, sent again as the bot so that no request to a staff chat
names the resident's chat (see bot.workflows.relay).

Texts, coordinates and contacts are sent from their content. Photos, voice messages, video
notes and stickers go by file id: Telegram re-encoded photos when they were sent and strips
their EXIF data, and the others carry no name. Files that do carry one (documents, audio,
videos, animations) would keep the resident's file name, and an audio file its title and
performer, if sent by file id: they are downloaded when the courier sends them and uploaded
again under the case's reference, JPEG and PNG pictures without their camera data
(bot.domain.metadata). What is inside other files stays; the resident is asked first.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from aiogram.enums import ContentType
from aiogram.methods import (
    SendAnimation,
    SendAudio,
    SendContact,
    SendDocument,
    SendLocation,
    SendMessage,
    SendPhoto,
    SendSticker,
    SendVenue,
    SendVideo,
    SendVideoNote,
    SendVoice,
    TelegramMethod,
)
from aiogram.types import Message

from bot.ui.i18n import _
from bot.ui.long_text import TELEGRAM_CAPTION_LIMIT, split_text, telegram_length
from bot.ui.mentions import flattened_html
from bot.ui.texts import fmt, quote
from bot.workflows.media import kind_and_file, media_group

# Kinds that can tell staff who or where the resident is: asked about before they are sent.
REVEALING = frozenset({ContentType.CONTACT, ContentType.LOCATION, ContentType.VENUE})
# Kinds whose file keeps the name (and for audio the tags) it had on the resident's phone.
NAMED_FILES = frozenset(
    {ContentType.DOCUMENT, ContentType.AUDIO, ContentType.VIDEO, ContentType.ANIMATION}
)
DOWNLOAD_LIMIT = 20 * 1024 * 1024  # the largest file the Bot API lets a bot download
SCRUBBED_FILE = "scrubbedFile"


@dataclass(frozen=True)
class Composed:
    """A message the courier puts together when it sends it (an outbox composer)."""

    name: str
    payload: dict[str, Any]


Outgoing = TelegramMethod[Any] | Composed


def asks_first(message: Message) -> bool:
    """Whether an anonymous resident is asked "send it anyway?" before this message goes."""
    return message.content_type in REVEALING or message.content_type in NAMED_FILES


def question(message: Message) -> str:
    """The "send it anyway?" question for this message."""
    if message.content_type in REVEALING:
        return _("This may identify you, and your report is anonymous. Send it anyway?")
    if _too_large(message):
        return fmt(
            _(
                "This file is too large for Beatline to remove its name, so the police would "
                "see it: {name}. What is inside the file may identify you too. Send it anyway?"
            ),
            name=_original_name(message) or "—",
        )
    return _(
        "Files can identify you, and your report is anonymous. Beatline removes the file name "
        "(and the camera data of JPEG and PNG pictures), but not what is inside the file, such "
        "as the author of a document or where a video was recorded. Send it anyway?"
    )


def resend_all(chat_id: int, messages: Sequence[Message], ref: str) -> list[Outgoing]:
    """The content of one message or album, as new messages from the bot."""
    photos = media_group(chat_id, messages, flattened_html, {ContentType.PHOTO})
    if photos is not None:
        return list(photos)
    return [outgoing for message in messages for outgoing in resend(chat_id, message, ref)]


def resend(chat_id: int, message: Message, ref: str, header: str = "") -> list[Outgoing]:
    """One message's content as new messages from the bot, its words headed by `header` (HTML,
    e.g. who wrote it); a caption too long for the media follows as text."""
    if message.text is not None:
        words = flattened_html(message)
        if header:
            words = f"{header}\n{words}"
        return [SendMessage(chat_id=chat_id, text=piece) for piece in split_text(words)]
    body = message.caption or ""
    fits = telegram_length(header) + telegram_length(body) + 1 <= TELEGRAM_CAPTION_LIMIT
    caption = "\n".join(part for part in (header, flattened_html(message) if body else "") if part)
    outgoing: list[Outgoing] = [
        _content(chat_id, message, caption if fits else header or None, ref)
    ]
    if body and not fits:
        outgoing += [SendMessage(chat_id=chat_id, text=piece) for piece in split_text(quote(body))]
    return outgoing


def _content(chat_id: int, message: Message, caption: str | None, ref: str) -> Outgoing:
    kind = ContentType(message.content_type)
    _, file_id = kind_and_file(message)
    if kind in NAMED_FILES and file_id is not None and not _too_large(message):
        payload = {
            "kind": kind.value,
            "file_id": file_id,
            "caption": caption,
            "name": ref + _extension(message),
        }
        return Composed(SCRUBBED_FILE, payload)
    send_file = BY_FILE_ID.get(kind)
    if send_file is not None and file_id is not None:
        return send_file(chat_id, file_id, caption)
    if message.venue:
        venue = message.venue
        return SendVenue(
            chat_id=chat_id,
            latitude=venue.location.latitude,
            longitude=venue.location.longitude,
            title=venue.title,
            address=venue.address,
        )
    if message.location:
        location = message.location
        return SendLocation(
            chat_id=chat_id, latitude=location.latitude, longitude=location.longitude
        )
    if message.contact:
        contact = message.contact
        return SendContact(
            chat_id=chat_id,
            phone_number=contact.phone_number,
            first_name=contact.first_name,
            last_name=contact.last_name,
        )
    msg = f"cannot re-send a {message.content_type} message"
    raise ValueError(msg)


def _named_file(message: Message) -> Any:
    return message.document or message.audio or message.video or message.animation


def _too_large(message: Message) -> bool:
    file = _named_file(message)
    return file is not None and (file.file_size or 0) > DOWNLOAD_LIMIT


def _original_name(message: Message) -> str | None:
    file = _named_file(message)
    return getattr(file, "file_name", None) if file is not None else None


def _extension(message: Message) -> str:
    """The file's extension (so that it still opens), from its name or its type."""
    suffix = PurePosixPath(_original_name(message) or "").suffix.lower()
    if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix):
        return suffix
    file = _named_file(message)
    guessed = mimetypes.guess_extension(getattr(file, "mime_type", None) or "")
    return guessed or ""


FileSender = Callable[[int, str, str | None], TelegramMethod[Any]]

# The kinds sent again by file id: they carry no name of the resident's.
BY_FILE_ID: dict[ContentType, FileSender] = {
    ContentType.PHOTO: lambda c, f, cap: SendPhoto(chat_id=c, photo=f, caption=cap),
    ContentType.VOICE: lambda c, f, cap: SendVoice(chat_id=c, voice=f, caption=cap),
    ContentType.VIDEO_NOTE: lambda c, f, _cap: SendVideoNote(chat_id=c, video_note=f),
    ContentType.STICKER: lambda c, f, _cap: SendSticker(chat_id=c, sticker=f),
    # Only a file too large to download goes by id, after the resident agreed to its name.
    ContentType.DOCUMENT: lambda c, f, cap: SendDocument(chat_id=c, document=f, caption=cap),
    ContentType.AUDIO: lambda c, f, cap: SendAudio(chat_id=c, audio=f, caption=cap),
    ContentType.VIDEO: lambda c, f, cap: SendVideo(chat_id=c, video=f, caption=cap),
    ContentType.ANIMATION: lambda c, f, cap: SendAnimation(chat_id=c, animation=f, caption=cap),
}
