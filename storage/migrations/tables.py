"""Pieces of tables that the migrations (versions/) write alike, with the names the models'
naming convention gives them (storage.models.base.NAMING).

Databases have run the migrations that use these, so what a function builds never changes:
a new shape is a new function.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def key(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    """`table`'s primary key: its `id` column unless `columns` are named."""
    return sa.PrimaryKeyConstraint(*(columns or ("id",)), name=op.f(f"pk_{table}"))


def cascade(table: str, column: str, referred: str) -> sa.ForeignKeyConstraint:
    """`table.column` refers to `referred.id`, and the row goes when that row goes."""
    return sa.ForeignKeyConstraint(
        [column],
        [f"{referred}.id"],
        name=op.f(f"fk_{table}_{column}_{referred}"),
        ondelete="CASCADE",
    )


def create_indexes(table: str, *columns: str) -> None:
    """An index on each of `columns` of `table`, in that order."""
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def drop_indexes(table: str, *columns: str) -> None:
    """Drop the indexes `create_indexes` made, in the order given."""
    for column in columns:
        op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
