"""detected languages on cases and citizen messages"""

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"


def upgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language_guess", sa.String(length=8)))
    with op.batch_alter_table("case_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8)))


def downgrade() -> None:
    with op.batch_alter_table("case_message", schema=None) as batch_op:
        batch_op.drop_column("language")
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_column("language_guess")
