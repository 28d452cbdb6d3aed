"""citizen: the follow-up bucket leaves the database (flood_tokens, flood_at, flood_noticed_at;
it is kept in memory or Redis now), and last_seen_at keeps the day only (midnight UTC): both
held times that a dump could match with the time of an anonymous case's message

The downgrade adds the bucket's columns back empty (an empty bucket is a full one); the
times last_seen_at lost are not restored.
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"


def upgrade() -> None:
    # Not recreated on SQLite (it drops a column itself since 3.35): the triggers of 0012 on
    # `citizen` and `subscription` refer to the table, and a copy renamed into place breaks them.
    with op.batch_alter_table("citizen", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("flood_noticed_at")
        batch_op.drop_column("flood_at")
        batch_op.drop_column("flood_tokens")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE citizen SET last_seen_at = date_trunc('day', last_seen_at, 'UTC')")
    else:  # SQLite keeps the UTC time as text, "YYYY-MM-DD HH:MM:SS.ffffff"
        op.execute(
            "UPDATE citizen SET last_seen_at = substr(last_seen_at, 1, 10) || ' 00:00:00.000000'"
        )


def downgrade() -> None:
    with op.batch_alter_table("citizen", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("flood_tokens", sa.Float()))
        batch_op.add_column(sa.Column("flood_at", sa.DateTime(timezone=True)))
        batch_op.add_column(sa.Column("flood_noticed_at", sa.DateTime(timezone=True)))
