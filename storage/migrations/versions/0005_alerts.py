"""alerts: subscriptions, announcements, occurrences, deliveries"""

import sqlalchemy as sa
from alembic import op

from storage.migrations.tables import (
    cascade,
    create_indexes,
    create_table_with_id,
    drop_indexes,
    unique,
)

revision: str = "0005"
down_revision: str | None = "0004"

QUIET_HOURS = ("quiet_start", "quiet_end")


def upgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("alert_id", sa.Integer()))
    create_table_with_id(
        "announcement",
        sa.Column("author_id", sa.BigInteger()),
        sa.Column("areas", sa.Text(), nullable=False),
        sa.Column("topics", sa.Text(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("texts", sa.Text(), nullable=False),
        sa.Column("photo_file_id", sa.String(length=256)),
        sa.Column("schedule", sa.String(length=64), nullable=False),
        sa.Column("next_run_at", sa.DateTime(timezone=True)),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    create_indexes("announcement", "next_run_at")
    create_table_with_id(
        "occurrence",
        sa.Column("announcement_id", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("reported", sa.Boolean(), nullable=False),
        cascade("occurrence", "announcement_id", "announcement"),
        unique("occurrence", "announcement_id", "due_at"),
    )
    create_indexes("occurrence", "announcement_id")
    create_table_with_id(
        "subscription",
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        cascade("subscription", "citizen_id", "citizen"),
        unique("subscription", "citizen_id", "kind", "code"),
    )
    create_indexes("subscription", "citizen_id")
    create_table_with_id(
        "delivery",
        sa.Column("occurrence_id", sa.Integer(), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("fallback", sa.Boolean(), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("message_id", sa.BigInteger()),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("feedback", sa.String(length=8)),
        cascade("delivery", "citizen_id", "citizen"),
        cascade("delivery", "occurrence_id", "occurrence"),
        unique("delivery", "occurrence_id", "chat_id"),
    )
    create_indexes("delivery", "occurrence_id", "status")
    with op.batch_alter_table("citizen", schema=None) as batch_op:
        for column in QUIET_HOURS:
            batch_op.add_column(sa.Column(column, sa.String(length=5)))


def downgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_column("alert_id")
    with op.batch_alter_table("citizen", schema=None) as batch_op:
        for column in reversed(QUIET_HOURS):
            batch_op.drop_column(column)
    drop_indexes("delivery", "status", "occurrence_id")
    op.drop_table("delivery")
    drop_indexes("subscription", "citizen_id")
    op.drop_table("subscription")
    drop_indexes("occurrence", "announcement_id")
    op.drop_table("occurrence")
    drop_indexes("announcement", "next_run_at")
    op.drop_table("announcement")
