"""message_version: every edit of a relayed message kept; case.edited_at for the card;
announcement.approved_by for urgent alerts a second coordinator approved; referral.reason
"""

import sqlalchemy as sa
from alembic import op

from storage.migrations.tables import cascade, create_indexes, create_table_with_id, drop_indexes

revision: str = "0006e"
down_revision: str | None = "0006d"


def upgrade() -> None:
    create_table_with_id(
        "message_version",
        sa.Column("case_message_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=False),
        cascade("message_version", "case_message_id", "case_message"),
    )
    create_indexes("message_version", "case_message_id")
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("edited_at", sa.DateTime(timezone=True)))
    with op.batch_alter_table("announcement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("approved_by", sa.BigInteger()))
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.Text()))


def downgrade() -> None:
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_column("reason")
    with op.batch_alter_table("announcement", schema=None) as batch_op:
        batch_op.drop_column("approved_by")
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_column("edited_at")
    drop_indexes("message_version", "case_message_id")
    op.drop_table("message_version")
