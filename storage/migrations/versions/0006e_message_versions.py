"""message_version: every edit of a relayed message kept; case.edited_at for the card;
announcement.approved_by for urgent alerts a second coordinator approved; referral.reason

Create Date: 2026-12-01 01:00:00
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0006e"
down_revision: str | None = "0006d"


def upgrade() -> None:
    op.create_table(
        "message_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_message_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_message_id"],
            ["case_message.id"],
            name=op.f("fk_message_version_case_message_id_case_message"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_version")),
    )
    with op.batch_alter_table("message_version", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_message_version_case_message_id"), ["case_message_id"], unique=False
        )
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("announcement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("approved_by", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_column("reason")
    with op.batch_alter_table("announcement", schema=None) as batch_op:
        batch_op.drop_column("approved_by")
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_column("edited_at")
    with op.batch_alter_table("message_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_version_case_message_id"))
    op.drop_table("message_version")
