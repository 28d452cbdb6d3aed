"""Telegram's flood limits as the emulator enforces them: about 30 messages a second per bot,
about one a second per private chat (a short burst is allowed) and 20 a minute per group.
A call over a limit gets 429 with `retry_after`, and is not counted."""

from __future__ import annotations

import math
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

# Methods that post a message into a chat; everything else (edits, reactions, topics) is free.
SENDING = ("send", "copyMessage", "forwardMessage")
NOT_SENDING = frozenset({"sendChatAction"})


def is_sending(method: str) -> bool:
    return method.startswith(SENDING) and method not in NOT_SENDING


@dataclass
class Limits:
    per_second: int = 30
    private_burst: int = 3
    private_per_second: float = 1.0
    group_per_minute: int = 20
    clock: Callable[[], float] = time.monotonic
    _overall: deque[float] = field(default_factory=deque)
    _private: dict[int, tuple[float, float]] = field(default_factory=dict)  # tokens, at
    _groups: dict[int, deque[float]] = field(default_factory=lambda: defaultdict(deque))

    def check(self, chat_id: int) -> int | None:
        """Count one message to `chat_id`; None if allowed, else the seconds to wait."""
        now = self.clock()
        waits: list[float] = []
        while self._overall and self._overall[0] <= now - 1:
            self._overall.popleft()
        if len(self._overall) >= self.per_second:
            waits.append(self._overall[0] + 1 - now)
        if chat_id > 0:
            tokens, at = self._private.get(chat_id, (float(self.private_burst), now))
            tokens = min(self.private_burst, tokens + (now - at) * self.private_per_second)
            if tokens < 1:
                waits.append((1 - tokens) / self.private_per_second)
        else:
            sent = self._groups[chat_id]
            while sent and sent[0] <= now - 60:
                sent.popleft()
            if len(sent) >= self.group_per_minute:
                waits.append(sent[0] + 60 - now)
        if waits:
            return max(1, math.ceil(max(waits)))
        self._overall.append(now)
        if chat_id > 0:
            self._private[chat_id] = (tokens - 1, now)
        else:
            self._groups[chat_id].append(now)
        return None
