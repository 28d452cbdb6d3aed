"""outbox: every Bot API call is written in the update's transaction and sent after commit"""

import sqlalchemy as sa
from alembic import op

from storage.migrations.tables import cascade, create_indexes, create_table_with_id, drop_indexes

revision: str = "0006"
down_revision: str | None = "0005a"


def upgrade() -> None:
    create_table_with_id(
        "outbox",
        sa.Column("lane", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("priority", sa.SmallInteger(), nullable=False),
        sa.Column("guarantee", sa.String(length=16), nullable=False),
        sa.Column("case_id", sa.Integer()),
        sa.Column("into_topic", sa.Boolean(), nullable=False),
        sa.Column("effect", sa.String(length=24)),
        sa.Column("effect_data", sa.JSON()),
        sa.Column("attachment", sa.LargeBinary()),
        sa.Column("attachment_name", sa.String(length=128)),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("possibly_repeated", sa.Boolean(), nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        cascade("outbox", "case_id", "case"),
    )
    op.create_index("ix_outbox_queue", "outbox", ["status", "lane", "priority", "id"])
    create_indexes("outbox", "case_id", "created_at")


def downgrade() -> None:
    drop_indexes("outbox", "created_at", "case_id")
    op.drop_index("ix_outbox_queue", table_name="outbox")
    op.drop_table("outbox")
