"""The express lane on PostgreSQL (storage.express), each statement on its own: the read, which
also says whether the update was handled before; the message's id, drawn once the lane relays
it; and one statement that claims the update and, only if that claim is new, inserts the message
and the outbox rows (atomic by itself: no BEGIN or COMMIT round trip)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Integer, bindparam, exists, func, insert, literal_column, select, values
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.sql.expression import column

from storage.db import ignoring_duplicates
from storage.driver import Prepared
from storage.express_read import MESSAGE_KEYS, OUTBOX_KEYS, SEEN, Found, found_in, read_statement
from storage.models import CaseMessage, OutboxMessage, ProcessedUpdate


class AsyncpgUnit:
    """Round trips on the connection's asyncpg driver, each statement on its own."""

    def __init__(self, connection: Any, dialect: Dialect) -> None:
        self.connection = connection
        self.dialect = dialect
        self.update_id = 0
        self.now: datetime | None = None
        self.message: dict[str, Any] | None = None

    async def read(self, update_id: int, telegram_id: int, now: datetime) -> Found | None:
        self.update_id, self.now = update_id, now
        read = postgresql_read(self.dialect)
        keys = {"telegram_id": telegram_id, "update_id": update_id}
        rows = await self.connection.fetch(read.sql, *read.parameters(keys))
        records = [read.record(row) for row in rows]
        found = found_in(records)
        return None if found is None or records[0][SEEN] else found

    async def add_message(self, values: dict[str, Any]) -> int:
        """Its id, drawn now (never for an update the lane turns away); the row is written
        with the rest."""
        next_id = postgresql_next_id(self.dialect)
        drawn = int(await self.connection.fetchval(next_id.sql, *next_id.parameters({})))
        self.message = values | {"id": drawn}
        return drawn

    async def write(self, outbox: Sequence[dict[str, Any]]) -> bool:
        statement = postgresql_write(self.dialect, self.message is not None, len(outbox))
        parameters: dict[str, Any] = {"update_id": self.update_id, "processed_at": self.now}
        for key, value in (self.message or {}).items():
            parameters[f"m_{key}"] = value
        for number, row in enumerate(outbox):
            for key in OUTBOX_KEYS:
                parameters[f"o{number}_{key}"] = row.get(key)
        claimed = await self.connection.fetchval(statement.sql, *statement.parameters(parameters))
        return bool(claimed)

    async def abandon(self) -> None:
        """Nothing to undo: nothing is written before `write`, which is one statement."""


@cache
def postgresql_read(dialect: Dialect) -> Prepared:
    return Prepared.of(read_statement(dialect), dialect)


@cache
def postgresql_next_id(dialect: Dialect) -> Prepared:
    sequence = func.pg_get_serial_sequence(CaseMessage.__tablename__, "id")
    return Prepared.of(select(func.nextval(sequence)), dialect)


@cache
def postgresql_write(dialect: Dialect, with_message: bool, rows: int) -> Prepared:
    """Claim the update; only if the claim is new, add the message and `rows` outbox rows (in
    their order: they are numbered, and inserted sorted by number, so their ids follow it)."""
    updates = ProcessedUpdate.core_table()
    claim = ignoring_duplicates("postgresql", updates)
    assert claim is not None
    claimed = (
        claim.values(update_id=bindparam("update_id"), processed_at=bindparam("processed_at"))
        .returning(updates.c.update_id)
        .cte("claim")
    )
    ctes = []
    if with_message:
        messages = CaseMessage.core_table()
        keys = ("id", *MESSAGE_KEYS)
        message = select(*(bindparam(f"m_{k}", type_=messages.c[k].type) for k in keys))
        ctes.append(
            insert(messages).from_select(keys, message.select_from(claimed)).cte("message")
        )
    if rows:
        table = OutboxMessage.core_table()
        typed = [column(key, table.c[key].type) for key in OUTBOX_KEYS]
        listed = values(*typed, column("number_", Integer), name="listed").data(
            [
                (*(bindparam(f"o{n}_{key}", type_=table.c[key].type) for key in OUTBOX_KEYS), n)
                for n in range(rows)
            ]
        )
        chosen = (
            select(*(listed.c[key] for key in OUTBOX_KEYS))
            .where(exists(select(literal_column("1")).select_from(claimed)))
            .order_by(listed.c.number_)
        )
        ctes.append(insert(table).from_select(OUTBOX_KEYS, chosen).cte("outbox"))
    return Prepared.of(select(func.count()).select_from(claimed).add_cte(*ctes), dialect)


def connection_error(exc: Exception) -> bool:
    """asyncpg's errors for a connection that is gone (imported only on PostgreSQL). A backend
    killed while the connection sat in the pool can also leave asyncpg's protocol mid-operation
    ("cannot switch to state …; another operation is in progress"): unusable just the same."""
    import asyncpg

    lost = (
        asyncpg.PostgresConnectionError,
        asyncpg.InterfaceError,
        asyncpg.exceptions.InternalClientError,
        OSError,
    )
    return isinstance(exc, lost)
