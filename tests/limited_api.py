"""A fake Bot API that enforces Telegram's flood limits and answers 429 like Telegram.

About 30 messages a second per bot, a short burst then about one a second per private chat,
20 a minute per group; calls that post nothing (reactions, callback answers) are not counted.
With `edit_interval`, editing one message again sooner than that is refused too.
Time is the event loop's, so with tests.virtual_time no test waits in real time.
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter, deque

from aiogram import Bot
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType

from bot.telegram.pacing import creates_message
from tests.fakes import Call, FakeTelegram


class LimitedTelegram(FakeTelegram):
    def __init__(
        self,
        per_second: int = 30,
        private_burst: int = 3,
        group_per_minute: int = 20,
        latency: float = 0.0,
        edit_interval: float = 0.0,
    ) -> None:
        super().__init__()
        self.per_second = per_second
        self.private_burst = private_burst
        self.group_per_minute = group_per_minute
        self.latency = latency
        self.edit_interval = edit_interval
        self.edited: dict[tuple[int, int], float] = {}  # (chat, message): last edit taken
        self.window: deque[float] = deque()
        self.private: dict[int, tuple[float, float]] = {}  # chat: (tokens, at)
        self.groups: dict[int, deque[float]] = {}
        self.flooded_until: dict[int, float] = {}
        self.too_many = 0
        self.too_many_for_the_bot = 0  # of those, the bot's 30 a second was full
        self.delivered: Counter[int] = Counter()
        self.accepted: list[tuple[float, Call]] = []  # what Telegram took, and when
        self.accepted_count: Counter[int] = Counter()

    def flood(self, chat_id: int, seconds: float) -> None:
        """Put `chat_id` into flood control, as Telegram does after a burst."""
        self.flooded_until[chat_id] = asyncio.get_running_loop().time() + seconds

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - BaseSession's signature
    ) -> TelegramType:
        if self.latency:
            await asyncio.sleep(self.latency)
        now = asyncio.get_running_loop().time()
        name = method.__api_method__
        chat = getattr(method, "chat_id", None)
        chat = chat if isinstance(chat, int) else None
        wait = self._wait(chat, now) if creates_message(name) and chat is not None else 0.0
        if chat is not None:
            wait = max(wait, self.flooded_until.get(chat, 0.0) - now)
        edit = self._edit_key(name, chat, method)
        if edit is not None and edit in self.edited:
            wait = max(wait, self.edited[edit] + self.edit_interval - now)
        if wait > 0:
            self.too_many += 1
            self.too_many_for_the_bot += self._bot_wide(now)
            retry = max(1, math.ceil(wait))
            self.fail(
                name,
                status=429,
                retry_after=retry,
                chat_id=chat,
                description=f"Too Many Requests: retry after {retry}",
            )
        elif creates_message(name) and chat is not None:
            self._take(chat, now)
            self.delivered[chat] += 1
        result = await super().make_request(bot, method, timeout)
        if edit is not None:
            self.edited[edit] = now
        self.accepted.append((now, self.calls[-1]))
        if chat is not None:
            self.accepted_count[chat] += 1
        return result

    def _edit_key(
        self, name: str, chat: int | None, method: TelegramMethod[TelegramType]
    ) -> tuple[int, int] | None:
        message = getattr(method, "message_id", None)
        if not self.edit_interval or not name.startswith("edit") or chat is None:
            return None
        return (chat, message) if isinstance(message, int) else None

    def accepted_to(self, chat_id: int, after: float = 0.0) -> list[tuple[float, Call]]:
        return [(t, c) for t, c in self.accepted if c.chat_id == chat_id and t >= after]

    def _bot_wide(self, now: float) -> bool:
        return sum(1 for t in self.window if t > now - 1.0) >= self.per_second

    def _wait(self, chat: int, now: float) -> float:
        while self.window and self.window[0] <= now - 1.0:
            self.window.popleft()
        waits = [0.0]
        if len(self.window) >= self.per_second:
            waits.append(self.window[0] + 1.0 - now)
        if chat > 0:
            tokens, at = self.private.get(chat, (float(self.private_burst), now))
            tokens = min(float(self.private_burst), tokens + (now - at))
            if tokens < 1:
                waits.append(1 - tokens)
        else:
            sent = self.groups.setdefault(chat, deque())
            while sent and sent[0] <= now - 60:
                sent.popleft()
            if len(sent) >= self.group_per_minute:
                waits.append(sent[0] + 60 - now)
        return max(waits)

    def _take(self, chat: int, now: float) -> None:
        self.window.append(now)
        if chat > 0:
            tokens, at = self.private.get(chat, (float(self.private_burst), now))
            tokens = min(float(self.private_burst), tokens + (now - at))
            self.private[chat] = (tokens - 1, now)
        else:
            self.groups.setdefault(chat, deque()).append(now)
