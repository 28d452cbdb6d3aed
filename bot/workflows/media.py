"""Telegram media as the relay passes it on: a message's kind and file id, copies of a message
or an album (captions headed, or written anew, and too-long ones split off), and an album sent
again by file id as one media group."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

from aiogram.enums import ContentType
from aiogram.methods import CopyMessage, CopyMessages, SendMediaGroup, SendMessage, TelegramMethod
from aiogram.types import (
    InputMediaAudio,
    InputMediaDocument,
    InputMediaPhoto,
    InputMediaVideo,
    Message,
)

from bot.ui.long_text import TELEGRAM_CAPTION_LIMIT, shown_length, split_text, telegram_length
from bot.ui.mentions import flattened_html, mentions_a_person
from bot.ui.texts import quote

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

Render = Callable[[Message], str]


def kind_and_file(message: Message) -> tuple[str, str | None]:
    """The message's kind (e.g. "photo") and the Telegram file id of its media, if any."""
    kind = ContentType(message.content_type).value
    media = getattr(message, kind, None)
    if isinstance(media, list) and media:  # photos come in several sizes; keep the largest
        media = media[-1]
    return kind, getattr(media, "file_id", None)


def copies(
    chat_id: int,
    messages: Sequence[Message],
    header: str = "",
    render: Render | None = None,
) -> list[Any]:
    """Copies of one message or album. A single message's caption is headed by `header`;
    with `render`, it is always given anew as `render` writes it (see `caption_of`)."""
    source = messages[0].chat.id
    if len(messages) > 1:
        return [
            CopyMessages(
                chat_id=chat_id,
                from_chat_id=source,
                message_ids=[m.message_id for m in messages],
            )
        ]
    [message] = messages
    caption, overflow = caption_of(message, header, render)
    copy = CopyMessage(
        chat_id=chat_id, from_chat_id=source, message_id=message.message_id, caption=caption
    )
    return [copy, *(SendMessage(chat_id=chat_id, text=piece) for piece in overflow)]


def album_for_resident(chat_id: int, messages: Sequence[Message]) -> list[Any]:
    """A staff album, copied as it is unless a caption links to someone's account: then
    it is sent again by file id with those links flattened (see bot.ui.mentions)."""
    if not any(mentions_a_person(m) for m in messages):
        return copies(chat_id, messages)
    group = media_group(chat_id, messages, flattened_html)
    if group is not None:
        return group
    return [call for m in messages for call in copies(chat_id, [m], "", flattened_html)]


GROUPED: dict[ContentType, Callable[..., Any]] = {
    ContentType.PHOTO: InputMediaPhoto,
    ContentType.VIDEO: InputMediaVideo,
    ContentType.DOCUMENT: InputMediaDocument,
    ContentType.AUDIO: InputMediaAudio,
}
# Telegram groups photos with videos, but documents and audio files only with their own kind.
ALONE_IN_A_GROUP = frozenset({ContentType.DOCUMENT, ContentType.AUDIO})
ALBUM_SIZE = range(2, 11)


def media_group(
    chat_id: int,
    messages: Sequence[Message],
    render: Callable[[Message], str],
    kinds: Collection[ContentType] = frozenset(GROUPED),
) -> list[TelegramMethod[Any]] | None:
    """An album sent again by file id as one media group, each caption written by `render`; a
    caption too long for Telegram follows the album as text. None when the messages cannot
    form one (a single message, other kinds, or kinds Telegram does not mix)."""
    found = {ContentType(m.content_type) for m in messages}
    if (
        len(messages) not in ALBUM_SIZE
        or not found <= set(kinds) & set(GROUPED)
        or (found & ALONE_IN_A_GROUP and len(found) > 1)
    ):
        return None
    media: list[Any] = []
    after: list[TelegramMethod[Any]] = []
    for message in messages:
        kind = ContentType(message.content_type)
        _, file_id = kind_and_file(message)
        if file_id is None:
            return None
        caption = render(message) if message.caption else None
        if message.caption and telegram_length(message.caption) > TELEGRAM_CAPTION_LIMIT:
            caption = None
            after += [
                SendMessage(chat_id=chat_id, text=piece)
                for piece in split_text(quote(message.caption))
            ]
        media.append(GROUPED[kind](media=file_id, caption=caption))
    return [SendMediaGroup(chat_id=chat_id, media=media), *after]


def caption_of(
    message: Message, header: str, render: Render | None
) -> tuple[str | None, list[str]]:
    """The caption to use (None keeps the original, entities and all) and text to send after
    the media. Without a header or `render`, the original caption is kept when it fits."""
    if message.content_type not in CAPTIONED:
        return None, []
    body = message.caption or ""
    if telegram_length(body) + shown_length(header) + 1 <= TELEGRAM_CAPTION_LIMIT:
        if not header and render is None:
            return None, []
        words = (render or html_of)(message) if body else ""
        return "\n".join(part for part in (header, words) if part), []
    # Too long for a caption: the media goes bare (or with the header) and the words follow.
    return header, split_text(quote(body)) if body else []


def html_of(message: Message) -> str:
    return message.html_text
