"""announcement: areas, topics and texts as JSON columns; an end for recurring alerts"""

import sqlalchemy as sa
from alembic import op

revision: str = "0006b"
down_revision: str | None = "0006"

COLUMNS = ("areas", "topics", "texts")


def upgrade() -> None:
    # SQLite keeps JSON as text already; PostgreSQL converts the text it holds.
    with op.batch_alter_table("announcement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ends_at", sa.DateTime(timezone=True)))
        for column in COLUMNS:
            batch_op.alter_column(
                column,
                existing_type=sa.Text(),
                type_=sa.JSON(),
                postgresql_using=f"{column}::json",
            )


def downgrade() -> None:
    with op.batch_alter_table("announcement", schema=None) as batch_op:
        batch_op.drop_column("ends_at")
        for column in COLUMNS:
            batch_op.alter_column(
                column,
                existing_type=sa.JSON(),
                type_=sa.Text(),
                postgresql_using=f"{column}::text",
            )
