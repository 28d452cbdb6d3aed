"""Pieces of tables that the migrations (versions/) write alike, with the names the models'
naming convention gives them (storage.models.base.NAMING).

Databases have run the migrations that use these, so what a function builds never changes:
a new shape is a new function.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def create_table_with_id(table: str, *columns: sa.schema.SchemaItem) -> None:
    """`table` keyed by an integer `id`, its first column (SERIAL on PostgreSQL), then
    `columns` and constraints."""
    op.create_table(
        table, sa.Column("id", sa.Integer(), nullable=False), *columns, key(table, "id")
    )


def key(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    """`table`'s primary key, made of `columns`."""
    return sa.PrimaryKeyConstraint(*columns, name=op.f(f"pk_{table}"))


def cascade(table: str, column: str, referred: str) -> sa.ForeignKeyConstraint:
    """`table.column` refers to `referred.id`, and the row goes when that row goes."""
    return sa.ForeignKeyConstraint(
        [column],
        [f"{referred}.id"],
        name=op.f(f"fk_{table}_{column}_{referred}"),
        ondelete="CASCADE",
    )


def unique(table: str, *columns: str) -> sa.UniqueConstraint:
    """No two rows of `table` share their values of `columns`."""
    return sa.UniqueConstraint(*columns, name=op.f(f"uq_{table}_{columns[0]}"))


def create_indexes(table: str, *columns: str) -> None:
    """An index on each of `columns` of `table`, in that order."""
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def drop_indexes(table: str, *columns: str) -> None:
    """Drop the indexes `create_indexes` made, in the order given."""
    for column in columns:
        op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
