"""referrals, audit trail, response-time and off-duty bookkeeping"""

import sqlalchemy as sa
from alembic import op

from storage.migrations.tables import (
    cascade,
    create_indexes,
    create_table_with_id,
    drop_indexes,
    unique,
)

revision: str = "0003"
down_revision: str | None = "0002"

CASE_TIMES = ("sla_reminded_at", "sla_escalated_at", "off_duty_notice_until")


def upgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        for column in CASE_TIMES:
            batch_op.add_column(sa.Column(column, sa.DateTime(timezone=True)))
    create_table_with_id(
        "referral",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("partner", sa.String(length=32), nullable=False),
        sa.Column("partner_chat_id", sa.BigInteger(), nullable=False),
        sa.Column("info_only", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("thread_id", sa.BigInteger()),
        sa.Column("proposed_by", sa.BigInteger()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True)),
        cascade("referral", "case_id", "case"),
        unique("referral", "partner_chat_id", "thread_id"),
    )
    create_indexes("referral", "case_id")
    create_table_with_id(
        "audit_event",
        sa.Column("case_id", sa.Integer()),
        sa.Column("actor_id", sa.BigInteger()),
        sa.Column("actor_name", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        cascade("audit_event", "case_id", "case"),
    )
    create_indexes("audit_event", "case_id")


def downgrade() -> None:
    drop_indexes("audit_event", "case_id")
    op.drop_table("audit_event")
    drop_indexes("referral", "case_id")
    op.drop_table("referral")
    with op.batch_alter_table("case", schema=None) as batch_op:
        for column in reversed(CASE_TIMES):
            batch_op.drop_column(column)
