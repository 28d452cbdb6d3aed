"""The emulator's memory: chats with their messages, forum topics, files, the update queue for
getUpdates, and the log of every Bot API call (the guided tour reads it). It is saved to a JSON
file, so a restarted demo shows the same chats and never reuses an update id."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from demo.world import World

logger = logging.getLogger(__name__)

CALLS_KEPT = 5000
# Telegram's colours for topic icons (the Bot API accepts only these).
TOPIC_COLOURS = (7322096, 16766590, 13338331, 9367192, 16749490, 16478047)


class ApiError(Exception):
    """An answer with ok=false, in Telegram's words."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


@dataclass
class Stored:
    """One message as the chat holds it, plus what only the page needs."""

    data: dict[str, Any]
    reactions: list[str] = field(default_factory=list)
    rev: int = 0  # changes with every edit: the page redraws the message
    seq: int = 0  # order of arrival across all chats (the tour compares it)
    deleted: bool = False


@dataclass
class Topic:
    thread_id: int
    name: str
    icon_color: int
    closed: bool = False
    deleted: bool = False
    last_activity: int = 0  # the state version of its latest message: the page sorts by it


@dataclass
class Call:
    """A Bot API request the bot made, and how it was answered."""

    method: str
    params: dict[str, Any]
    ok: bool
    error: str = ""
    at: float = 0.0


@dataclass
class Notice:
    """A callback query answer, shown to the person who pressed the button."""

    id: int
    user_id: int
    text: str
    alert: bool


class State:
    def __init__(self, world: World, path: Path | None = None) -> None:
        self.world = world
        self.path = path
        self.version = 0
        self.chat_versions: dict[int, int] = {}
        self.messages: dict[int, dict[int, Stored]] = {}
        self.next_message_id: dict[int, int] = {}
        self.topics: dict[int, dict[int, Topic]] = {}
        self.keyboards: dict[int, dict[str, Any] | None] = {}
        self.pinned: dict[int, list[int]] = {}
        self.blocked: set[int] = set()
        self.started: set[int] = set()  # users who have written to the bot
        self.updates: list[dict[str, Any]] = []
        self.next_update_id = 1
        self.files: dict[str, dict[str, Any]] = {}  # file_id -> {"kind", "object", "path"}
        self.calls: list[Call] = []
        self.notices: list[Notice] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.webhook_url = ""
        self.callbacks: dict[str, tuple[int, int, int]] = {}  # id -> user, chat, message
        self._counter = itertools.count(1)
        self._changed = asyncio.Event()
        self._dirty = False
        if path is not None and path.exists():
            self._load(path)

    # -- change notification -------------------------------------------------------------
    def touch(self, chat_id: int | None = None) -> None:
        """Something changed: the page's long poll and getUpdates wake up."""
        self.version += 1
        if chat_id is not None:
            self.chat_versions[chat_id] = self.version
        self._dirty = True
        # Waiters hold the old event; setting it wakes them, the next ones wait on a new one.
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for_change(self, version: int, seconds: float) -> None:
        """Return once the state is newer than `version`, or after `seconds`."""
        deadline = time.monotonic() + seconds
        while self.version <= version:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    # -- messages --------------------------------------------------------------------------
    def new_message_id(self, chat_id: int) -> int:
        number = self.next_message_id.get(chat_id, 1)
        self.next_message_id[chat_id] = number + 1
        return number

    def chat_json(self, chat_id: int) -> dict[str, Any]:
        chat = self.world.chat(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def message(self, chat_id: int, message_id: int) -> Stored | None:
        stored = self.messages.get(chat_id, {}).get(message_id)
        return None if stored is None or stored.deleted else stored

    def post(
        self,
        chat_id: int,
        sender: dict[str, Any],
        content: dict[str, Any],
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> Stored:
        """Put a new message into a chat (and its topic); returns it."""
        message_id = self.new_message_id(chat_id)
        data: dict[str, Any] = {
            "message_id": message_id,
            "from": sender,
            "chat": self.chat_json(chat_id),
            "date": int(time.time()),
        }
        if thread_id is not None:
            data["message_thread_id"] = thread_id
            data["is_topic_message"] = True
        replied = self.message(chat_id, reply_to) if reply_to is not None else None
        if replied is None and thread_id is not None:
            # Telegram marks a topic message as a reply to the topic's first (service) message.
            replied = self.message(chat_id, thread_id)
        if replied is not None:
            data["reply_to_message"] = {
                k: v for k, v in replied.data.items() if k != "reply_to_message"
            }
        data.update(content)
        number = next(self._counter)
        stored = Stored(data, rev=number, seq=number)
        self.messages.setdefault(chat_id, {})[message_id] = stored
        if thread_id is not None and thread_id in self.topics.get(chat_id, {}):
            self.topics[chat_id][thread_id].last_activity = self.version + 1
        self.touch(chat_id)
        return stored

    def changed(self, chat_id: int, stored: Stored) -> None:
        stored.rev = next(self._counter)
        self.touch(chat_id)

    # -- updates ---------------------------------------------------------------------------
    def push_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": self.next_update_id, kind: payload}
        self.next_update_id += 1
        self.updates.append(update)
        self.touch()
        return update

    def confirm_updates(self, offset: int) -> None:
        """getUpdates with `offset` confirms every update before it."""
        self.updates = [u for u in self.updates if u["update_id"] >= offset]

    # -- the call log ------------------------------------------------------------------------
    def log_call(self, call: Call) -> None:
        self.calls.append(call)
        del self.calls[:-CALLS_KEPT]
        if call.method != "getUpdates":
            self._dirty = True

    def notice(self, user_id: int, text: str, alert: bool) -> None:
        self.notices.append(Notice(len(self.notices) + 1, user_id, text, alert))
        self.touch()

    # -- saving ---------------------------------------------------------------------------
    def save(self) -> None:
        """Write the state file now (atomically), if there is one and anything changed."""
        if self.path is None or not self._dirty:
            return
        self._dirty = False
        data = {
            "version": self.version,
            "messages": {
                str(chat): {str(mid): asdict(s) for mid, s in rows.items()}
                for chat, rows in self.messages.items()
            },
            "next_message_id": self.next_message_id,
            "topics": {
                str(chat): [asdict(t) for t in rows.values()] for chat, rows in self.topics.items()
            },
            "keyboards": self.keyboards,
            "pinned": self.pinned,
            "blocked": sorted(self.blocked),
            "started": sorted(self.started),
            "updates": self.updates,
            "next_update_id": self.next_update_id,
            "files": self.files,
            "calls": [asdict(c) for c in self.calls if c.method != "getUpdates"],
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        temporary.replace(self.path)

    async def keep_saved(self, every: float = 1.0) -> None:
        """Save in the background; the demo runs this until it stops."""
        while True:
            await asyncio.sleep(every)
            try:
                self.save()
            except OSError:
                logger.exception("cannot save the demo state to %s", self.path)

    def _load(self, path: Path) -> None:
        data = json.loads(path.read_text(encoding="utf-8"))
        self.version = data["version"]
        self.messages = {
            int(chat): {int(mid): Stored(**s) for mid, s in rows.items()}
            for chat, rows in data["messages"].items()
        }
        self.chat_versions = dict.fromkeys(self.messages, self.version)
        self.next_message_id = {int(k): v for k, v in data["next_message_id"].items()}
        self.topics = {
            int(chat): {t["thread_id"]: Topic(**t) for t in rows}
            for chat, rows in data["topics"].items()
        }
        self.keyboards = {int(k): v for k, v in data["keyboards"].items()}
        self.pinned = {int(k): v for k, v in data["pinned"].items()}
        self.blocked = set(data["blocked"])
        self.started = set(data["started"])
        self.updates = data["updates"]
        self.next_update_id = data["next_update_id"]
        self.files = data["files"]
        self.calls = [Call(**c) for c in data["calls"]]
        highest = max((s.rev for rows in self.messages.values() for s in rows.values()), default=0)
        self._counter = itertools.count(highest + 1)
