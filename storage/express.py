"""The express lane's reads and writes, on the driver (storage.driver): the resident, whether a
ban stands against them and their open cases in one query; the update's claim, the message and
its outbox rows written together. The same tables, columns and conversions as the repositories;
only SQLAlchemy's execution layer is left out (see bot.workflows.express for when this path is
taken, and why).

- SQLite: one transaction on the event loop's connection: the claim (which starts it), the
  read, the message, the outbox rows, COMMIT. Statements cost microseconds there.
- PostgreSQL: each statement is a round trip to the server, so there are three: the read, the
  message's id drawn from its sequence once the lane relays it (drawn earlier, a fallback would
  leave a gap in the ids beside the general route's message, and gaps would mark residents the
  lane turns away, such as those with anonymous cases), then one statement that claims the
  update and, only if that claim is new, inserts the message and the outbox rows. A single
  statement is atomic on its own: no BEGIN and COMMIT round trips.

Like every repository this module never decides to commit: `Unit.write` is the caller's, and
nothing is written before it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Protocol

from sqlalchemy import insert
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import greenlet_spawn

from storage.db import ignoring_duplicates
from storage.driver import Prepared
from storage.express_postgresql import (
    AsyncpgUnit,
    connection_error,
    postgresql_read,
    postgresql_write,
)
from storage.express_read import MESSAGE_KEYS, OUTBOX_KEYS, Found, found_in, read_statement
from storage.models import CaseMessage, OutboxMessage, ProcessedUpdate


class ConnectionLostError(Exception):
    """The database connection broke under the express lane (a server restart): nothing was
    written, and the pool will connect afresh."""


class Unit(Protocol):
    """One update's work in the express lane; nothing is written before `write`."""

    async def read(self, update_id: int, telegram_id: int, now: datetime) -> Found | None:
        """The resident and their cases; None for an unknown resident or an update handled
        before."""

    async def add_message(self, values: dict[str, Any]) -> int:
        """A case_message row to write; its id."""

    async def write(self, outbox: Sequence[dict[str, Any]]) -> bool:
        """Write the claim, the message and `outbox`, all or nothing; False when the update
        had been handled before (nothing written)."""


class SqliteUnit:
    """A transaction on the event loop's sqlite3 connection (storage.sqlite)."""

    def __init__(self, connection: Any, dialect: Dialect) -> None:
        self.connection = connection
        self.s = _sqlite_statements(dialect)
        self.committed = False

    async def read(self, update_id: int, telegram_id: int, now: datetime) -> Found | None:
        claim = self.s.claim
        values = {"update_id": update_id, "processed_at": now}
        if not self.connection.execute(claim.sql, claim.parameters(values)).rowcount:
            return None
        read = self.s.read
        rows = self.connection.execute(read.sql, read.parameters({"telegram_id": telegram_id}))
        return found_in([read.record(row) for row in rows.fetchall()])

    async def add_message(self, values: dict[str, Any]) -> int:
        message = self.s.message
        row = self.connection.execute(message.sql, message.parameters(values)).fetchone()
        return int(row[0])

    async def write(self, outbox: Sequence[dict[str, Any]]) -> bool:
        prepared = self.s.outbox
        self.connection.executemany(prepared.sql, [prepared.parameters(row) for row in outbox])
        self.connection.commit()
        self.committed = True
        return True

    async def abandon(self) -> None:
        if not self.committed:
            self.connection.rollback()


@dataclass(frozen=True)
class _SqliteStatements:
    claim: Prepared
    read: Prepared
    message: Prepared
    outbox: Prepared


@cache
def _sqlite_statements(dialect: Dialect) -> _SqliteStatements:
    messages = CaseMessage.core_table()
    claim = ignoring_duplicates("sqlite", ProcessedUpdate.core_table())
    assert claim is not None
    return _SqliteStatements(
        claim=Prepared.of(claim, dialect, ("update_id", "processed_at")),
        read=Prepared.of(read_statement(dialect), dialect),
        message=Prepared.of(insert(messages).returning(messages.c.id), dialect, MESSAGE_KEYS),
        outbox=Prepared.of(insert(OutboxMessage.core_table()), dialect, OUTBOX_KEYS),
    )


class ExpressRows:
    """The express lane's units on the driver of one of `engine`'s pooled connections."""

    def __init__(self, engine: AsyncEngine) -> None:
        if engine.dialect.name not in ("sqlite", "postgresql"):
            msg = f"the express lane runs on SQLite and PostgreSQL, not {engine.dialect.name}"
            raise ValueError(msg)
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        # Compiled now, so a statement that does not compile stops the start, not an update.
        if self.sqlite:
            _sqlite_statements(engine.dialect)
        else:
            postgresql_read(engine.dialect)
            postgresql_write(engine.dialect, True, 1)

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[Unit]:
        """One update's unit of work; whatever it leaves unwritten is rolled back."""
        pooled = await self.engine.raw_connection()
        driver = pooled.driver_connection
        assert driver is not None  # a pooled connection that is not closed
        dialect = self.engine.dialect
        unit = SqliteUnit(driver.sqlite, dialect) if self.sqlite else AsyncpgUnit(driver, dialect)
        try:
            try:
                yield unit
            finally:
                await unit.abandon()
        except Exception as exc:
            if not self.sqlite and connection_error(exc):
                await greenlet_spawn(pooled.invalidate)
                raise ConnectionLostError from exc
            raise
        finally:
            await greenlet_spawn(pooled.close)  # back to the pool
