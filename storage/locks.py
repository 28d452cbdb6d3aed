"""PostgreSQL advisory locks, held on a connection of their own.

A session-level advisory lock belongs to the database connection that took it: it is freed by
`unlock`, or by the server as soon as that connection ends. A process that dies (crash,
SIGKILL, lost host) so frees everything it held without anyone cleaning up: for a lost host
the server notices through TCP keepalives, set short on these connections (about 20 s).

Two key spaces are used and never meet: the scheduler's lock uses the two-int form
(`pg_try_advisory_lock(int, int)`), the outbox lanes the bigint form with the chat id. The
two forms do not conflict with each other in PostgreSQL.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

logger = logging.getLogger(__name__)

# "Beatline" in the first key, the purpose in the second.
LEADER_KEY = (0x42544C4E, 1)
STATEMENT_TIMEOUT_S = 5.0
KEEPALIVE = (
    "SET tcp_keepalives_idle = 10",
    "SET tcp_keepalives_interval = 3",
    "SET tcp_keepalives_count = 3",
)


class LockConnection:
    """One autocommit connection and the advisory locks it holds.

    Calls are serialised (one connection runs one statement at a time). When the connection
    fails, every lock it held is gone: `generation` changes, so holders can tell.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.generation = 0
        self._connection: AsyncConnection | None = None
        self._mutex = asyncio.Lock()

    async def _open(self) -> AsyncConnection:
        if self._connection is None:
            connection = await self.engine.connect()
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            for statement in KEEPALIVE:
                await connection.execute(text(statement))
            self._connection = connection
            self.generation += 1
        return self._connection

    async def _scalar(self, statement: str, **params: int | list[int]) -> object:
        async with self._mutex:
            try:
                connection = await self._open()
                result = await asyncio.wait_for(
                    connection.execute(text(statement), params), STATEMENT_TIMEOUT_S
                )
                return result.scalar()
            except BaseException:
                await self._drop()
                raise

    async def _column(self, statement: str, **params: int | list[int]) -> list[object]:
        async with self._mutex:
            try:
                connection = await self._open()
                result = await asyncio.wait_for(
                    connection.execute(text(statement), params), STATEMENT_TIMEOUT_S
                )
                return list(result.scalars().all())
            except BaseException:
                await self._drop()
                raise

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.invalidate()
                await connection.close()
            except Exception as exc:  # already broken: nothing more to free
                logger.debug("lock connection closed with %s", type(exc).__name__)

    async def try_lock_pair(self, key: tuple[int, int]) -> bool:
        found = await self._scalar("SELECT pg_try_advisory_lock(:a, :b)", a=key[0], b=key[1])
        return bool(found)

    async def try_lock(self, key: int) -> bool:
        return bool(await self._scalar("SELECT pg_try_advisory_lock(CAST(:k AS bigint))", k=key))

    async def try_lock_many(self, keys: Collection[int]) -> set[int]:
        """Several `try_lock`s in one round trip: the keys this connection got."""
        got = await self._column(
            "SELECT k FROM unnest(CAST(:keys AS bigint[])) AS k WHERE pg_try_advisory_lock(k)",
            keys=list(keys),
        )
        return {int(str(key)) for key in got}

    async def unlock(self, key: int) -> None:
        await self._scalar("SELECT pg_advisory_unlock(CAST(:k AS bigint))", k=key)

    async def unlock_many(self, keys: Collection[int]) -> None:
        """Several `unlock`s in one round trip."""
        await self._scalar(
            "SELECT count(pg_advisory_unlock(k)) FROM unnest(CAST(:keys AS bigint[])) AS k",
            keys=list(keys),
        )

    async def alive(self) -> bool:
        """Whether the connection (and so every lock on it) is still there."""
        if self._connection is None:
            return False
        try:
            await self._scalar("SELECT 1")
        except Exception:
            return False
        return True

    async def backend_pid(self) -> int:
        """The server process of this connection (tests end it to play a lost host)."""
        return int(str(await self._scalar("SELECT pg_backend_pid()")))

    async def close(self) -> None:
        async with self._mutex:
            if self._connection is not None:
                try:
                    await self._connection.close()
                finally:
                    self._connection = None


def is_postgresql(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "postgresql"
