"""Telegram's limits shared by every process of one bot, kept in Redis.

Each process paces itself (bot.telegram.pacing); with several processes that is not enough:
two processes at 29.5 messages a second make 59. With REDIS_URL set, every message also takes
its slot here, in one atomic script per message, so no two processes ever get the same moment:

- the bot-wide rate, as Telegram counts it: never more than 30 slots within 30 / 29 s
  (`per_second` rounded up, within that many slots at `per_second - margin`: the 26 ms over
  the second are room for a process that sends a little late). The slots are spread evenly,
  and a slot nobody took for lack of messages a moment ago is made up (`catch_up`) as far as
  the window allows: a slot is not lost because the next message came a little late;
- the chat's own limit: a private chat's burst then one a second, a group's 20 a minute;
- flood waits: a 429 for a chat (or a bot-wide pause) stops every process sending there.

A process that sends a little later than its slot (it woke up late) says so with its next
reservation, and the slot is moved to when the message really left: later slots are counted
against that moment, so a late message does not crowd the ones after it, at no round trip of
its own. A process that stalled (woke up more than `Pacer`'s GIVE_BACK late) gives its slot
back and takes the next free one instead: its messages must not all leave at once.

The script uses Redis's clock, so the processes' clocks need not agree. When Redis does not
answer, a process falls back to its own pacing and says so in the log.
"""

from __future__ import annotations

import logging
import math
import uuid
from collections.abc import Callable
from typing import Any

from bot.logcontext import OutageLog
from bot.telegram.pacing import Limits

logger = logging.getLogger(__name__)

# ARGV[1] of both scripts: now, or "" for Redis's own clock.
_NOW = """
local now
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
else
  now = tonumber(ARGV[1])
end
"""

# KEYS: 1 the bot's reserved slots (a sorted set), 2 the bot-wide pause, 3 the chat's pause,
# 4 the chat's state, 5 the bot's next even slot.
# ARGV: 1 now ("" = Redis's clock), 2 slot interval (0: no bot-wide rate), 3 slots made up,
# 4 "private" | "group" | "none", 5 private burst, 6 private interval, 7 group per minute,
# 8 this reservation's id, 9 slots per window, 10 window seconds, 11 earlier slots of this
# process that left late, as "id=seconds;id=seconds" ("" = none), 12 the id of a slot given
# back ("" = none).
# Returns {reserved (0/1), seconds to wait} as strings (Lua numbers would be truncated).
RESERVE = (
    _NOW
    + """
local interval = tonumber(ARGV[2])
-- slots this process sent in later than given: they count from when the message left
for member, late in string.gmatch(ARGV[11], '([^=;]+)=([^;]+)') do
  local at = redis.call('ZSCORE', KEYS[1], member)
  if at then redis.call('ZADD', KEYS[1], tonumber(at) + tonumber(late), member) end
end
-- a slot given back: its process woke up far too late for it and takes the next free one
if ARGV[12] ~= '' then redis.call('ZREM', KEYS[1], ARGV[12]) end
local wait = 0
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused - now > wait then wait = paused - now end
local chat_paused = tonumber(redis.call('GET', KEYS[3]) or '0')
if chat_paused - now > wait then wait = chat_paused - now end
local kind = ARGV[4]
local burst = tonumber(ARGV[5])
local per = tonumber(ARGV[6])
local tokens = burst
if kind == 'private' then
  local state = redis.call('HMGET', KEYS[4], 'tokens', 'stamp')
  if state[1] then
    tokens = math.min(burst, tonumber(state[1]) + (now - tonumber(state[2])) / per)
  end
  if tokens < 1 and (1 - tokens) * per > wait then wait = (1 - tokens) * per end
elseif kind == 'group' then
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - 60)
  if redis.call('ZCARD', KEYS[4]) >= tonumber(ARGV[7]) then
    local oldest = redis.call('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')
    local until_free = tonumber(oldest[2]) + 60 - now
    if until_free > wait then wait = until_free end
  end
end
if wait > 0 then
  return {'0', tostring(wait)}
end
local slot = now
if interval > 0 then
  local count = tonumber(ARGV[9])
  local window = tonumber(ARGV[10])
  -- the even schedule, making up for slots nobody took a moment ago
  local even = tonumber(redis.call('GET', KEYS[5]) or '0')
  even = math.max(even, now - tonumber(ARGV[3]) * interval)
  redis.call('SET', KEYS[5], tostring(even + interval), 'PX', 60000)
  slot = math.max(now, even)
  -- slots older than a window limit nothing from now on; slots are handed out in order
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. tostring(now - window))
  local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  if last[2] and tonumber(last[2]) > slot then slot = tonumber(last[2]) end
  if redis.call('ZCARD', KEYS[1]) >= count then
    local nth = redis.call('ZRANGE', KEYS[1], -count, -count, 'WITHSCORES')
    if tonumber(nth[2]) + window > slot then slot = tonumber(nth[2]) + window end
  end
  redis.call('ZADD', KEYS[1], slot, ARGV[8])
  redis.call('PEXPIRE', KEYS[1], math.ceil((slot - now + window) * 1000) + 1000)
end
if kind == 'private' then
  redis.call('HSET', KEYS[4], 'tokens', tostring(tokens - 1), 'stamp', tostring(now))
  redis.call('PEXPIRE', KEYS[4], math.ceil(burst * per * 1000) + 1000)
elseif kind == 'group' then
  redis.call('ZADD', KEYS[4], slot, ARGV[8])
  redis.call('EXPIRE', KEYS[4], 61)
end
return {'1', tostring(math.max(0, slot - now))}
"""
)

# KEYS: 1 the pause key. ARGV: 1 now ("" = Redis's clock), 2 seconds.
PAUSE = (
    _NOW
    + """
local untl = now + tonumber(ARGV[2])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if untl > current then
  redis.call('SET', KEYS[1], tostring(untl), 'PX', math.ceil(tonumber(ARGV[2]) * 1000) + 1000)
end
return tostring(untl)
"""
)


class SharedLimits:
    """The slots every process of one bot takes before a message (see the module docstring)."""

    def __init__(
        self,
        redis: Any,
        prefix: str,
        limits: Limits | None = None,
        clock: Callable[[], float] | None = None,
        catch_up: float = 1.0,
        margin: float = 0.25,
    ) -> None:
        # Imported here, not with the module: Redis is an optional part of the install
        # (`beatline[redis]`), and these limits exist only when REDIS_URL is set.
        from redis.exceptions import RedisError

        self.redis = redis
        self.errors: tuple[type[Exception], ...] = (RedisError, OSError)  # Redis did not answer
        self.prefix = prefix
        self.limits = limits or Limits()
        self.clock = clock  # None: Redis's own clock (tests pass theirs)
        self.catch_up = catch_up
        # Processes wake late now and then (a busy event loop): the shared rate runs this much
        # below the cap, which leaves 26 ms of room in the window at 29.5 - 0.25 a second.
        # (With 0.5, two processes held 28.9-29.0 a second and got as few 429s: 1 in 3,000;
        # bench.broadcast --workers 2, four runs alternating, README "Beyond one process".)
        self.margin = margin
        self._reserve = redis.register_script(RESERVE)
        self._pause = redis.register_script(PAUSE)
        self._name = uuid.uuid4().hex[:12]  # reservation ids are unique across processes
        self._counter = 0
        self._late: list[tuple[str, float]] = []
        # Redis did not answer: logged once a minute while it lasts.
        self.unavailable = OutageLog(logger, "shared rate limits", "pacing this process alone")

    @property
    def window_count(self) -> int:
        """Telegram counts messages per second: at most this many in any one."""
        return max(1, math.ceil(self.limits.per_second))

    @property
    def rate(self) -> float:
        return max(self.limits.per_second - self.margin, self.limits.per_second / 2)

    @property
    def window(self) -> float:
        """Seconds within which at most `window_count` slots lie: a second, plus the room
        that the shared rate leaves below the whole number (26 ms at 29.25 a second)."""
        if self.limits.unlimited:
            return 1.0
        return self.window_count / self.rate

    def _now(self) -> str:
        return "" if self.clock is None else repr(self.clock())

    async def reserve(
        self, chat_id: int, *, message: bool = True, instead_of: str = ""
    ) -> tuple[bool, float, str]:
        """(True, wait, id): a slot is ours, `wait` seconds from now. (False, wait, ""): the
        chat (or the bot) may not be sent to for `wait` seconds; nothing was reserved. A call
        that is not a message only honours the pauses. `instead_of`: a slot of this process
        that it can no longer use, given back."""
        if not message:
            kind = "none"
        elif chat_id > 0:
            kind = "private"
        else:
            kind = "group"
        self._counter += 1
        member = f"{self._name}:{self._counter}"
        limits = self.limits
        keys = [
            f"{self.prefix}:slots",
            f"{self.prefix}:paused",
            f"{self.prefix}:paused:{chat_id}",
            f"{self.prefix}:chat:{chat_id}",
            f"{self.prefix}:next",
        ]
        interval = 1.0 / self.rate if message and not limits.unlimited else 0.0
        args = [
            self._now(),
            repr(interval),
            repr(self.catch_up),
            kind,
            str(limits.private_burst),
            repr(limits.private_interval),
            str(limits.group_per_minute),
            member,
            str(self.window_count),
            repr(self.window),
            ";".join(f"{slot}={late!r}" for slot, late in self._late),
            instead_of,
        ]
        reserved, wait = await self._reserve(keys=keys, args=args)
        self._late.clear()  # only once the script ran: on an error they go with the next
        if _text(reserved) != "1":
            return False, float(_text(wait)), ""
        return True, float(_text(wait)), member

    def left_late(self, slot: str, seconds: float) -> None:
        """The message of `slot` left `seconds` after it (told Redis with the next reserve)."""
        self._late.append((slot, seconds))
        del self._late[: -self.window_count]  # older ones no longer limit anything

    async def pause(self, chat_id: int | None, seconds: float) -> None:
        """No process sends to `chat_id` (None: to anyone) for `seconds`."""
        key = f"{self.prefix}:paused" if chat_id is None else f"{self.prefix}:paused:{chat_id}"
        await self._pause(keys=[key], args=[self._now(), repr(seconds)])


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
