"""citizen: no pseudonym of its own (each anonymous case has a long one instead)"""

import sqlalchemy as sa
from alembic import op

revision: str = "0006c"
down_revision: str | None = "0006b"


def upgrade() -> None:
    with op.batch_alter_table("citizen", schema=None) as batch_op:
        batch_op.drop_constraint("uq_citizen_pseudonym", type_="unique")
        batch_op.drop_column("pseudonym")


def downgrade() -> None:
    with op.batch_alter_table("citizen", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pseudonym", sa.String(length=16)))
    op.execute("UPDATE citizen SET pseudonym = 'C-' || id")
    with op.batch_alter_table("citizen", schema=None) as batch_op:
        batch_op.alter_column("pseudonym", existing_type=sa.String(length=16), nullable=False)
        batch_op.create_unique_constraint("uq_citizen_pseudonym", ["pseudonym"])
