"""The follow-up limit (`[limits] followups_per_minute`): a token bucket per resident, kept out
of the database so that no row dates a resident's messages (an anonymous case's included).

One process keeps the buckets in its memory; with REDIS_URL every process shares them in Redis.
A bucket left alone for a minute is full again and is forgotten, and a restart refills them all.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from bot.logcontext import OutageLog

logger = logging.getLogger(__name__)

NOTICE_EVERY = timedelta(minutes=1)
# A bucket refills completely within a minute and a notice may be repeated after NOTICE_EVERY:
# an entry older than both tells nothing that a missing one would not.
FORGET_AFTER = max(timedelta(minutes=1), NOTICE_EVERY)


class Verdict(StrEnum):
    """What becomes of one follow-up."""

    PASS = "pass"
    REFUSE = "refuse"  # over the limit: tell the resident
    REFUSE_QUIETLY = "refuse_quietly"  # over the limit, and told so within NOTICE_EVERY


class FollowupLimit(Protocol):
    async def take(self, resident: int, per_minute: int, now: datetime) -> Verdict:
        """Spend one of `resident`'s follow-ups (at most `per_minute` a minute)."""
        ...


@dataclass(frozen=True)
class _Bucket:
    tokens: float
    at: datetime
    noticed_at: datetime | None


class LocalBuckets:
    """The buckets of this process, in memory, in the order they were last written (so pruning
    stops at the first one still fresh)."""

    def __init__(self) -> None:
        self._buckets: OrderedDict[int, _Bucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    async def take(self, resident: int, per_minute: int, now: datetime) -> Verdict:
        while self._buckets and now - next(iter(self._buckets.values())).at >= FORGET_AFTER:
            self._buckets.popitem(last=False)
        capacity = float(per_minute)
        tokens, noticed_at = capacity, None
        bucket = self._buckets.pop(resident, None)
        if bucket is not None:
            elapsed = max(0.0, (now - bucket.at).total_seconds())
            tokens = min(capacity, bucket.tokens + elapsed * capacity / 60)
            noticed_at = bucket.noticed_at
        if tokens >= 1:
            verdict, tokens = Verdict.PASS, tokens - 1
        elif noticed_at is not None and now - noticed_at < NOTICE_EVERY:
            verdict = Verdict.REFUSE_QUIETLY
        else:
            verdict, noticed_at = Verdict.REFUSE, now
        self._buckets[resident] = _Bucket(tokens, now, noticed_at)
        return verdict


# The same rule as LocalBuckets.take, in one atomic step for every process.
# KEYS: 1 the resident's bucket. ARGV: 1 now (seconds), 2 follow-ups a minute, 3 NOTICE_EVERY
# (seconds), 4 FORGET_AFTER (milliseconds). Returns the Verdict's value.
TAKE = """
local now = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at', 'noticed')
local tokens = capacity
if state[1] then
  local elapsed = math.max(0, now - tonumber(state[2]))
  tokens = math.min(capacity, tonumber(state[1]) + elapsed * capacity / 60)
end
local verdict = 'pass'
if tokens >= 1 then
  tokens = tokens - 1
elseif state[3] and now - tonumber(state[3]) < tonumber(ARGV[3]) then
  verdict = 'refuse_quietly'
else
  verdict = 'refuse'
  redis.call('HSET', KEYS[1], 'noticed', ARGV[1])
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return verdict
"""


class SharedBuckets:
    """The buckets in Redis, shared by every process of one bot; each entry expires
    FORGET_AFTER after its last follow-up. When Redis does not answer, this process falls back
    to its own buckets and says so in the log (once a minute while it lasts)."""

    def __init__(self, redis: Any, prefix: str) -> None:
        # Imported here: Redis is an optional part of the install (`beatline[redis]`).
        from redis.exceptions import RedisError

        self.errors: tuple[type[Exception], ...] = (RedisError, OSError)
        self.prefix = prefix
        self.fallback = LocalBuckets()
        self._take = redis.register_script(TAKE)
        self._unavailable = OutageLog(logger, "follow-up limit", "counting in this process alone")

    async def take(self, resident: int, per_minute: int, now: datetime) -> Verdict:
        args = [
            repr(now.timestamp()),
            str(per_minute),
            repr(NOTICE_EVERY.total_seconds()),
            str(int(FORGET_AFTER.total_seconds() * 1000)),
        ]
        try:
            verdict = await self._take(keys=[f"{self.prefix}:{resident}"], args=args)
        except self.errors as exc:
            self._unavailable(exc)
            return await self.fallback.take(resident, per_minute, now)
        return Verdict(verdict.decode() if isinstance(verdict, bytes) else str(verdict))
