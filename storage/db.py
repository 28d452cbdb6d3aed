"""Engine and session factory. SQLite runs on the event loop through one connection (see
storage.sqlite for why that is safe and fast); PostgreSQL uses asyncpg with a normal pool."""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

from sqlalchemy import Delete, Insert, Table, Update, event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine.interfaces import DBAPIConnection, Dialect
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry
from sqlalchemy.sql.compiler import Compiled

from storage.sealing import SESSION_KEY, Sealer, sealer_in
from storage.sqlite import connector, database_path

# Transactions wait for the single SQLite connection in asyncio; none holds it across a Bot
# API call, so a wait this long means a bug (a nested session), not load.
SQLITE_POOL_TIMEOUT_S = 30


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """An async engine for `url` (sqlite+aiosqlite or postgresql+asyncpg).

    Statement parameters are never put into error messages or logs (`hide_parameters`): they
    hold residents' names, ids and words.

    PostgreSQL connections are not pinged before each transaction (that round trip was a
    quarter of a follow-up's time): a connection found dead fails its transaction with a
    disconnect error, SQLAlchemy renews the pool, and the work runs again (`lost_connection`).
    """
    kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
    is_sqlite = url.startswith("sqlite")
    if is_sqlite:
        kwargs |= {
            "async_creator": connector(database_path(url)),
            "poolclass": AsyncAdaptedQueuePool,
            "pool_size": 1,
            "max_overflow": 0,
            "pool_timeout": SQLITE_POOL_TIMEOUT_S,
        }
    engine = create_async_engine(url, **kwargs)
    if is_sqlite:
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def lost_connection(exc: BaseException) -> bool:
    """`exc` cost the database connection (the server restarted, the backend was killed): the
    transaction is gone, nothing of it committed unless COMMIT itself was under way, and the
    pool has been renewed, so the same work may simply run again."""
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_session_factory(
    engine: AsyncEngine, sealer: Sealer | None = None
) -> async_sessionmaker[AsyncSession]:
    """Sessions on `engine`; each carries `sealer` (the anonymity key), which anything that
    touches an anonymous case's link needs (storage.sealing.sealer_of)."""
    info = {SESSION_KEY: sealer} if sealer is not None else {}
    return async_sessionmaker(engine, expire_on_commit=False, info=info)


def engine_of(factory: async_sessionmaker[AsyncSession]) -> AsyncEngine:
    """The engine `factory`'s sessions are bound to."""
    engine = factory.kw.get("bind")
    if not isinstance(engine, AsyncEngine):
        msg = "this session factory is not bound to an engine"
        raise TypeError(msg)
    return engine


def factory_sealer(factory: async_sessionmaker[AsyncSession]) -> Sealer | None:
    """The anonymity key `factory`'s sessions carry (create_session_factory), if any."""
    return sealer_in(factory.kw.get("info", {}))


async def affected_rows(session: AsyncSession, statement: Insert | Update | Delete) -> int:
    """Run a bulk statement (ORM objects in the session are left alone); rows it changed.

    Conditional UPDATEs and INSERT … ON CONFLICT DO NOTHING are how claims work here:
    1 means this caller won, 0 that another had already.
    """
    result = await session.execute(statement.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def insert_ignoring_duplicates(session: AsyncSession, table: type[Any]) -> Insert | None:
    """INSERT … ON CONFLICT DO NOTHING into `table`'s rows on SQLite and PostgreSQL; None on
    other databases. Built once per table and dialect (some run for every update): run it
    with parameters, or give it `.values(…)`."""
    dialect = session.bind.dialect.name if session.bind else ""
    return ignoring_duplicates(dialect, table.__table__)


@lru_cache(maxsize=64)
def _compiled(insert: Insert, dialect: Dialect, columns: tuple[str, ...]) -> Compiled:
    return insert.compile(dialect=dialect, column_keys=list(columns))


@cache
def ignoring_duplicates(dialect: str, table: Table) -> Insert | None:
    """INSERT … ON CONFLICT DO NOTHING into `table` for the dialect named; built once."""
    if dialect == "sqlite":
        return sqlite_insert(table).on_conflict_do_nothing()
    if dialect == "postgresql":
        return postgresql_insert(table).on_conflict_do_nothing()
    return None


async def add_once(session: AsyncSession, table: type[Any], values: dict[str, Any]) -> bool:
    """Add a row of `table` with `values` unless a unique key already holds it; True when this
    call added it. One INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL; on other
    databases, the portable route: a savepoint that the duplicate's IntegrityError rolls back.

    The statement runs on the session's connection, compiled once: SQLAlchemy never caches
    an INSERT … ON CONFLICT (its dialects' Insert is not cacheable) and compiled it for every
    update's claim. (So it does not write the session's queued outbox rows first; they follow
    with its next statement or the commit, and no insert here reads them.)"""
    insert = insert_ignoring_duplicates(session, table)
    if insert is not None and session.bind is not None:
        compiled = _compiled(insert, session.bind.dialect, tuple(values))
        connection = await session.connection()
        # A Compiled runs like its statement, minus compiling (Compiled._execute_on_connection);
        # SQLAlchemy's type stubs name only statements.
        result = await connection.execute(compiled, values)  # type: ignore[call-overload]
        return bool(result.rowcount)
    try:
        async with session.begin_nested():
            session.add(table(**values))
    except IntegrityError:
        return False
    return True
