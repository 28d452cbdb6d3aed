"""Row triggers and tallies that the statistics migrations (0012 to 0015) write alike: the
counts the database keeps itself (storage.models.tallies).

Databases have run the migrations that use these, so what a function builds never changes:
a new shape is a new function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op


def utc_day(moment: str, postgres: bool) -> str:
    """The UTC day `moment` falls in, as the column stores it."""
    if postgres:
        return f"date_trunc('day', {moment}, 'UTC')"
    return f"substr({moment}, 1, 10) || ' 00:00:00.000000'"


def create_tally(table: str, *columns: sa.Column[Any]) -> None:
    """`table` of counts: `columns` are its key, in that order, then `count`, which the key's
    index holds too on PostgreSQL (so a read of counts visits the index only)."""
    op.create_table(
        table,
        *columns,
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            *(column.name for column in columns),
            name=op.f(f"pk_{table}"),
            postgresql_include=["count"],
        ),
    )


def daily_desk_key(first: tuple[str, int], second: tuple[str, int]) -> list[sa.Column[Any]]:
    """The key of a count per UTC `day` and `desk` and two more strings, each (name, length)
    (storage.models.tallies.DailyDeskTally)."""
    return [
        sa.Column("day", sa.DateTime(timezone=True), nullable=False),
        sa.Column("desk", sa.String(length=32), nullable=False),
        *(
            sa.Column(name, sa.String(length=length), nullable=False)
            for name, length in (first, second)
        ),
    ]


def upsert(table: str, keys: list[str], values: dict[str, str], condition: str) -> str:
    """Add `values` (keys, then counts) to `table`'s row when `condition` holds (an upsert)."""
    counts = [name for name in values if name not in keys]
    added = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in counts)
    return (
        f"INSERT INTO {table} ({', '.join(values)}) SELECT {', '.join(values.values())} "
        f"WHERE {condition} ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {added}"
    )


def summed(table: str, key: str, rows: str, alias: str) -> str:
    """An INSERT of how many of `rows` (a SELECT of `key`'s columns) there are per `key`."""
    return (
        f"INSERT INTO {table} ({key}, count) "
        f"SELECT {key}, count(*) FROM ({rows}) AS {alias} "
        f"GROUP BY {key}"
    )


Bump = Callable[[str, int], list[str]]  # (OLD or NEW, +1 or -1) → statements


def counting_cases(
    names: tuple[str, str, str], counted: str, bump: Bump, rebump: Bump | None = None
) -> dict[str, tuple[str, list[str]]]:
    """Triggers on `case`, named (inserted, deleted, changed), that count a case on when it
    is inserted, off when it is deleted, and off and on again (`rebump`, else `bump`) when one
    of the `counted` columns changes: name → (timing and event, statements)."""
    inserted, deleted, changed = names
    again = rebump or bump
    return {
        inserted: ("AFTER INSERT", bump("NEW", 1)),
        deleted: ("AFTER DELETE", bump("OLD", -1)),
        changed: (f"AFTER UPDATE OF {counted}", [*again("OLD", -1), *again("NEW", 1)]),
    }


def create_trigger(
    name: str, when: str, table: str, body: list[str], postgres: bool, condition: str = ""
) -> None:
    """A trigger `name` that runs `body` (statements) for each row of `table` at `when`
    (timing and event), only where `condition` holds if one is given. On PostgreSQL it calls
    a function of the same name, which lets the row go on (a BEFORE trigger) or returns
    nothing (an AFTER one)."""
    statements = "".join(f"  {statement};\n" for statement in body)
    if postgres:
        if condition:
            statements = f"  IF {condition} THEN\n{statements}  END IF;\n"
        result = "OLD" if when.startswith("BEFORE") else "NULL"
        op.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
            f"{statements}  RETURN {result};\nEND $$"
        )
        op.execute(
            f'CREATE TRIGGER {name} {when} ON "{table}" FOR EACH ROW EXECUTE FUNCTION {name}()'
        )
        return
    guard = f" WHEN {condition}" if condition else ""
    op.execute(
        f'CREATE TRIGGER {name} {when} ON "{table}" FOR EACH ROW{guard}\nBEGIN\n{statements}END'
    )


Triggers = Callable[
    [bool], dict[str, tuple[str, list[str]]]
]  # on PostgreSQL → name → (when, body)


def on_postgresql() -> bool:
    """The migration runs on PostgreSQL (else SQLite)."""
    return bool(op.get_bind().dialect.name == "postgresql")


def create_all(table: str, made: Triggers) -> None:
    """Create the triggers on `table` that `made` gives for this database, in its order."""
    postgres = on_postgresql()
    for name, (when, body) in made(postgres).items():
        create_trigger(name, when, table, body, postgres)


def drop_all(table: str, made: Triggers) -> None:
    """Drop what `create_all` created."""
    postgres = on_postgresql()
    for name in made(postgres):
        drop_trigger(name, table, postgres)


def drop_trigger(name: str, table: str, postgres: bool) -> None:
    """Drop what `create_trigger` made."""
    op.execute(f'DROP TRIGGER {name} ON "{table}"' if postgres else f"DROP TRIGGER {name}")
    if postgres:
        op.execute(f"DROP FUNCTION {name}()")
