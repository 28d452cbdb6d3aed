"""author names: who wrote a staff message, so a transferred case's history can say it"""

import sqlalchemy as sa
from alembic import op

revision: str = "0010c"
down_revision: str | None = "0009"


def upgrade() -> None:
    with op.batch_alter_table("case_message") as batch:
        batch.add_column(sa.Column("author_name", sa.String(length=128)))


def downgrade() -> None:
    with op.batch_alter_table("case_message") as batch:
        batch.drop_column("author_name")
