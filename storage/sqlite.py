"""SQLite for the async engine without a thread hop per call.

SQLAlchemy's aiosqlite dialect talks to an `aiosqlite.Connection`, which runs every call in a
worker thread: four hops per statement (cursor, execute, fetch, close), measured at about 70 µs
each, which made the database most of the cost of a follow-up. Here the same interface runs the
standard library's sqlite3 directly on the event loop. That is safe because:

- one process uses the file (SQLite is the single-process deployment), and the engine keeps a
  single connection (`pool_size=1`), so in-process transactions queue for it in asyncio and
  never wait for a lock inside SQLite;
- no transaction is ever held open across a Bot API call (the outbox design), so a transaction
  is a few statements long;
- commits do not fsync (WAL with synchronous=NORMAL) and checkpoints, which do, run in a worker
  thread on a connection of their own (`checkpoint`), never on the event loop.

Another process holding the write lock (a manual `python -m bot migrate`, say) makes us wait up
to `BUSY_TIMEOUT_S` on the loop; that is a maintenance situation, not normal operation.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

BUSY_TIMEOUT_S = 5.0


class Cursor:
    """An aiosqlite-style cursor whose coroutines complete at once."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> Cursor:
        if parameters is None:
            self._cursor.execute(sql)
        else:
            self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Sequence[Sequence[Any]]) -> Cursor:
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size) if size is not None else self._cursor.fetchmany()

    async def close(self) -> None:
        self._cursor.close()


class _Immediate:
    """Stands in for aiosqlite's request queue, which SQLAlchemy uses to set isolation levels."""

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as exc:  # handed to the awaiting caller, as aiosqlite would
            future.set_exception(exc)


class Connection:
    """The part of `aiosqlite.Connection` that SQLAlchemy's aiosqlite dialect uses."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        self._tx = _Immediate()

    @property
    def sqlite(self) -> sqlite3.Connection:
        """The sqlite3 connection itself (storage.express runs statements on it directly)."""
        return self._conn

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    async def cursor(self) -> Cursor:
        return Cursor(self._conn.cursor())

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> Cursor:
        return await Cursor(self._conn.cursor()).execute(sql, parameters)

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        self._conn.close()

    def stop(self) -> None:
        self._conn.close()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)


def database_path(url: str) -> str:
    """The file (or ":memory:") of a `sqlite+aiosqlite:///…` URL."""
    path = url.split(":///", 1)[1] if ":///" in url else ""
    return path.split("?", 1)[0] or ":memory:"


def connector(path: str) -> Callable[[], Any]:
    """An `async_creator` for create_async_engine: one in-loop connection to `path`."""

    async def connect() -> Connection:
        # check_same_thread=False: SQLAlchemy may close a connection from its pool's finaliser.
        raw = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
        raw.execute("PRAGMA wal_autocheckpoint=0")  # checkpoints run off the loop
        return Connection(raw)

    return connect


def checkpoint(path: str) -> int:
    """Fold the write-ahead log into the database file (blocking: run it in a thread).

    PASSIVE never blocks the bot's own connection; returns the pages still in the log.
    """
    if path == ":memory:" or not Path(path).exists():
        return 0
    with sqlite3.connect(path, timeout=BUSY_TIMEOUT_S) as connection:
        row = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    connection.close()
    return int(row[1] - row[2]) if row and row[1] >= 0 else 0
