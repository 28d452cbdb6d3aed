"""delivery.feedback holds "not_useful" (10 characters; PostgreSQL refused it in 8)"""

import sqlalchemy as sa
from alembic import op


revision: str = "0005a"
down_revision: str | None = "0005"


def upgrade() -> None:
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.alter_column(
            "feedback", existing_type=sa.String(length=8), type_=sa.String(length=16)
        )


def downgrade() -> None:
    # The older schema could not hold "not_useful": that feedback is lost on the way down.
    op.execute("UPDATE delivery SET feedback = NULL WHERE length(feedback) > 8")
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.alter_column(
            "feedback", existing_type=sa.String(length=16), type_=sa.String(length=8)
        )
