"""delivery.message_id goes: nothing read it after the alert was sent (feedback buttons carry
the delivery's id), and message ids count per private chat, so the ids of a resident's alerts
showed where their chat's counter stood at known times, the very thing that let a dump place
an anonymous case's messages in one resident's chat. The ids already stored go with it.

The downgrade brings the column back empty: the ids are not kept anywhere.
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"


def upgrade() -> None:
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_column("message_id")


def downgrade() -> None:
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_id", sa.BigInteger(), nullable=True))
