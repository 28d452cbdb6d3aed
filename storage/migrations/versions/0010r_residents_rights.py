"""residents' rights: the sealed link of anonymous cases, pseudonymised cases and deliveries,
bans that outlive /forget

Anonymous cases made before this version still name their resident in `case.citizen_id`; the
bot seals them at start-up with the anonymity key (bot.workflows.erasure.seal_legacy), since
the key is not the migration's to hold. A downgrade cannot unseal: it fails on a database that
has anonymous or pseudonymised cases (case.citizen_id becomes required again).
"""

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

from storage.migrations.tables import cascade, key

revision: str = "0010r"
down_revision: str | None = "0010c"


def _refer_to_citizen(batch_op: BatchOperations, table: str, ondelete: str) -> None:
    """`table.citizen_id`'s foreign key made again, to act `ondelete` from now on."""
    batch_op.drop_constraint(f"fk_{table}_citizen_id_citizen", type_="foreignkey")
    batch_op.create_foreign_key(
        batch_op.f(f"fk_{table}_citizen_id_citizen"),
        "citizen",
        ["citizen_id"],
        ["id"],
        ondelete=ondelete,
    )


def upgrade() -> None:
    op.create_table(
        "case_seal",
        sa.Column("case_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sealed", sa.Text(), nullable=False),
        cascade("case_seal", "case_id", "case"),
        key("case_seal", "case_id"),
    )
    with op.batch_alter_table("citizen", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sealed_cases", sa.Text()))
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pseudonymised_at", sa.DateTime(timezone=True)))
        batch_op.create_index(
            batch_op.f("ix_case_pseudonymised_at"), ["pseudonymised_at"], unique=False
        )
        batch_op.alter_column("citizen_id", existing_type=sa.Integer(), nullable=True)
        _refer_to_citizen(batch_op, "case", ondelete="SET NULL")
    with op.batch_alter_table("case_ban", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sealed_person", sa.Text()))
        batch_op.alter_column("citizen_id", existing_type=sa.Integer(), nullable=True)
        _refer_to_citizen(batch_op, "case_ban", ondelete="SET NULL")
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.alter_column("citizen_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.alter_column("citizen_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("case_ban", schema=None) as batch_op:
        _refer_to_citizen(batch_op, "case_ban", ondelete="CASCADE")
        batch_op.alter_column("citizen_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("sealed_person")
    with op.batch_alter_table("case", schema=None) as batch_op:
        _refer_to_citizen(batch_op, "case", ondelete="CASCADE")
        batch_op.alter_column("citizen_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_index(batch_op.f("ix_case_pseudonymised_at"))
        batch_op.drop_column("pseudonymised_at")
    with op.batch_alter_table("citizen", schema=None) as batch_op:
        batch_op.drop_column("sealed_cases")
    op.drop_table("case_seal")
