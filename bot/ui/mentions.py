"""Words passed on between residents and staff, without links to anyone's account: a mention
of someone without a username (a `text_mention`) or a link to a Telegram user id
(`tg://user?id=…`) would let the reader open that account, so those are flattened to their
plain words. Staff's words reach residents so (a colleague stays unnamed), and so do an
anonymous resident's words reach staff (a mention of themselves would unmask them). All other
formatting (bold, links to web pages, code, quotes) is kept."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.enums import MessageEntityType
from aiogram.types import Message, MessageEntity
from aiogram.utils.text_decorations import html_decoration

# Links that open a person's account by id rather than by a public username.
USER_LINKS = ("tg://user", "tg://openmessage")


def names_a_person(entity: MessageEntity) -> bool:
    """Whether this piece of formatting points at a Telegram account by its id."""
    if entity.type == MessageEntityType.TEXT_MENTION:
        return True
    url = (entity.url or "").strip().lower()
    return entity.type == MessageEntityType.TEXT_LINK and url.startswith(USER_LINKS)


def _entities(message: Message) -> Sequence[MessageEntity]:
    return message.entities or message.caption_entities or []


def mentions_a_person(message: Message) -> bool:
    """Whether the text or caption links to someone's account by id."""
    return any(names_a_person(entity) for entity in _entities(message))


def flattened_html(message: Message) -> str:
    """The message's text or caption as HTML, with links to people's accounts flattened."""
    text = message.text or message.caption or ""
    kept = [entity for entity in _entities(message) if not names_a_person(entity)]
    return html_decoration.unparse(text=text, entities=kept)
