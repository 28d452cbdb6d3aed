"""PostgreSQL-only tests: they skip, saying why, when TEST_DATABASE_URL is not PostgreSQL."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


def postgresql_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip(
            "PostgreSQL only: set TEST_DATABASE_URL=postgresql+asyncpg://… to run it "
            "(advisory locks and SKIP LOCKED do not exist in SQLite)"
        )
    return url


async def end_connection(engine: AsyncEngine, backend_pid: int) -> None:
    """What the server does when a process's host vanishes: it ends the connection."""
    async with engine.connect() as connection:
        # Autocommit: within one transaction pg_stat_activity would show the same snapshot.
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend_pid})
        # The call only signals the backend; its locks go when it has exited.
        async with asyncio.timeout(10):
            while True:
                left = await connection.scalar(
                    text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                    {"pid": backend_pid},
                )
                if not left:
                    return
                await asyncio.sleep(0.01)


async def eventually(check: Callable[[], bool], seconds: float = 10) -> None:
    """Wait until `check()` holds (another task makes it so); fail after `seconds`."""
    async with asyncio.timeout(seconds):
        while True:
            if check():
                return
            await asyncio.sleep(0.01)
