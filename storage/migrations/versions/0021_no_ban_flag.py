"""citizen.banned goes: whether a ban stands against a resident is worked out from case_ban
each time (bot.domain.bans), since a stored flag named, in a dump, the person behind an
anonymous case's ban (the banned residents no named ban accounts for).

The downgrade brings the flag back for the bans that name their resident; those made from
anonymous cases or kept sealed need the anonymity key, which a migration does not have, so
the older code lets those residents write until a ban is made or lifted again.
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"


def upgrade() -> None:
    # Not a batch (copy and rename) on SQLite: the tally triggers on `citizen` would stop it;
    # both databases drop a column in place (SQLite since 3.35, as RETURNING needs anyway).
    op.execute("ALTER TABLE citizen DROP COLUMN banned")


def downgrade() -> None:
    op.add_column(
        "citizen", sa.Column("banned", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    citizen = sa.table("citizen", sa.column("id", sa.Integer), sa.column("banned", sa.Boolean))
    ban = sa.table(
        "case_ban",
        sa.column("citizen_id", sa.Integer),
        sa.column("lifted_at", sa.DateTime(timezone=True)),
    )
    named = sa.select(ban.c.citizen_id).where(ban.c.lifted_at.is_(None))
    op.execute(citizen.update().where(citizen.c.id.in_(named)).values(banned=True))
