"""case: assignee name and per-case pseudonym"""

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"


def upgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assignee_name", sa.String(length=128)))
        batch_op.add_column(sa.Column("pseudonym", sa.String(length=16)))


def downgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_column("pseudonym")
        batch_op.drop_column("assignee_name")
