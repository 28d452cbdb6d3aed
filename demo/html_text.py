"""Telegram's HTML parse mode: markup in, plain text and message entities out.

The emulator turns what the bot sends into what a Telegram client receives, and refuses what
Telegram refuses (an unknown tag such as an unescaped `<Bob`, a tag left open, an unknown
`&name;`) with Telegram's own error words. Entity offsets count UTF-16 code units, as the
Bot API does.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

# Tag names Telegram accepts and the entity each one makes.
SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
OTHER_TAGS = {"a", "span", "tg-emoji"}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
TAG_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
ATTRIBUTE = re.compile(r"\s*([a-zA-Z-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+)))?")


class ParseError(ValueError):
    """Telegram's "can't parse entities" answer; the message is Telegram's wording."""


@dataclass
class _Open:
    name: str
    start: int  # in UTF-16 units
    attributes: dict[str, str] = field(default_factory=dict)


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(markup: str) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and entities for `markup`; raises ParseError like Telegram would."""
    out: list[str] = []
    length = 0  # UTF-16 length of what is in `out`
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    position = 0
    while position < len(markup):
        char = markup[position]
        if char == "<":
            position = _tag(markup, position, stack, entities, length)
            continue
        if char == "&":
            text, position = _entity(markup, position)
        else:
            end = position
            while end < len(markup) and markup[end] not in "<&":
                end += 1
            text, position = markup[position:end], end
        out.append(text)
        length += utf16_length(text)
    if stack:
        name = stack[-1].name
        raise ParseError(f'Can\'t find end tag corresponding to start tag "{name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _byte_offset(markup: str, position: int) -> int:
    return len(markup[:position].encode("utf-8"))


def _tag(
    markup: str, position: int, stack: list[_Open], entities: list[dict[str, Any]], length: int
) -> int:
    closing = markup.startswith("</", position)
    name_at = position + (2 if closing else 1)
    match = TAG_NAME.match(markup, name_at)
    if match is None:
        where = _byte_offset(markup, position)
        raise ParseError(f"Unexpected end of name token at byte offset {where}")
    name = match.group(0).lower()
    if not closing and name not in SIMPLE_TAGS and name not in OTHER_TAGS:
        where = _byte_offset(markup, position)
        raise ParseError(f'Unsupported start tag "{name}" at byte offset {where}')
    end = markup.find(">", match.end())
    if end < 0:
        where = _byte_offset(markup, position)
        raise ParseError(f"Unclosed start tag at byte offset {where}")
    if closing:
        if not stack or stack[-1].name != name:
            expected = f'"</{stack[-1].name}>"' if stack else "nothing"
            where = _byte_offset(markup, position)
            raise ParseError(
                f'Unmatched end tag at byte offset {where}, expected {expected}, found "</{name}>"'
            )
        _close(stack.pop(), entities, length)
        return end + 1
    attributes = {
        m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "")
        for m in ATTRIBUTE.finditer(markup[match.end() : end])
        if m.group(1)
    }
    stack.append(_Open(name, length, attributes))
    return end + 1


def _close(tag: _Open, entities: list[dict[str, Any]], end: int) -> None:
    if end <= tag.start:
        return  # Telegram drops empty entities
    entity: dict[str, Any] = {"offset": tag.start, "length": end - tag.start}
    if tag.name == "a":
        href = tag.attributes.get("href", "")
        if href.startswith("tg://user?id="):
            entity["type"] = "text_mention"
            entity["user"] = {"id": int(href.split("=", 1)[1]), "is_bot": False, "first_name": ""}
        else:
            entity.update(type="text_link", url=href)
    elif tag.name == "span":
        if tag.attributes.get("class") != "tg-spoiler":
            return
        entity["type"] = "spoiler"
    elif tag.name == "tg-emoji":
        entity.update(type="custom_emoji", custom_emoji_id=tag.attributes.get("emoji-id", ""))
    else:
        entity["type"] = SIMPLE_TAGS[tag.name]
        if tag.name == "blockquote" and "expandable" in tag.attributes:
            entity["type"] = "expandable_blockquote"
    entities.append(entity)


def _entity(markup: str, position: int) -> tuple[str, int]:
    end = markup.find(";", position)
    body = markup[position + 1 : end] if end > 0 else ""
    if end < 0 or not re.fullmatch(r"#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{1,10}", body):
        # Telegram keeps a lone "&" as it is.
        return "&", position + 1
    if body.startswith("#"):
        number = int(body[2:], 16) if body[1] in "xX" else int(body[1:])
        return chr(number), end + 1
    if body not in NAMED_ENTITIES:
        where = _byte_offset(markup, position)
        raise ParseError(f'Unsupported HTML entity "&{body};" at byte offset {where}')
    return NAMED_ENTITIES[body], end + 1


def command_entities(text: str) -> list[dict[str, Any]]:
    """What a Telegram client marks in a person's plain text: a leading /command."""
    match = re.match(r"/[a-zA-Z0-9_]+(@[a-zA-Z0-9_]+)?", text)
    if match is None:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_length(match.group(0))}]
