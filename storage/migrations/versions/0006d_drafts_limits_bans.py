"""case: draft key, location note and rounding; citizen: follow-up flood bucket; bans by case"""

import sqlalchemy as sa
from alembic import op

from storage.migrations.tables import cascade, create_indexes, create_table_with_id, drop_indexes

revision: str = "0006d"
down_revision: str | None = "0006c"


def upgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("location_rounded", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("location_note", sa.Text()))
        batch_op.add_column(sa.Column("draft_key", sa.String(length=32)))
        batch_op.create_unique_constraint("uq_case_draft_key", ["draft_key"])
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.alter_column("location_rounded", server_default=None)
    with op.batch_alter_table("citizen", schema=None) as batch_op:
        batch_op.add_column(sa.Column("flood_tokens", sa.Float()))
        batch_op.add_column(sa.Column("flood_at", sa.DateTime(timezone=True)))
        batch_op.add_column(sa.Column("flood_noticed_at", sa.DateTime(timezone=True)))
    create_table_with_id(
        "case_ban",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("banned_by", sa.BigInteger()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True)),
        sa.Column("lifted_by", sa.BigInteger()),
        cascade("case_ban", "case_id", "case"),
        cascade("case_ban", "citizen_id", "citizen"),
    )
    create_indexes("case_ban", "case_id", "citizen_id")
    # Bans made before this version were on the person: keep them, as made from their cases.
    op.execute(
        "INSERT INTO case_ban (case_id, citizen_id, created_at) "
        'SELECT MAX(c.id), c.citizen_id, MAX(c.created_at) FROM "case" c '
        "JOIN citizen p ON p.id = c.citizen_id WHERE p.banned GROUP BY c.citizen_id"
    )


def downgrade() -> None:
    drop_indexes("case_ban", "citizen_id", "case_id")
    op.drop_table("case_ban")
    with op.batch_alter_table("citizen", schema=None) as batch_op:
        batch_op.drop_column("flood_noticed_at")
        batch_op.drop_column("flood_at")
        batch_op.drop_column("flood_tokens")
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_constraint("uq_case_draft_key", type_="unique")
        batch_op.drop_column("draft_key")
        batch_op.drop_column("location_note")
        batch_op.drop_column("location_rounded")
