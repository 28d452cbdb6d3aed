"""The Bot API methods Beatline uses, answered from the emulator's state the way Telegram answers
them, errors included: 400 with Telegram's reasons, 403 for a resident who blocked the bot or
never started it, 429 with `retry_after` past Telegram's limits, 409 for a second poller."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from demo.content import (
    MEDIA_KINDS,
    Params,
    caption_content,
    copyable,
    inline_markup,
    keyboard_effect,
    media_by_file_id,
    message_markup,
    text_content,
)
from demo.limits import Limits, is_sending
from demo.state import TOPIC_COLOURS, ApiError, Call, State, Stored, Topic, bad_request

Handler = Callable[[Params], Awaitable[Any]]

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
# The emoji a bot may react with (Telegram refuses others with REACTION_INVALID).
_REACTION_EMOJI = """
❤ 👍 👎 🔥 🥰 👏 😁 🤔 🤯 😱 🤬 😢 🎉 🤩 🤮 💩 🙏 👌 🕊 🤡 🥱 🥴 😍 🐳 ❤‍🔥
🌚 🌭 💯 🤣 ⚡ 🍌 🏆 💔 🤨 😐 🍓 🍾 💋 🖕 😈 😴 😭 🤓 👻 👨‍💻 👀 🎃 🙈 😇
😨 🤝 ✍ 🤗 🫡 🎅 🎄 ☃ 💅 🤪 🗿 🆒 💘 🙉 🦄 😘 💊 🙊 😎 👾 🤷‍♂ 🤷 🤷‍♀ 😡
"""
REACTIONS = frozenset(_REACTION_EMOJI.split())
POLL_SLICE = 0.5  # seconds; a waiting getUpdates checks this often whether it was replaced


class BotApi:
    def __init__(self, state: State, limits: Limits | None = None) -> None:
        self.state = state
        self.limits = limits or Limits()
        self._poll_generation = 0
        self._allowed_updates: list[str] = []
        self.methods: dict[str, Handler] = {
            "getMe": self.get_me,
            "logOut": self.done,
            "close": self.done,
            "getUpdates": self.get_updates,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "sendMessage": self.send_message,
            "sendLocation": self.send_location,
            "sendVenue": self.send_venue,
            "sendContact": self.send_contact,
            "sendMediaGroup": self.send_media_group,
            "sendChatAction": self.send_chat_action,
            "copyMessage": self.copy_message,
            "copyMessages": self.copy_messages,
            "forwardMessage": self.forward_message,
            "editMessageText": self.edit_message_text,
            "editMessageCaption": self.edit_message_caption,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "deleteMessage": self.delete_message,
            "createForumTopic": self.create_forum_topic,
            "editForumTopic": self.edit_forum_topic,
            "closeForumTopic": self.close_forum_topic,
            "reopenForumTopic": self.reopen_forum_topic,
            "deleteForumTopic": self.delete_forum_topic,
            "setMessageReaction": self.set_message_reaction,
            "pinChatMessage": self.pin_chat_message,
            "unpinChatMessage": self.unpin_chat_message,
            "answerCallbackQuery": self.answer_callback_query,
            "getChatMember": self.get_chat_member,
            "getFile": self.get_file,
        }
        for kind in MEDIA_KINDS:
            name = "send" + "".join(part.title() for part in kind.split("_"))
            self.methods[name] = self._media_sender(kind)

    async def call(self, method: str, raw: dict[str, Any]) -> Any:
        """Answer one request (the `result`), or raise ApiError; every call is logged."""
        handler = self.methods.get(method)
        if handler is None:
            raise ApiError(404, "Not Found")
        params = Params(raw)
        try:
            result = await handler(params)
        except ApiError as exc:
            self.state.log_call(Call(method, raw, ok=False, error=exc.description, at=time.time()))
            raise
        if method != "getUpdates":
            self.state.log_call(Call(method, raw, ok=True, at=time.time()))
        return result

    # -- the bot itself and polling ----------------------------------------------------------
    async def get_me(self, params: Params) -> Any:
        return self.state.world.bot_user()

    async def done(self, params: Params) -> Any:
        return True

    async def get_updates(self, params: Params) -> Any:
        """Long polling: wait up to `timeout` seconds for updates after `offset`."""
        if self.state.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        self._poll_generation += 1
        generation = self._poll_generation
        offset = params.number("offset")
        if offset is not None:
            self.state.confirm_updates(offset)
        allowed = params.json("allowed_updates")
        if allowed is not None:
            self._allowed_updates = list(allowed)
        limit = max(1, min(100, params.number("limit", 100) or 100))
        deadline = time.monotonic() + max(0, params.number("timeout", 0) or 0)
        while True:
            ready = [u for u in self.state.updates if self._wanted(u)][:limit]
            if ready or time.monotonic() >= deadline:
                return ready
            version = self.state.version
            await self.state.wait_for_change(version, min(POLL_SLICE, deadline - time.monotonic()))
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only "
                    "one bot instance is running",
                )

    def _wanted(self, update: dict[str, Any]) -> bool:
        kind = next(k for k in update if k != "update_id")
        return not self._allowed_updates or kind in self._allowed_updates

    async def set_webhook(self, params: Params) -> Any:
        self.state.webhook_url = params.required_text("url")
        return True

    async def delete_webhook(self, params: Params) -> Any:
        self.state.webhook_url = ""
        if params.flag("drop_pending_updates"):
            self.state.updates.clear()
        return True

    async def get_webhook_info(self, params: Params) -> Any:
        return {
            "url": self.state.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.state.updates),
        }

    async def set_my_commands(self, params: Params) -> Any:
        commands = params.json("commands") or []
        for command in commands:
            if not 1 <= len(command.get("command", "")) <= 32:
                raise bad_request("BOT_COMMAND_INVALID")
        self.state.commands[self._command_key(params)] = commands
        return True

    async def get_my_commands(self, params: Params) -> Any:
        return self.state.commands.get(self._command_key(params), [])

    async def delete_my_commands(self, params: Params) -> Any:
        self.state.commands.pop(self._command_key(params), None)
        return True

    @staticmethod
    def _command_key(params: Params) -> str:
        scope = params.json("scope") or {"type": "default"}
        chat = scope.get("chat_id", "")
        return f"{scope.get('type')}:{chat}:{params.text('language_code') or ''}"

    # -- checks shared by the sending methods ------------------------------------------------
    def _reachable(self, chat_id: int) -> None:
        """403/400 the way Telegram refuses a chat the bot cannot write to."""
        if self.state.world.chat(chat_id) is None:
            raise bad_request("chat not found")
        if chat_id > 0 and chat_id in self.state.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id > 0 and chat_id not in self.state.started:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")

    def _thread(self, chat_id: int, params: Params) -> int | None:
        thread_id = params.number("message_thread_id")
        if thread_id is None:
            return None
        topic = self.state.topics.get(chat_id, {}).get(thread_id)
        if topic is None or topic.deleted:
            raise bad_request("message thread not found")
        return thread_id

    def _reply_to(self, chat_id: int, params: Params) -> int | None:
        reply = params.json("reply_parameters") or {}
        message_id = reply.get("message_id") or params.number("reply_to_message_id")
        if message_id is None:
            return None
        if self.state.message(chat_id, int(message_id)) is None:
            if reply.get("allow_sending_without_reply") or params.flag(
                "allow_sending_without_reply"
            ):
                return None
            raise bad_request("message to be replied not found")
        return int(message_id)

    def _pace(self, method: str, chat_id: int) -> None:
        if not is_sending(method):
            return
        wait = self.limits.check(chat_id)
        if wait is not None:
            raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)

    def _send(
        self, method: str, params: Params, content: dict[str, Any], chat_id: int | None = None
    ) -> Stored:
        chat_id = params.chat_id() if chat_id is None else chat_id
        self._reachable(chat_id)
        thread_id = self._thread(chat_id, params)
        reply_to = self._reply_to(chat_id, params)
        markup = inline_markup(params)
        self._pace(method, chat_id)
        keyboard_effect(self.state, chat_id, markup)
        return self.state.post(
            chat_id,
            self.state.world.bot_user_short(),
            {**content, **message_markup(markup)},
            thread_id=thread_id,
            reply_to=reply_to,
        )

    # -- sending -----------------------------------------------------------------------------
    async def send_message(self, params: Params) -> Any:
        return self._send("sendMessage", params, text_content(params)).data

    def _media_sender(self, kind: str) -> Handler:
        field = kind
        method = "send" + "".join(part.title() for part in kind.split("_"))

        async def send(params: Params) -> Any:
            file_id = params.text(field)
            if not file_id:
                raise bad_request(f"there is no {kind.replace('_', ' ')} in the request")
            content = media_by_file_id(self.state, kind, file_id)
            if kind not in ("sticker", "video_note"):
                content.update(caption_content(params))
            return self._send(method, params, content).data

        return send

    async def send_location(self, params: Params) -> Any:
        location = _location(params)
        return self._send("sendLocation", params, {"location": location}).data

    async def send_venue(self, params: Params) -> Any:
        venue = {
            "location": _location(params),
            "title": params.required_text("title"),
            "address": params.required_text("address"),
        }
        return self._send(
            "sendVenue", params, {"venue": venue, "location": venue["location"]}
        ).data

    async def send_contact(self, params: Params) -> Any:
        contact = {
            "phone_number": params.required_text("phone_number"),
            "first_name": params.required_text("first_name"),
        }
        if "last_name" in params:
            contact["last_name"] = params.required_text("last_name")
        return self._send("sendContact", params, {"contact": contact}).data

    async def send_media_group(self, params: Params) -> Any:
        media = params.json("media") or []
        if not 2 <= len(media) <= 10:
            raise bad_request("wrong number of items in the media group (2-10 allowed)")
        contents = []
        for item in media:
            kind = item.get("type", "")
            if kind not in ("photo", "video", "document", "audio"):
                raise bad_request(f"unsupported media type {kind!r} in a media group")
            content = media_by_file_id(self.state, kind, str(item.get("media", "")))
            content.update(caption_content(Params(item)))
            contents.append(content)
        chat_id = params.chat_id()
        self._reachable(chat_id)
        self._thread(chat_id, params)
        self._pace("sendMediaGroup", chat_id)
        group = f"demo{self.state.version}{chat_id}"
        sent = []
        for content in contents:
            stored = self.state.post(
                chat_id,
                self.state.world.bot_user_short(),
                {**content, "media_group_id": group},
                thread_id=params.number("message_thread_id"),
                reply_to=self._reply_to(chat_id, params),
            )
            sent.append(stored.data)
        return sent

    async def send_chat_action(self, params: Params) -> Any:
        self._reachable(params.chat_id())
        return True

    async def copy_message(self, params: Params) -> Any:
        source = self._source(params, params.required_number("message_id"))
        content = copyable(source.data)
        if "caption" in params.raw and any(k in content for k in MEDIA_KINDS):
            content.pop("caption", None)
            content.pop("caption_entities", None)
            content.update(caption_content(params))
        stored = self._send("copyMessage", params, content)
        return {"message_id": stored.data["message_id"]}

    async def copy_messages(self, params: Params) -> Any:
        """Copies in order, skipping what cannot be copied; an album stays an album."""
        ids = params.json("message_ids") or []
        if not 1 <= len(ids) <= 100:
            raise bad_request("message_ids must contain 1-100 identifiers")
        chat_id = params.chat_id()
        self._reachable(chat_id)
        thread_id = self._thread(chat_id, params)
        sources = []
        for message_id in sorted(int(i) for i in ids):
            stored = self.state.message(params.chat_id("from_chat_id"), message_id)
            if stored is not None and any(k in stored.data for k in ("text", *MEDIA_KINDS)):
                sources.append(stored)
        if not sources:
            raise bad_request("there are no messages to copy")
        self._pace("copyMessages", chat_id)
        result = []
        for source in sources:
            content = copyable(source.data)
            if "media_group_id" in source.data:
                content["media_group_id"] = f"copy{source.data['media_group_id']}{chat_id}"
            stored = self.state.post(
                chat_id, self.state.world.bot_user_short(), content, thread_id=thread_id
            )
            result.append({"message_id": stored.data["message_id"]})
        return result

    async def forward_message(self, params: Params) -> Any:
        source = self._source(params, params.required_number("message_id"))
        content = copyable(source.data)
        origin = source.data.get("from", {})
        content["forward_origin"] = {
            "type": "user",
            "sender_user": origin,
            "date": source.data["date"],
        }
        return self._send("forwardMessage", params, content).data

    def _source(self, params: Params, message_id: int) -> Stored:
        from_chat = params.chat_id("from_chat_id")
        if self.state.world.chat(from_chat) is None:
            raise bad_request("chat not found")
        stored = self.state.message(from_chat, message_id)
        if stored is None:
            raise bad_request("message to copy not found")
        return stored

    # -- edits --------------------------------------------------------------------------------
    def _own_message(self, params: Params) -> tuple[int, Stored]:
        if "inline_message_id" in params:
            raise bad_request("the demo has no inline messages")
        chat_id = params.chat_id()
        self._reachable(chat_id)
        stored = self.state.message(chat_id, params.required_number("message_id"))
        if stored is None:
            raise bad_request("message to edit not found")
        if stored.data.get("from", {}).get("id") != self.state.world.bot_id:
            raise bad_request("message can't be edited")
        return chat_id, stored

    def _apply_edit(self, chat_id: int, stored: Stored, changes: dict[str, Any]) -> Any:
        """Change the message; a None value removes the field (e.g. the inline keyboard)."""
        if all(stored.data.get(k) == v for k, v in changes.items()):
            raise bad_request(NOT_MODIFIED)
        for key, value in changes.items():
            if value is None:
                stored.data.pop(key, None)
            else:
                stored.data[key] = value
        stored.data["edit_date"] = int(time.time())
        self.state.changed(chat_id, stored)
        return stored.data

    async def edit_message_text(self, params: Params) -> Any:
        chat_id, stored = self._own_message(params)
        if "text" not in stored.data:
            raise bad_request("there is no text in the message to edit")
        content = text_content(params)
        markup = inline_markup(params)
        changes = {
            "text": content["text"],
            "entities": content.get("entities"),
            "reply_markup": markup,
        }
        return self._apply_edit(chat_id, stored, changes)

    async def edit_message_caption(self, params: Params) -> Any:
        chat_id, stored = self._own_message(params)
        if not any(k in stored.data for k in MEDIA_KINDS):
            raise bad_request("there is no caption in the message to edit")
        content = caption_content(params)
        changes = {
            "caption": content.get("caption"),
            "caption_entities": content.get("caption_entities"),
            "reply_markup": inline_markup(params),
        }
        return self._apply_edit(chat_id, stored, changes)

    async def edit_message_reply_markup(self, params: Params) -> Any:
        chat_id, stored = self._own_message(params)
        markup = inline_markup(params)
        if markup is not None and "inline_keyboard" not in markup:
            raise bad_request("inline keyboard expected")
        return self._apply_edit(chat_id, stored, {"reply_markup": markup})

    async def delete_message(self, params: Params) -> Any:
        chat_id = params.chat_id()
        stored = self.state.message(chat_id, params.required_number("message_id"))
        if stored is None:
            raise bad_request("message to delete not found")
        stored.deleted = True
        self.state.changed(chat_id, stored)
        return True

    # -- forum topics -------------------------------------------------------------------------
    def _forum(self, params: Params) -> int:
        chat_id = params.chat_id()
        self._reachable(chat_id)
        group = self.state.world.groups.get(chat_id)
        if group is None or not group.is_forum:
            raise bad_request("the chat is not a forum")
        return chat_id

    def _topic(self, params: Params) -> tuple[int, Topic]:
        chat_id = self._forum(params)
        topic = self.state.topics.get(chat_id, {}).get(params.required_number("message_thread_id"))
        if topic is None or topic.deleted:
            raise bad_request("TOPIC_ID_INVALID")
        return chat_id, topic

    def _service(self, chat_id: int, topic: Topic, content: dict[str, Any]) -> None:
        self.state.post(
            chat_id, self.state.world.bot_user_short(), content, thread_id=topic.thread_id
        )

    async def create_forum_topic(self, params: Params) -> Any:
        chat_id = self._forum(params)
        name = (params.text("name") or "").strip()
        if not 1 <= len(name) <= 128:
            raise bad_request("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_INVALID")
        colour = (
            params.number("icon_color")
            or TOPIC_COLOURS[len(self.state.topics.get(chat_id, {})) % len(TOPIC_COLOURS)]
        )
        if colour not in TOPIC_COLOURS:
            raise bad_request("TOPIC_COLOR_INVALID")
        # The topic's id is the id of its first message, the "topic created" service message.
        thread_id = self.state.next_message_id.get(chat_id, 1)
        topic = Topic(thread_id, name, colour)
        self.state.topics.setdefault(chat_id, {})[thread_id] = topic
        self._service(
            chat_id, topic, {"forum_topic_created": {"name": name, "icon_color": colour}}
        )
        return {"message_thread_id": thread_id, "name": name, "icon_color": colour}

    async def edit_forum_topic(self, params: Params) -> Any:
        chat_id, topic = self._topic(params)
        name = params.text("name")
        if name is None or name == topic.name:
            raise bad_request("TOPIC_NOT_MODIFIED")
        if not 1 <= len(name) <= 128:
            raise bad_request("TOPIC_TITLE_INVALID")
        topic.name = name
        self._service(chat_id, topic, {"forum_topic_edited": {"name": name}})
        return True

    async def close_forum_topic(self, params: Params) -> Any:
        chat_id, topic = self._topic(params)
        if topic.closed:
            raise bad_request("TOPIC_NOT_MODIFIED")
        topic.closed = True
        self._service(chat_id, topic, {"forum_topic_closed": {}})
        return True

    async def reopen_forum_topic(self, params: Params) -> Any:
        chat_id, topic = self._topic(params)
        if not topic.closed:
            raise bad_request("TOPIC_NOT_MODIFIED")
        topic.closed = False
        self._service(chat_id, topic, {"forum_topic_reopened": {}})
        return True

    async def delete_forum_topic(self, params: Params) -> Any:
        chat_id, topic = self._topic(params)
        delete_topic(self.state, chat_id, topic)
        return True

    # -- reactions, pins, buttons, members, files ---------------------------------------------
    async def set_message_reaction(self, params: Params) -> Any:
        chat_id = params.chat_id()
        self._reachable(chat_id)
        stored = self.state.message(chat_id, params.required_number("message_id"))
        if stored is None:
            raise bad_request("message to react not found")
        emoji = []
        for reaction in params.json("reaction") or []:
            if reaction.get("type") != "emoji" or reaction.get("emoji") not in REACTIONS:
                raise bad_request("REACTION_INVALID")
            emoji.append(reaction["emoji"])
        if len(emoji) > 1:
            raise bad_request("REACTIONS_TOO_MANY")
        stored.reactions = emoji
        self.state.changed(chat_id, stored)
        return True

    async def pin_chat_message(self, params: Params) -> Any:
        chat_id = params.chat_id()
        self._reachable(chat_id)
        message_id = params.required_number("message_id")
        stored = self.state.message(chat_id, message_id)
        if stored is None:
            raise bad_request("message to pin not found")
        pinned = self.state.pinned.setdefault(chat_id, [])
        if message_id not in pinned:
            pinned.append(message_id)
        pin_note = {k: v for k, v in stored.data.items() if k != "reply_to_message"}
        self.state.post(
            chat_id,
            self.state.world.bot_user_short(),
            {"pinned_message": pin_note},
            thread_id=stored.data.get("message_thread_id"),
        )
        return True

    async def unpin_chat_message(self, params: Params) -> Any:
        chat_id = params.chat_id()
        pinned = self.state.pinned.get(chat_id, [])
        message_id = params.number("message_id") or (pinned[-1] if pinned else None)
        if message_id not in pinned:
            raise bad_request("message to unpin not found")
        pinned.remove(message_id)
        self.state.touch(chat_id)
        return True

    async def answer_callback_query(self, params: Params) -> Any:
        query = self.state.callbacks.pop(params.required_text("callback_query_id"), None)
        if query is None:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = params.text("text")
        if text:
            self.state.notice(query[0], text, params.flag("show_alert"))
        return True

    async def get_chat_member(self, params: Params) -> Any:
        chat_id = params.chat_id()
        user_id = params.required_number("user_id")
        world = self.state.world
        if world.chat(chat_id) is None:
            raise bad_request("chat not found")
        if user_id == world.bot_id:
            if chat_id > 0:
                return {"status": "member", "user": world.bot_user_short()}
            return bot_administrator(world.bot_user_short())
        person = world.people.get(user_id)
        if person is None:
            raise bad_request("user not found")
        group = world.groups.get(chat_id)
        status = "member" if group is None or user_id in group.members else "left"
        return {"status": status, "user": person.as_user()}

    async def get_file(self, params: Params) -> Any:
        file_id = params.required_text("file_id")
        known = self.state.files.get(file_id)
        if known is None:
            raise bad_request("invalid file_id")
        sizes = known["object"] if isinstance(known["object"], list) else [known["object"]]
        size = next((s for s in sizes if s["file_id"] == file_id), sizes[-1])
        return {
            "file_id": file_id,
            "file_unique_id": size["file_unique_id"],
            "file_size": size.get("file_size", 0),
            "file_path": known["path"],
        }


def _location(params: Params) -> dict[str, Any]:
    try:
        latitude = float(params.required_text("latitude"))
        longitude = float(params.required_text("longitude"))
    except ValueError:
        raise bad_request("wrong latitude or longitude") from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise bad_request("wrong latitude or longitude")
    return {"latitude": latitude, "longitude": longitude}


def bot_administrator(user: dict[str, Any]) -> dict[str, Any]:
    """The bot's membership in a desk group: an administrator that may manage topics."""
    rights = (
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
        "can_manage_topics",
    )
    return {
        "status": "administrator",
        "user": user,
        "can_be_edited": False,
        "is_anonymous": False,
        **dict.fromkeys(rights, True),
    }


def delete_topic(state: State, chat_id: int, topic: Topic) -> None:
    """A topic deleted by staff: it and its messages are gone."""
    topic.deleted = True
    for stored in state.messages.get(chat_id, {}).values():
        if stored.data.get("message_thread_id") == topic.thread_id:
            stored.deleted = True
    state.touch(chat_id)
