"""announcement: areas, topics and texts as JSON columns; an end for recurring alerts"""

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

revision: str = "0006b"
down_revision: str | None = "0006"

COLUMNS = ("areas", "topics", "texts")


def _retype(
    batch_op: BatchOperations, old: sa.types.TypeEngine, new: sa.types.TypeEngine, cast: str
) -> None:
    """`COLUMNS` from `old` to `new`: SQLite keeps JSON as text already; PostgreSQL casts the
    values it holds to `cast`."""
    for column in COLUMNS:
        batch_op.alter_column(
            column,
            existing_type=old,
            type_=new,
            postgresql_using=f"{column}::{cast}",
        )


def upgrade() -> None:
    with op.batch_alter_table("announcement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ends_at", sa.DateTime(timezone=True)))
        _retype(batch_op, sa.Text(), sa.JSON(), "json")


def downgrade() -> None:
    with op.batch_alter_table("announcement", schema=None) as batch_op:
        batch_op.drop_column("ends_at")
        _retype(batch_op, sa.JSON(), sa.Text(), "text")
