"""The test Redis (TEST_REDIS_URL, else database 15 on 127.0.0.1): tests that need it skip,
saying so, where it does not answer."""

from __future__ import annotations

import os
from typing import Any

import pytest

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


async def redis_or_skip(why: str = "") -> Any:
    """A client of the test Redis, answering; the test is skipped if Redis does not answer."""
    from redis.asyncio import Redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    client = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        await client.ping()
    except (RedisConnectionError, OSError) as exc:
        await client.aclose()
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}{why}")
    return client


async def skip_without_redis(why: str = "") -> None:
    """Skip the test unless the test Redis answers."""
    await (await redis_or_skip(why)).aclose()
