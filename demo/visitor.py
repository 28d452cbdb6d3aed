"""What the visitor does on the page, as one of the demo's people: write, send pictures, albums
and locations, press inline and reply-keyboard buttons, edit a message, block the bot. Each
action becomes the update Telegram would deliver to the bot."""

from __future__ import annotations

import itertools
import time
from typing import Any

from demo import pictures
from demo.html_text import command_entities
from demo.state import State, Stored


class VisitorError(Exception):
    """An action a Telegram client would not allow; the message is shown on the page."""


class Visitor:
    def __init__(self, state: State) -> None:
        self.state = state
        self._albums = itertools.count(int(time.time()))
        self._queries = itertools.count(int(time.time() * 1000))

    def _check(self, user_id: int, chat_id: int, thread_id: int | None) -> None:
        world = self.state.world
        if user_id not in world.people:
            raise VisitorError("Unknown person.")
        if chat_id > 0:
            if chat_id != user_id:
                raise VisitorError("That is someone else's private chat.")
            if user_id in self.state.blocked:
                raise VisitorError("You blocked the bot: unblock it to write again.")
            return
        group = world.groups.get(chat_id)
        if group is None or user_id not in group.members:
            raise VisitorError("You are not a member of this group.")
        if thread_id is not None:
            topic = self.state.topics.get(chat_id, {}).get(thread_id)
            if topic is None or topic.deleted:
                raise VisitorError("This topic no longer exists.")
            if topic.closed:
                raise VisitorError("This topic is closed; only administrators can write in it.")

    def _post(
        self,
        user_id: int,
        chat_id: int,
        content: dict[str, Any],
        thread_id: int | None,
        reply_to: int | None,
    ) -> Stored:
        sender = self.state.world.people[user_id].as_user()
        stored = self.state.post(chat_id, sender, content, thread_id, reply_to)
        if chat_id > 0:
            self.state.started.add(user_id)
        self.state.push_update("message", stored.data)
        return stored

    def send_text(
        self,
        user_id: int,
        chat_id: int,
        text: str,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> Stored:
        text = text.strip()
        if not text:
            raise VisitorError("Write something first.")
        self._check(user_id, chat_id, thread_id)
        content: dict[str, Any] = {"text": text}
        entities = command_entities(text)
        if entities:
            content["entities"] = entities
        return self._post(user_id, chat_id, content, thread_id, reply_to)

    def send_pictures(
        self,
        user_id: int,
        chat_id: int,
        names: list[str],
        caption: str = "",
        thread_id: int | None = None,
    ) -> list[Stored]:
        """One photo, or an album (one update per photo, sharing a media_group_id)."""
        chosen = [pictures.by_name(name) for name in names]
        if not chosen or None in chosen or len(chosen) > 10:
            raise VisitorError("Choose between one and ten sample pictures.")
        self._check(user_id, chat_id, thread_id)
        album = f"{next(self._albums)}" if len(chosen) > 1 else None
        sent = []
        for index, picture in enumerate(chosen):
            assert picture is not None
            content: dict[str, Any] = {"photo": pictures.photo_object(picture)}
            if index == 0 and caption.strip():
                content["caption"] = caption.strip()
            if album is not None:
                content["media_group_id"] = album
            sent.append(self._post(user_id, chat_id, content, thread_id, None))
        return sent

    def send_location(
        self, user_id: int, chat_id: int, place: int, thread_id: int | None = None
    ) -> Stored:
        places = self.state.world.places
        if not 0 <= place < len(places):
            raise VisitorError("Unknown place.")
        self._check(user_id, chat_id, thread_id)
        point = places[place]
        location = {"latitude": point.latitude, "longitude": point.longitude}
        return self._post(user_id, chat_id, {"location": location}, thread_id, None)

    def press_inline(
        self, user_id: int, chat_id: int, message_id: int, row: int, column: int
    ) -> None:
        """An inline button: a callback query for the bot (URL buttons open in the page)."""
        stored = self.state.message(chat_id, message_id)
        if stored is None:
            raise VisitorError("That message is gone.")
        if chat_id > 0 and user_id in self.state.blocked:
            raise VisitorError("You blocked the bot: unblock it to use its buttons.")
        try:
            button = stored.data["reply_markup"]["inline_keyboard"][row][column]
        except (KeyError, IndexError):
            raise VisitorError("That button is gone.") from None
        if "callback_data" not in button:
            raise VisitorError("This button does not talk to the bot.")
        query_id = str(next(self._queries))
        self.state.callbacks[query_id] = (user_id, chat_id, message_id)
        self.state.push_update(
            "callback_query",
            {
                "id": query_id,
                "from": self.state.world.people[user_id].as_user(),
                "message": stored.data,
                "chat_instance": f"demo{abs(chat_id)}",
                "data": button["callback_data"],
            },
        )

    def press_key(self, user_id: int, chat_id: int, row: int, column: int, place: int = 0) -> None:
        """A reply-keyboard button: its text as a message, or the location it asks for."""
        keyboard = self.state.keyboards.get(chat_id)
        try:
            button = (keyboard or {})["keyboard"][row][column]
        except (KeyError, IndexError):
            raise VisitorError("That button is gone.") from None
        if button.get("request_location"):
            self.send_location(user_id, chat_id, place)
        else:
            self.send_text(user_id, chat_id, button["text"])

    def edit_text(self, user_id: int, chat_id: int, message_id: int, text: str) -> None:
        stored = self.state.message(chat_id, message_id)
        if stored is None or stored.data.get("from", {}).get("id") != user_id:
            raise VisitorError("You can edit only your own messages.")
        key = "text" if "text" in stored.data else "caption"
        if key == "caption" and "photo" not in stored.data:
            raise VisitorError("This message has no text to edit.")
        text = text.strip()
        if not text or text == stored.data.get(key):
            raise VisitorError("Change the text first.")
        stored.data[key] = text
        stored.data.pop("entities" if key == "text" else "caption_entities", None)
        stored.data["edit_date"] = int(time.time())
        self.state.changed(chat_id, stored)
        self.state.push_update("edited_message", stored.data)

    def set_blocked(self, user_id: int, blocked: bool) -> None:
        if user_id not in self.state.world.people:
            raise VisitorError("Unknown person.")
        if blocked:
            self.state.blocked.add(user_id)
        else:
            self.state.blocked.discard(user_id)
        self.state.touch(user_id)
