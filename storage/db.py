"""Engine and session factory; SQLite gets WAL and a busy timeout so polling tasks can share it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Delete, Insert, Update, event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

# SQLite has one writer at a time, and an update's transaction can include a Telegram call
# that waits for a free slot (a group allows 20 messages a minute). Waiting for the writer is
# better than failing the update, so the timeout covers a full minute of flood control.
SQLITE_BUSY_TIMEOUT_S = 90


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """An async engine for `url` (sqlite+aiosqlite or postgresql+asyncpg)."""
    kwargs: dict[str, Any] = {"echo": echo}
    is_sqlite = url.startswith("sqlite")
    if is_sqlite:
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_S}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_async_engine(url, **kwargs)
    if is_sqlite:
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def affected_rows(session: AsyncSession, statement: Insert | Update | Delete) -> int:
    """Run a bulk statement (ORM objects in the session are left alone); rows it changed.

    Conditional UPDATEs and INSERT … ON CONFLICT DO NOTHING are how claims work here:
    1 means this caller won, 0 that another had already.
    """
    result = await session.execute(statement.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def insert_ignoring_duplicates(session: AsyncSession, table: type[Any]) -> Insert | None:
    """INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL; None on other databases."""
    dialect = session.bind.dialect.name if session.bind else ""
    if dialect == "sqlite":
        return sqlite_insert(table).on_conflict_do_nothing()
    if dialect == "postgresql":
        return postgresql_insert(table).on_conflict_do_nothing()
    return None
