"""Building message content the way Telegram does: text and captions through the parse mode,
reply markup checked, media looked up by file id, and the content copied by copyMessage."""

from __future__ import annotations

import json
from typing import Any

from demo.html_text import ParseError, parse_html, utf16_length
from demo.state import ApiError, State, bad_request

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
# What copyMessage carries over; service messages (topic created, pinned, …) have none of it.
CONTENT_KEYS = (
    "text",
    "entities",
    "photo",
    "caption",
    "caption_entities",
    "document",
    "video",
    "animation",
    "audio",
    "voice",
    "video_note",
    "sticker",
    "location",
    "venue",
    "contact",
    "has_media_spoiler",
)
MEDIA_KINDS = (
    "photo",
    "document",
    "video",
    "animation",
    "audio",
    "voice",
    "video_note",
    "sticker",
)


class Params:
    """A request's parameters: form fields and query strings arrive as text, JSON bodies typed."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw

    def __contains__(self, name: str) -> bool:
        return self.raw.get(name) not in (None, "")

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.raw.get(name)
        return default if value is None else str(value)

    def required_text(self, name: str) -> str:
        value = self.text(name)
        if value is None:
            raise bad_request(f"{name} is empty" if name == "text" else f"{name} is required")
        return value

    def number(self, name: str, default: int | None = None) -> int | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def required_number(self, name: str) -> int:
        value = self.number(name)
        if value is None:
            raise bad_request(f"{name} is required")
        return value

    def flag(self, name: str) -> bool:
        value = self.raw.get(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def json(self, name: str) -> Any:
        value = self.raw.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value

    def chat_id(self, name: str = "chat_id") -> int:
        value = self.raw.get(name)
        if isinstance(value, str) and value.startswith("@"):
            raise bad_request("chat not found")
        return self.required_number(name)


def formatted(params: Params, text_key: str, entities_key: str) -> dict[str, Any]:
    """`{text_key: …, entities_key: […]}` after the parse mode, or {} when there is no text."""
    raw = params.text(text_key)
    if raw is None:
        return {}
    mode = (params.text("parse_mode") or "").lower()
    if mode == "html":
        try:
            text, entities = parse_html(raw)
        except ParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
    else:
        text, entities = raw, params.json(entities_key) or []
    content: dict[str, Any] = {text_key: text}
    if entities:
        content[entities_key] = entities
    return content


def text_content(params: Params) -> dict[str, Any]:
    content = formatted(params, "text", "entities")
    text = content.get("text", "")
    if not text.strip():
        raise bad_request("message text is empty")
    if utf16_length(text) > TEXT_LIMIT:
        raise bad_request("message is too long")
    return content


def caption_content(params: Params) -> dict[str, Any]:
    content = formatted(params, "caption", "caption_entities")
    if utf16_length(content.get("caption", "")) > CAPTION_LIMIT:
        raise bad_request("message caption is too long")
    if "caption" in content and not content["caption"]:
        del content["caption"]
    return content


def inline_markup(params: Params) -> dict[str, Any] | None:
    """The reply markup, checked like Telegram checks it (callback data of 1-64 bytes)."""
    markup = params.json("reply_markup")
    if not markup:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    for row in rows:
        for button in row:
            if not str(button.get("text", "")).strip():
                raise bad_request("BUTTON_TEXT_EMPTY" if "inline_keyboard" in markup else "")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= CALLBACK_DATA_LIMIT:
                raise bad_request("BUTTON_DATA_INVALID")
    return markup


def media_by_file_id(state: State, kind: str, file_id: str) -> dict[str, Any]:
    """The Telegram object (e.g. a list of PhotoSize) of a file the emulator knows."""
    known = state.files.get(file_id)
    if known is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if known["kind"] != kind:
        have, want = known["kind"].replace("_", " ").title(), kind.replace("_", " ").title()
        raise bad_request(f"can't use file of type {have} as {want}")
    return {kind: known["object"]}


def copyable(data: dict[str, Any]) -> dict[str, Any]:
    """The content of a stored message that a copy carries; raises if it is a service message."""
    content = {key: data[key] for key in CONTENT_KEYS if key in data}
    if not content:
        raise bad_request("message can't be copied")
    return content


def keyboard_effect(state: State, chat_id: int, markup: dict[str, Any] | None) -> None:
    """A reply keyboard (or its removal) changes what the chat's input area shows."""
    if markup is None:
        return
    if "keyboard" in markup:
        state.keyboards[chat_id] = markup
    elif markup.get("remove_keyboard"):
        state.keyboards[chat_id] = None


def message_markup(markup: dict[str, Any] | None) -> dict[str, Any]:
    """Only an inline keyboard travels with the message itself."""
    if markup is not None and "inline_keyboard" in markup:
        return {"reply_markup": markup}
    return {}


def ensure(condition: bool, error: ApiError) -> None:
    if not condition:
        raise error
