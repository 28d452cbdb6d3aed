"""cap_message: published CAP 1.2 alerts; service_request: referrals to Open311 endpoints;
referral.partner_chat_id may be empty (a partner that is only an Open311 endpoint)
"""

import sqlalchemy as sa
from alembic import op

from storage.migrations.tables import (
    cascade,
    create_indexes,
    create_table_with_id,
    drop_indexes,
    unique,
)

revision: str = "0008"
down_revision: str | None = "0006e"


def upgrade() -> None:
    create_table_with_id(
        "cap_message",
        sa.Column("announcement_id", sa.Integer(), nullable=False),
        sa.Column("occurrence_id", sa.Integer()),
        sa.Column("identifier", sa.String(length=160), nullable=False),
        sa.Column("msg_type", sa.String(length=8), nullable=False),
        sa.Column("headline", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True)),
        sa.Column("xml", sa.Text(), nullable=False),
        cascade("cap_message", "announcement_id", "announcement"),
        cascade("cap_message", "occurrence_id", "occurrence"),
        unique("cap_message", "identifier"),
    )
    create_indexes("cap_message", "announcement_id")
    create_table_with_id(
        "service_request",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("desk", sa.String(length=32), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("media_file_id", sa.String(length=256)),
        sa.Column("media_token", sa.String(length=64)),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("error_shown", sa.Boolean(), nullable=False),
        sa.Column("possibly_repeated", sa.Boolean(), nullable=False),
        sa.Column("service_request_id", sa.String(length=64)),
        sa.Column("token", sa.String(length=64)),
        sa.Column("remote_status", sa.String(length=16)),
        sa.Column("status_notes", sa.Text()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True)),
        cascade("service_request", "case_id", "case"),
        cascade("service_request", "referral_id", "referral"),
        unique("service_request", "media_token"),
        unique("service_request", "referral_id"),
    )
    create_indexes("service_request", "case_id", "status")
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.alter_column("partner_chat_id", existing_type=sa.BigInteger(), nullable=True)


def downgrade() -> None:
    # Referrals to partners without a group cannot keep a NOT NULL chat; they go with the table.
    op.execute("DELETE FROM referral WHERE partner_chat_id IS NULL")
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.alter_column("partner_chat_id", existing_type=sa.BigInteger(), nullable=False)
    drop_indexes("service_request", "status", "case_id")
    op.drop_table("service_request")
    drop_indexes("cap_message", "announcement_id")
    op.drop_table("cap_message")
