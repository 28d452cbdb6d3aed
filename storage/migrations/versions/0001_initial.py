"""citizens, cases and case messages"""

import sqlalchemy as sa
from alembic import op

from storage.migrations.tables import (
    cascade,
    create_indexes,
    create_table_with_id,
    drop_indexes,
    key,
    unique,
)

revision: str = "0001"
down_revision: str | None = None


def upgrade() -> None:
    op.create_table(
        "case_counter",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        key("case_counter", "year"),
    )
    create_table_with_id(
        "citizen",
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("first_name", sa.String(length=128), nullable=False),
        sa.Column("username", sa.String(length=64)),
        sa.Column("language", sa.String(length=8)),
        sa.Column("consent_at", sa.DateTime(timezone=True)),
        sa.Column("pseudonym", sa.String(length=16), nullable=False),
        sa.Column("blocked_bot", sa.Boolean(), nullable=False),
        sa.Column("banned", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        unique("citizen", "pseudonym"),
        unique("citizen", "telegram_id"),
    )
    op.create_table(
        "processed_update",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        key("processed_update", "update_id"),
    )
    create_indexes("processed_update", "processed_at")
    create_table_with_id(
        "case",
        sa.Column("ref", sa.String(length=20), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("area", sa.String(length=32), nullable=False),
        sa.Column("latitude", sa.Float()),
        sa.Column("longitude", sa.Float()),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("privacy", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("desk", sa.String(length=32), nullable=False),
        sa.Column("assignee_id", sa.BigInteger()),
        sa.Column("staff_chat_id", sa.BigInteger(), nullable=False),
        sa.Column("thread_id", sa.BigInteger()),
        sa.Column("card_message_id", sa.BigInteger()),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text()),
        sa.Column("rating", sa.Integer()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_reply_at", sa.DateTime(timezone=True)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        cascade("case", "citizen_id", "citizen"),
        unique("case", "ref"),
        unique("case", "staff_chat_id", "thread_id"),
    )
    create_indexes("case", "citizen_id", "status")
    create_table_with_id(
        "case_message",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("source_chat_id", sa.BigInteger(), nullable=False),
        sa.Column("source_message_id", sa.BigInteger(), nullable=False),
        sa.Column("target_chat_id", sa.BigInteger()),
        sa.Column("target_message_id", sa.BigInteger()),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("file_id", sa.String(length=256)),
        sa.Column("text", sa.Text()),
        sa.Column("author_id", sa.BigInteger()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        cascade("case_message", "case_id", "case"),
        unique("case_message", "source_chat_id", "source_message_id"),
    )
    create_indexes("case_message", "case_id")


def downgrade() -> None:
    drop_indexes("case_message", "case_id")
    op.drop_table("case_message")
    drop_indexes("case", "status", "citizen_id")
    op.drop_table("case")
    drop_indexes("processed_update", "processed_at")
    op.drop_table("processed_update")
    op.drop_table("citizen")
    op.drop_table("case_counter")
