"""residents' rights: the sealed link of anonymous cases, pseudonymised cases and deliveries,
bans that outlive /forget

Create Date: 2026-12-08 10:00:00

Anonymous cases made before this version still name their resident in `case.citizen_id`; the
bot seals them at start-up with the anonymity key (bot.workflows.erasure.seal_legacy), since
the key is not the migration's to hold. A downgrade cannot unseal: it fails on a database that
has anonymous or pseudonymised cases (case.citizen_id becomes required again).
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0010r"
down_revision: str | None = "0010c"


def upgrade() -> None:
    op.create_table(
        "case_seal",
        sa.Column("case_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case.id"], name=op.f("fk_case_seal_case_id_case"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_seal")),
    )
    with op.batch_alter_table("citizen", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sealed_cases", sa.Text(), nullable=True))
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pseudonymised_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_case_pseudonymised_at"), ["pseudonymised_at"], unique=False
        )
        batch_op.alter_column("citizen_id", existing_type=sa.Integer(), nullable=True)
        batch_op.drop_constraint("fk_case_citizen_id_citizen", type_="foreignkey")
        batch_op.create_foreign_key(
            batch_op.f("fk_case_citizen_id_citizen"),
            "citizen",
            ["citizen_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("case_ban", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sealed_person", sa.Text(), nullable=True))
        batch_op.alter_column("citizen_id", existing_type=sa.Integer(), nullable=True)
        batch_op.drop_constraint("fk_case_ban_citizen_id_citizen", type_="foreignkey")
        batch_op.create_foreign_key(
            batch_op.f("fk_case_ban_citizen_id_citizen"),
            "citizen",
            ["citizen_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.alter_column("citizen_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.alter_column("citizen_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("case_ban", schema=None) as batch_op:
        batch_op.drop_constraint("fk_case_ban_citizen_id_citizen", type_="foreignkey")
        batch_op.create_foreign_key(
            batch_op.f("fk_case_ban_citizen_id_citizen"),
            "citizen",
            ["citizen_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.alter_column("citizen_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("sealed_person")
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_constraint("fk_case_citizen_id_citizen", type_="foreignkey")
        batch_op.create_foreign_key(
            batch_op.f("fk_case_citizen_id_citizen"),
            "citizen",
            ["citizen_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.alter_column("citizen_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_index(batch_op.f("ix_case_pseudonymised_at"))
        batch_op.drop_column("pseudonymised_at")
    with op.batch_alter_table("citizen", schema=None) as batch_op:
        batch_op.drop_column("sealed_cases")
    op.drop_table("case_seal")
