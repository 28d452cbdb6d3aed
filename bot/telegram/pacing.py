"""Telegram's flood limits as bookkeeping that the courier consults before every message.

About 30 messages a second per bot, a short burst and then about one a second per private chat,
20 a minute per group. A 429 pauses the chat that got it, not the bot: only a long flood wait on
a private chat, or 429s from several chats at once, slow every chat for a while. Interactive
messages take the bot-wide slots before broadcast ones.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.telegram.shared_pacing import SharedLimits

PACED_PREFIXES = ("send", "copy", "forward")
CATCH_UP = 0.5
# A message leaving this much after its shared slot is counted from when it left; one this
# late (the process stalled) takes a new slot instead.
LATE = 0.002
GIVE_BACK = 0.1


def creates_message(method: str) -> bool:
    """Whether a Bot API method posts a message (and so counts against the chat's limit)."""
    return method.startswith(PACED_PREFIXES)


@dataclass(frozen=True)
class Limits:
    per_second: float = 29.5
    private_burst: int = 3
    private_interval: float = 1.0
    group_per_minute: int = 20
    # A private chat's flood wait longer than this, or flood waits from this many chats within
    # the window, mean the bot as a whole is sending too fast.
    long_private_wait: float = 5.0
    crowd: int = 3
    crowd_window: float = 10.0

    @classmethod
    def none(cls) -> Limits:
        """No pacing at all (tests and throughput benchmarks against a fake Bot API)."""
        return cls(per_second=0, private_burst=0, group_per_minute=0)

    @property
    def unlimited(self) -> bool:
        return self.per_second <= 0


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class Pacer:
    def __init__(
        self,
        limits: Limits | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        shared: SharedLimits | None = None,
    ) -> None:
        self.limits = limits or Limits()
        self.shared = shared  # several processes: the same limits, kept in Redis
        self.clock = clock
        self.sleep = sleep
        self._next_slot = 0.0
        self._paused_until = 0.0  # the whole bot
        self._chat_paused: dict[int, float] = {}
        self._private: dict[int, _Bucket] = {}
        self._group: dict[int, deque[float]] = {}
        self._floods: deque[tuple[float, int]] = deque()
        self._interactive_waiting = 0
        self._broadcasts = asyncio.Lock()  # see _broadcast_turn
        self._acquired = 0
        self.late = 0  # messages that left later than their shared slot
        self.given_back = 0  # shared slots this process stalled past

    # -- what the courier asks ---------------------------------------------------------------
    def chat_delay(self, chat_id: int) -> float:
        """Seconds until `chat_id` may get its next message (0: now)."""
        if self.limits.unlimited:
            return max(0.0, self._chat_paused.get(chat_id, 0.0) - self.clock())
        now = self.clock()
        waits = [self._paused_until - now, self._chat_paused.get(chat_id, 0.0) - now]
        if chat_id > 0:
            bucket = self._refilled(chat_id, now)
            if bucket.tokens < 1:
                waits.append((1 - bucket.tokens) * self.limits.private_interval)
        else:
            sent = self._recent(chat_id, now)
            if len(sent) >= self.limits.group_per_minute:
                waits.append(sent[0] + 60 - now)
        return max(0.0, *waits)

    def chat_capacity(self, chat_id: int) -> int:
        """How many messages `chat_id` may get right now without waiting."""
        if self.limits.unlimited:
            return 0 if self.chat_delay(chat_id) > 0 else 1_000_000
        if self.chat_delay(chat_id) > 0:
            return 0
        now = self.clock()
        if chat_id > 0:
            return int(self._refilled(chat_id, now).tokens)
        return self.limits.group_per_minute - len(self._recent(chat_id, now))

    def paused(self, chat_id: int) -> float:
        """Seconds left of a flood wait Telegram imposed on `chat_id` (or on the bot)."""
        now = self.clock()
        return max(0.0, self._chat_paused.get(chat_id, 0.0) - now, self._paused_until - now)

    # -- taking a slot -------------------------------------------------------------------------
    async def acquire(self, chat_id: int, *, broadcast: bool, message: bool = True) -> None:
        """Wait until `chat_id` may be sent to; a message also takes a bot-wide slot."""
        if broadcast and message and not self.limits.unlimited:
            await self._broadcast_turn(chat_id)
        else:
            await self._local_slot(chat_id, broadcast=broadcast, message=message)
        if self.shared is not None:
            await self._shared_slot(self.shared, chat_id, message)

    async def _broadcast_turn(self, chat_id: int) -> None:
        """Broadcasts that wait for the bot-wide rate take turns: one sleeps until the next
        slot, the others wait behind it, rather than all of them waking at every slot (dozens
        of wake-ups per message). One whose own chat must wait first does so without a turn."""
        while True:
            chat_wait = self.chat_delay(chat_id)
            if chat_wait > 0:
                await self.sleep(chat_wait)
                continue
            async with self._broadcasts:
                if self.chat_delay(chat_id) <= 0:
                    await self._local_slot(chat_id, broadcast=True, message=True)
                    return

    async def _local_slot(self, chat_id: int, *, broadcast: bool, message: bool) -> None:
        """This process's own pacing. Reserving happens without an await after the last
        check, so concurrent lanes never take the same slot."""
        ahead = False  # counted among the interactive calls waiting for a bot-wide slot
        try:
            while True:
                now = self.clock()
                chat_wait = self.chat_delay(chat_id) if message else self.paused(chat_id)
                wait = chat_wait
                if message and not self.limits.unlimited:
                    wait = max(wait, self._next_slot - now)
                    if broadcast and self._interactive_waiting and wait <= 0:
                        wait = 1.0 / self.limits.per_second  # the interactive one goes first
                # Broadcasts give way only to an interactive call that waits for the bot-wide
                # rate, not to one that waits for its own chat (a group's minute, a flood wait).
                wants_slot = not broadcast and message and chat_wait <= 0
                if wants_slot != ahead:
                    self._interactive_waiting += 1 if wants_slot else -1
                    ahead = wants_slot
                if wait <= 0:
                    if message:
                        self._reserve(chat_id, now)
                    return
                await self.sleep(wait)
        finally:
            if ahead:
                self._interactive_waiting -= 1

    async def _shared_slot(self, shared: SharedLimits, chat_id: int, message: bool) -> None:
        """The slot every process of the bot agrees on; this process's own pacing alone when
        Redis does not answer. A slot this process woke up late for is counted from when the
        message left; one it stalled past is given back, once, for the next free one."""
        given_back = ""
        while True:
            asked = self.clock()
            try:
                reserved, wait, slot = await shared.reserve(
                    chat_id, message=message, instead_of=given_back
                )
            except shared.errors as exc:
                shared.unavailable(exc)
                return
            # The wait counts from when Redis answered; a reply this process was slow to read
            # must not push the message past its slot (into the next process's).
            due = asked + wait
            if due > self.clock():
                await self.sleep(due - self.clock())
            if not reserved:
                continue
            late = self.clock() - due
            if message and late > GIVE_BACK and not given_back:
                given_back = slot
                self.given_back += 1
                continue
            if message and late > LATE:
                shared.left_late(slot, late)
                self.late += 1
            return

    async def flooded(self, chat_id: int, retry_after: float) -> None:
        """`flood`, and the same pause for every other process of the bot."""
        bot_wide = self.flood(chat_id, retry_after)
        if self.shared is None:
            return
        try:
            await self.shared.pause(chat_id, retry_after)
            if bot_wide:
                await self.shared.pause(None, retry_after)
        except self.shared.errors as exc:
            self.shared.unavailable(exc)

    def flood(self, chat_id: int, retry_after: float) -> bool:
        """Telegram answered 429 for `chat_id`: pause that chat (and maybe the bot); whether
        the whole bot was paused."""
        now = self.clock()
        until = now + retry_after
        self._chat_paused[chat_id] = max(self._chat_paused.get(chat_id, 0.0), until)
        self._floods.append((now, chat_id))
        while self._floods and self._floods[0][0] < now - self.limits.crowd_window:
            self._floods.popleft()
        crowd = len({chat for _, chat in self._floods}) >= self.limits.crowd
        if crowd or (chat_id > 0 and retry_after > self.limits.long_private_wait):
            self._paused_until = max(self._paused_until, until)
            return True
        return False

    # -- bookkeeping ---------------------------------------------------------------------------
    def _reserve(self, chat_id: int, now: float) -> None:
        self._acquired += 1
        if self._acquired % 1000 == 0:
            self.prune()
        if self.limits.unlimited:
            return
        # Slots follow the schedule, not the moment a waiter woke up: a sleeper that wakes a
        # millisecond late must not push every later slot back. Catching up at most half a
        # slot keeps any one-second window within per_second + 0.5 messages.
        interval = 1.0 / self.limits.per_second
        self._next_slot = max(self._next_slot, now - CATCH_UP * interval) + interval
        if chat_id > 0:
            self._refilled(chat_id, now).tokens -= 1
        else:
            self._group.setdefault(chat_id, deque()).append(now)

    def _refilled(self, chat_id: int, now: float) -> _Bucket:
        burst = float(self.limits.private_burst)
        bucket = self._private.setdefault(chat_id, _Bucket(burst, now))
        gained = (now - bucket.stamp) / self.limits.private_interval
        bucket.tokens, bucket.stamp = min(burst, bucket.tokens + gained), now
        return bucket

    def _recent(self, chat_id: int, now: float) -> deque[float]:
        sent = self._group.get(chat_id)
        if sent is None:
            return deque()
        while sent and sent[0] <= now - 60:
            sent.popleft()
        return sent

    def prune(self) -> int:
        """Forget chats whose limits are back to full, so the maps stay small; how many."""
        now = self.clock()
        before = len(self._private) + len(self._group) + len(self._chat_paused)
        full = self.limits.private_burst * self.limits.private_interval
        self._private = {c: b for c, b in self._private.items() if now - b.stamp < full}
        self._group = {c: s for c, s in self._group.items() if self._recent(c, now)}
        self._chat_paused = {c: t for c, t in self._chat_paused.items() if t > now}
        return before - len(self._private) - len(self._group) - len(self._chat_paused)

    @property
    def tracked_chats(self) -> int:
        return len(self._private) + len(self._group) + len(self._chat_paused)
