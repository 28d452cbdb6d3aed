"""insights: the live broadcast report, and the trust pulse (who was asked; answers counted)"""

import sqlalchemy as sa
from alembic import op

from storage.migrations.tables import cascade, key

revision: str = "0009"
down_revision: str | None = "0008"


def upgrade() -> None:
    op.create_table(
        "broadcast_progress",
        sa.Column("occurrence_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger()),
        sa.Column("posted_at", sa.DateTime(timezone=True)),
        sa.Column("edited_at", sa.DateTime(timezone=True)),
        sa.Column("pending", sa.Boolean(), nullable=False),
        sa.Column("lost", sa.Boolean(), nullable=False),
        sa.Column("report", sa.Text()),
        sa.Column("report_shown", sa.Boolean(), nullable=False),
        cascade("broadcast_progress", "occurrence_id", "occurrence"),
        key("broadcast_progress", "occurrence_id"),
    )
    op.create_table(
        "pulse_ask",
        sa.Column("citizen_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("question", sa.String(length=16), nullable=False),
        sa.Column("area", sa.String(length=32), nullable=False),
        sa.Column("waiting", sa.Boolean(), nullable=False),
        cascade("pulse_ask", "citizen_id", "citizen"),
        key("pulse_ask", "citizen_id"),
    )
    op.create_table(
        "pulse_tally",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("area", sa.String(length=32), nullable=False),
        sa.Column("question", sa.String(length=16), nullable=False),
        sa.Column("score", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        key("pulse_tally", "month", "area", "question", "score"),
    )


def downgrade() -> None:
    op.drop_table("pulse_tally")
    op.drop_table("pulse_ask")
    op.drop_table("broadcast_progress")
