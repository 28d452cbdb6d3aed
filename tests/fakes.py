"""A fake Bot API behind aiogram's session interface, a controllable clock, and update builders.

FakeTelegram records every request as Telegram would receive it (defaults resolved, objects
serialised) and answers the way Telegram does: fresh message ids per chat, new forum thread ids,
chat members. It can be told to fail calls with Telegram's own error replies (429 with
retry_after, 403, 400, 5xx); those go through aiogram's real response checking.

It also refuses, with a 400 as Telegram does, what Telegram itself would refuse: an empty text,
a text over 4096 or a caption over 1024 characters (as Telegram counts them, after the HTML is
parsed), HTML that does not parse, an emoji a bot may not react with, a callback answer over 200
characters, a button without a label or with callback data over 64 bytes, a topic name that is
empty or over 128 characters, and a media group of fewer than 2 or more than 10 items. Every
such refusal is kept in `refused`.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncGenerator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    Chat,
    InputFile,
    Message,
    Update,
    User,
)
from aiohttp import ClientResponseError, RequestInfo
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from demo.botapi import REACTIONS
from demo.html_text import ParseError, parse_html, utf16_length

BOT_ID = 4242
BOT_TOKEN = f"{BOT_ID}:TEST-token-for-the-fake-bot-api"
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Beatline", "username": "beatline_bot"}


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    files: dict[str, InputFile] = field(default_factory=dict)  # uploads, by attach:// name

    def upload(self, reference: str) -> bytes:
        """The bytes of an uploaded file a parameter refers to (`attach://…`)."""
        file = self.files[reference.removeprefix("attach://")]
        assert isinstance(file, BufferedInputFile), type(file)
        return file.data

    @property
    def uploads(self) -> dict[str, tuple[str | None, bytes]]:
        """Every uploaded in-memory file: its name and bytes, by attach:// name."""
        return {
            key: (file.filename, file.data)
            for key, file in self.files.items()
            if isinstance(file, BufferedInputFile)
        }

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def thread_id(self) -> int | None:
        value = self.params.get("message_thread_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def buttons(self) -> list[str]:
        """Labels of the inline or reply keyboard sent with this call, row by row."""
        markup = self.params.get("reply_markup") or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [button["text"] for row in rows for button in row]

    def dump(self) -> str:
        return json.dumps({"method": self.method, **self.params}, ensure_ascii=False, default=str)


# `fail(..., status=NO_ANSWER)`: the request reached Telegram, and its answer never came back (a
# timeout or a dropped connection), so the bot cannot know whether it was done.
NO_ANSWER = 0


@dataclass
class Failure:
    method: str
    status: int
    description: str
    retry_after: int | None
    chat_id: int | None
    times: int
    where: dict[str, Any] = field(default_factory=dict)
    skip: int = 0  # matching calls to let through first


@dataclass
class FakeClock:
    current: datetime = field(default_factory=lambda: datetime(2026, 3, 5, 9, 30, tzinfo=UTC))

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


class FakeTelegram(BaseSession):
    """Answers Bot API methods in memory; see the module docstring."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[Call] = []
        self.failures: list[Failure] = []
        self.members: dict[tuple[int, int], dict[str, Any]] = {}
        self._message_ids: dict[int, Iterator[int]] = {}
        self._thread_ids = itertools.count(500)
        self.closed = False
        self.files: dict[str, bytes] = {}  # what getFile and the file server know, by file id
        self.chats: dict[int, dict[str, Any]] = {}  # getChat fields beyond the defaults
        self.refused: list[tuple[Call, str]] = []  # what Telegram would have refused, and why

    # -- test controls ---------------------------------------------------------------------
    def fail(
        self,
        method: str,
        *,
        status: int = 400,
        description: str = "Bad Request: test failure",
        retry_after: int | None = None,
        chat_id: int | None = None,
        times: int = 1,
        where: dict[str, Any] | None = None,
        skip: int = 0,
    ) -> None:
        """Make the next `times` calls of `method` (to `chat_id`, and with the parameters in
        `where`, if given) fail like Telegram, after letting `skip` of them through."""
        self.failures.append(
            Failure(method, status, description, retry_after, chat_id, times, where or {}, skip)
        )

    def sent(
        self, method: str | None = None, chat_id: int | None = None, thread_id: int | None = None
    ) -> list[Call]:
        return [
            call
            for call in self.calls
            if (method is None or call.method == method)
            and (chat_id is None or call.chat_id == chat_id)
            and (thread_id is None or call.thread_id == thread_id)
        ]

    def last(self, method: str | None = None, chat_id: int | None = None) -> Call:
        found = self.sent(method, chat_id)
        assert found, f"no {method or 'request'} to chat {chat_id}; calls: {self.calls}"
        return found[-1]

    def clear(self) -> None:
        self.calls.clear()

    # -- BaseSession -----------------------------------------------------------------------
    async def close(self) -> None:
        self.closed = True

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109 - BaseSession's signature
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        path = url.rsplit("/", 1)[-1]
        if path not in self.files:  # Telegram's file server answers 404, as aiohttp reports it
            raise ClientResponseError(
                RequestInfo(URL(url), "GET", CIMultiDictProxy(CIMultiDict()), URL(url)),
                (),
                status=404,
                message="Not Found",
            )
        data = self.files[path]
        for start in range(0, len(data), chunk_size):
            yield data[start : start + chunk_size]

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - BaseSession's signature
    ) -> TelegramType:
        name = method.__api_method__
        params: dict[str, Any] = {}
        files: dict[str, InputFile] = {}
        for key in type(method).model_fields:
            value = self.prepare_value(
                getattr(method, key), bot=bot, files=files, _dumps_json=False
            )
            if value is not None:
                params[key] = value
        call = Call(name, params, files)
        self.calls.append(call)
        failure = self._take_failure(call) or self._refusal(call)
        if failure is not None and failure.status == NO_ANSWER:
            raise TelegramNetworkError(method=method, message=failure.description)
        if failure is not None:
            body: dict[str, Any] = {
                "ok": False,
                "error_code": failure.status,
                "description": failure.description,
            }
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            status = failure.status
        else:
            body = {"ok": True, "result": self.answer(call)}
            status = 200
        response = self.check_response(bot, method, status, json.dumps(body))
        return response.result  # type: ignore[return-value]

    def _refusal(self, call: Call) -> Failure | None:
        reason = refusal(call)
        if reason is None:
            return None
        self.refused.append((call, reason))
        return Failure(call.method, 400, f"Bad Request: {reason}", None, call.chat_id, 1)

    def _take_failure(self, call: Call) -> Failure | None:
        for failure in self.failures:
            if (
                failure.method == call.method
                and failure.chat_id in (None, call.chat_id)
                and all(call.params.get(k) == v for k, v in failure.where.items())
            ):
                if failure.skip > 0:
                    failure.skip -= 1
                    continue
                failure.times -= 1
                if failure.times <= 0:
                    self.failures.remove(failure)
                return failure
        return None

    def _next_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(10_000))
        return next(counter)

    def _message(self, call: Call, **content: Any) -> dict[str, Any]:
        chat_id = int(call.params["chat_id"])
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat_id),
            "date": 1_772_700_000,
            "chat": {"id": chat_id, "type": "supergroup" if chat_id < 0 else "private"},
            "from": BOT_USER,
            **content,
        }
        if call.thread_id is not None:
            message["message_thread_id"] = call.thread_id
            message["is_topic_message"] = True
        return message

    def answer(self, call: Call) -> Any:
        """What Telegram would return for `call` (the `result` field)."""
        params = call.params
        match call.method:
            case "getMe":
                return BOT_USER
            case "getFile":
                file_id = str(params["file_id"])
                return {
                    "file_id": file_id,
                    "file_unique_id": f"u-{file_id}",
                    "file_size": len(self.files.get(file_id, b"")),
                    "file_path": f"documents/{file_id}",
                }
            case "sendMessage" | "editMessageText":
                return self._message(call, text=params["text"])
            case "editMessageCaption" | "editMessageReplyMarkup":
                return self._message(call, text="…")
            case "sendLocation":
                location = {"latitude": params["latitude"], "longitude": params["longitude"]}
                return self._message(call, location=location)
            case "sendMediaGroup":
                return [self._message(call, caption=m.get("caption")) for m in params["media"]]
            case "copyMessage":
                return {"message_id": self._next_message_id(int(params["chat_id"]))}
            case "copyMessages":
                chat_id = int(params["chat_id"])
                return [
                    {"message_id": self._next_message_id(chat_id)} for _ in params["message_ids"]
                ]
            case name if name.startswith("send"):
                return self._message(call, caption=params.get("caption"))
            case "createForumTopic":
                return {
                    "message_thread_id": next(self._thread_ids),
                    "name": params["name"],
                    "icon_color": 7322096,
                }
            case "getChat":
                chat_id = int(params["chat_id"])
                gifts = dict.fromkeys(
                    (
                        "unlimited_gifts",
                        "limited_gifts",
                        "unique_gifts",
                        "premium_subscription",
                        "gifts_from_channels",
                    ),
                    False,
                )
                return {
                    "id": chat_id,
                    "type": "supergroup" if chat_id < 0 else "private",
                    "title": "Desk",
                    "accent_color_id": 0,
                    "max_reaction_count": 11,
                    "accepted_gift_types": gifts,
                    **self.chats.get(chat_id, {}),
                }
            case "getChatAdministrators":
                chat_id = int(params["chat_id"])
                return [
                    member
                    for (chat, _user), member in self.members.items()
                    if chat == chat_id and member["status"] in ("administrator", "creator")
                ]
            case "getChatMember":
                key = (int(params["chat_id"]), int(params["user_id"]))
                return self.members.get(
                    key,
                    {
                        "status": "member",
                        "user": {"id": key[1], "is_bot": False, "first_name": "Member"},
                    },
                )
            case _:
                return True


TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_TEXT_LIMIT = 200
CALLBACK_DATA_LIMIT = 64
TOPIC_NAME_LIMIT = 128


def _shown(params: dict[str, Any], key: str) -> str:
    """A text or caption as the reader will see it; raises ParseError for bad HTML."""
    value = str(params.get(key) or "")
    if params.get("parse_mode") == "HTML":
        return parse_html(value)[0]
    return value


def refusal(call: Call) -> str | None:
    """Why Telegram would refuse `call` with a 400 (see the module docstring), or None."""
    params = call.params
    try:
        if "text" in params and call.method in ("sendMessage", "editMessageText"):
            text = _shown(params, "text")
            if not text.strip():
                return "message text is empty"
            if utf16_length(text) > TEXT_LIMIT:
                return "message is too long"
        if "caption" in params and utf16_length(_shown(params, "caption")) > CAPTION_LIMIT:
            return "message caption is too long"
        if call.method == "sendMediaGroup":
            media = params.get("media") or []
            if not 2 <= len(media) <= 10:
                return "wrong number of items in the media group"
            for item in media:
                if utf16_length(_shown(item, "caption")) > CAPTION_LIMIT:
                    return "message caption is too long"
    except ParseError as error:
        return f"can't parse entities: {error}"
    return _other_refusal(call.method, params)


def _other_refusal(method: str, params: dict[str, Any]) -> str | None:
    if method == "setMessageReaction":
        for reaction in params.get("reaction") or []:
            if reaction.get("type") != "emoji" or reaction.get("emoji") not in REACTIONS:
                return "REACTION_INVALID"
    if (
        method == "answerCallbackQuery"
        and len(str(params.get("text") or "")) > CALLBACK_TEXT_LIMIT
    ):
        return "MESSAGE_TOO_LONG"
    name = str(params.get("name", "-"))
    if method in ("createForumTopic", "editForumTopic") and not 1 <= len(name) <= TOPIC_NAME_LIMIT:
        return "TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_TOO_LONG"
    markup = params.get("reply_markup") or {}
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    for row in rows:
        for button in row:
            if not str(button.get("text", "")).strip():
                return "BUTTON_TEXT_EMPTY"
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= CALLBACK_DATA_LIMIT:
                return "BUTTON_DATA_INVALID"
    return None


def administrator(user_id: int, *, can_manage_topics: bool) -> dict[str, Any]:
    """A getChatMember answer for an administrator."""
    rights = [
        "can_manage_chat",
        "can_delete_messages",
        "can_manage_video_chats",
        "can_restrict_members",
        "can_promote_members",
        "can_change_info",
        "can_invite_users",
        "can_post_stories",
        "can_edit_stories",
        "can_delete_stories",
        "can_send_welcome_messages",
        "can_pin_messages",
    ]
    return {
        "status": "administrator",
        "user": {"id": user_id, "is_bot": True, "first_name": "Beatline"},
        "can_be_edited": False,
        "is_anonymous": False,
        **dict.fromkeys(rights, True),
        "can_manage_topics": can_manage_topics,
    }


class Updates:
    """Builds real `Update` objects with increasing ids, as Telegram would deliver them."""

    def __init__(self) -> None:
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, Iterator[int]] = {}

    def _message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def message(
        self,
        user: User,
        text: str | None = None,
        *,
        chat: Chat | None = None,
        thread_id: int | None = None,
        reply_to: int | None = None,
        **content: Any,
    ) -> Update:
        chat = chat or Chat(id=user.id, type="private", first_name=user.first_name)
        payload: dict[str, Any] = {
            "message_id": self._message_id(chat.id),
            "date": datetime(2026, 3, 5, 9, 30, tzinfo=UTC),
            "chat": chat,
            "from_user": user,
            "text": text,
            **content,
        }
        if thread_id is not None:
            payload["message_thread_id"] = thread_id
            payload["is_topic_message"] = True
        if reply_to is not None:
            payload["reply_to_message"] = Message(
                message_id=reply_to, date=payload["date"], chat=chat
            )
        return Update(update_id=next(self._update_ids), message=Message(**payload))

    def staff_callback(self, user: User, chat_id: int, data: str) -> Update:
        """A button pressed under a bot message in a staff supergroup."""
        return self.callback(user, data, chat=Chat(id=chat_id, type="supergroup", title="Desk"))

    def callback(
        self, user: User, data: str, *, message_id: int = 1, chat: Chat | None = None
    ) -> Update:
        chat = chat or Chat(id=user.id, type="private", first_name=user.first_name)
        origin = Message(
            message_id=message_id,
            date=datetime(2026, 3, 5, 9, 30, tzinfo=UTC),
            chat=chat,
            from_user=User.model_validate(BOT_USER),
            text="…",
        )
        return Update(
            update_id=next(self._update_ids),
            callback_query=CallbackQuery(
                id=str(next(self._update_ids)),
                from_user=user,
                chat_instance="ci",
                data=data,
                message=origin,
            ),
        )
