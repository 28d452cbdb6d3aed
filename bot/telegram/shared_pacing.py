"""Telegram's limits shared by every process of one bot, kept in Redis.

Each process paces itself (bot.telegram.pacing); with several processes that is not enough:
two processes at 29.5 messages a second make 59. With REDIS_URL set, every message also takes
its slot here, in one atomic script per message:

- the bot-wide schedule: slots `1 / per_second` apart for all processes together;
- the chat's own limit: a private chat's burst then one a second, a group's 20 a minute;
- flood waits: a 429 for a chat (or a bot-wide pause) stops every process sending there.

The script uses Redis's clock, so the processes' clocks need not agree. When Redis does not
answer, a process falls back to its own pacing and says so in the log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from bot.telegram.pacing import Limits

logger = logging.getLogger(__name__)

# KEYS: 1 the bot's next slot, 2 the bot-wide pause, 3 the chat's pause, 4 the chat's state.
# ARGV: 1 now ("" = Redis's clock), 2 slot interval, 3 catch-up, 4 "private" | "group" |
# "none", 5 private burst, 6 private interval, 7 group per minute, 8 a unique member id.
# Returns {reserved (0/1), seconds to wait} as strings (Lua numbers would be truncated).
RESERVE = """
local now
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
else
  now = tonumber(ARGV[1])
end
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
local interval = tonumber(ARGV[2])
local slot = now
if interval > 0 then
  slot = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now - tonumber(ARGV[3]) * interval)
  redis.call('SET', KEYS[1], tostring(slot + interval), 'PX', 60000)
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

# KEYS: 1 the pause key. ARGV: 1 now ("" = Redis's clock), 2 seconds.
PAUSE = """
local now
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
else
  now = tonumber(ARGV[1])
end
local untl = now + tonumber(ARGV[2])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if untl > current then
  redis.call('SET', KEYS[1], tostring(untl), 'PX', math.ceil(tonumber(ARGV[2]) * 1000) + 1000)
end
return tostring(untl)
"""


class SharedLimits:
    """The slots every process of one bot takes before a message (see the module docstring)."""

    def __init__(
        self,
        redis: Any,
        prefix: str,
        limits: Limits | None = None,
        clock: Callable[[], float] | None = None,
        catch_up: float = 0.0,
        margin: float = 0.5,
    ) -> None:
        self.redis = redis
        self.prefix = prefix
        self.limits = limits or Limits()
        self.clock = clock  # None: Redis's own clock (tests pass theirs)
        self.catch_up = catch_up
        # Processes wake a little late now and then, and a late message lands in the next
        # second: the shared schedule runs this much below the cap to absorb it.
        self.margin = margin
        self._reserve = redis.register_script(RESERVE)
        self._pause = redis.register_script(PAUSE)
        self._counter = 0
        self._failing_since: float | None = None

    def _now(self) -> str:
        return "" if self.clock is None else repr(self.clock())

    async def reserve(self, chat_id: int, *, message: bool = True) -> tuple[bool, float]:
        """(True, wait): a slot is ours, `wait` seconds from now. (False, wait): the chat (or
        the bot) may not be sent to for `wait` seconds; nothing was reserved. A call that is
        not a message only honours the pauses."""
        if not message:
            kind = "none"
        elif chat_id > 0:
            kind = "private"
        else:
            kind = "group"
        self._counter += 1
        limits = self.limits
        keys = [
            f"{self.prefix}:slot",
            f"{self.prefix}:paused",
            f"{self.prefix}:paused:{chat_id}",
            f"{self.prefix}:chat:{chat_id}",
        ]
        rate = limits.per_second - self.margin
        interval = 1.0 / rate if message and not limits.unlimited else 0.0
        args = [
            self._now(),
            repr(interval),
            repr(self.catch_up),
            kind,
            str(limits.private_burst),
            repr(limits.private_interval),
            str(limits.group_per_minute),
            f"{id(self)}:{self._counter}",
        ]
        reserved, wait = await self._reserve(keys=keys, args=args)
        return _text(reserved) == "1", float(_text(wait))

    async def pause(self, chat_id: int | None, seconds: float) -> None:
        """No process sends to `chat_id` (None: to anyone) for `seconds`."""
        key = f"{self.prefix}:paused" if chat_id is None else f"{self.prefix}:paused:{chat_id}"
        await self._pause(keys=[key], args=[self._now(), repr(seconds)])

    def unavailable(self, error: Exception) -> None:
        """Redis did not answer: log once a minute while it lasts."""
        now = time.monotonic()
        if self._failing_since is None or now - self._failing_since > 60:
            self._failing_since = now
            logger.warning(
                "shared rate limits: Redis did not answer (%s); pacing this process alone",
                type(error).__name__,
            )


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
