"""case: draft key, location note and rounding; citizen: follow-up flood bucket; bans by case

Create Date: 2026-11-30 23:30:00
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0006d"
down_revision: str | None = "0006c"


def upgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("location_rounded", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("location_note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("draft_key", sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint("uq_case_draft_key", ["draft_key"])
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.alter_column("location_rounded", server_default=None)
    with op.batch_alter_table("citizen", schema=None) as batch_op:
        batch_op.add_column(sa.Column("flood_tokens", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("flood_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("flood_noticed_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "case_ban",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("banned_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case.id"], name=op.f("fk_case_ban_case_id_case"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["citizen.id"],
            name=op.f("fk_case_ban_citizen_id_citizen"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_ban")),
    )
    with op.batch_alter_table("case_ban", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_ban_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_ban_citizen_id"), ["citizen_id"], unique=False)
    # Bans made before this version were on the person: keep them, as made from their cases.
    op.execute(
        "INSERT INTO case_ban (case_id, citizen_id, created_at) "
        'SELECT MAX(c.id), c.citizen_id, MAX(c.created_at) FROM "case" c '
        "JOIN citizen p ON p.id = c.citizen_id WHERE p.banned GROUP BY c.citizen_id"
    )


def downgrade() -> None:
    with op.batch_alter_table("case_ban", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_ban_citizen_id"))
        batch_op.drop_index(batch_op.f("ix_case_ban_case_id"))
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
