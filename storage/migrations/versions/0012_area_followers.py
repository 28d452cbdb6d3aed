"""area followers: how many reachable residents follow each area, kept by triggers, so /stats
reads one row per area instead of every resident (bench.seeded)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-12 09:00:00

- `area_followers (code, count)`: area subscriptions of residents who consented and have not
  blocked the bot. Triggers on `subscription` (insert, update, delete) and `citizen` (a change
  of `consent_at` or `blocked_bot`; a deletion first deletes the resident's subscriptions, so
  each is counted off while the resident is still there) keep it in the same transaction as
  every writer, the bot's and any SQL an operator runs;
- `subscription (created_at)`: /stats for a past period subtracts the subscriptions made
  after it ended.

The triggers are created before the backfill, so a writer waiting on their locks is counted
by them, never twice.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _can_reach(citizen: str) -> str:
    """The resident can be sent alerts: consented and has not blocked the bot."""
    return f"{citizen}.consent_at IS NOT NULL AND NOT {citizen}.blocked_bot"


def _reachable(citizen_id: str) -> str:
    return f"EXISTS (SELECT 1 FROM citizen AS c WHERE c.id = {citizen_id} AND {_can_reach('c')})"


def _bump(row: str, delta: int) -> list[str]:
    """Count `row`'s subscription on or off when it is an area and its resident reachable."""
    counted = f"{row}.kind = 'area' AND {_reachable(f'{row}.citizen_id')}"
    return [
        f"INSERT INTO area_followers (code, count) SELECT {row}.code, 0 WHERE {counted} "
        "ON CONFLICT (code) DO NOTHING",
        f"UPDATE area_followers SET count = count + ({delta}) "
        f"WHERE code = {row}.code AND {counted}",
    ]


def _flip() -> list[str]:
    """A resident became reachable (+1 for each area they follow) or stopped being (−1)."""
    areas = "SELECT code FROM subscription WHERE citizen_id = NEW.id AND kind = 'area'"
    delta = f"CASE WHEN {_can_reach('NEW')} THEN 1 ELSE -1 END"
    return [
        f"INSERT INTO area_followers (code, count) SELECT code, 0 FROM ({areas}) AS a "
        "WHERE true ON CONFLICT (code) DO NOTHING",
        f"UPDATE area_followers SET count = count + {delta} WHERE code IN ({areas})",
    ]


def _changed() -> str:
    return f"({_can_reach('OLD')}) <> ({_can_reach('NEW')})"


FORGET = "DELETE FROM subscription WHERE citizen_id = OLD.id"

# name → (timing and event, table, statements, condition)
TRIGGERS: dict[str, tuple[str, str, list[str], str]] = {
    "area_followers_subscribed": ("AFTER INSERT", "subscription", _bump("NEW", 1), ""),
    "area_followers_unsubscribed": ("AFTER DELETE", "subscription", _bump("OLD", -1), ""),
    "area_followers_resubscribed": (
        "AFTER UPDATE OF kind, code, citizen_id",
        "subscription",
        [*_bump("OLD", -1), *_bump("NEW", 1)],
        "",
    ),
    "area_followers_reachable": (
        "AFTER UPDATE OF consent_at, blocked_bot",
        "citizen",
        _flip(),
        _changed(),
    ),
    "area_followers_forgotten": ("BEFORE DELETE", "citizen", [FORGET], ""),
}

BACKFILL = f"""
INSERT INTO area_followers (code, count)
SELECT s.code, count(*) FROM subscription AS s JOIN citizen AS c ON c.id = s.citizen_id
WHERE s.kind = 'area' AND {_can_reach("c")}
GROUP BY s.code
"""


def _create_postgresql(name: str, when: str, table: str, body: list[str], condition: str) -> None:
    statements = "".join(f"  {statement};\n" for statement in body)
    if condition:
        statements = f"  IF {condition} THEN\n{statements}  END IF;\n"
    result = "OLD" if when.startswith("BEFORE") else "NULL"
    op.execute(
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
        f"{statements}  RETURN {result};\nEND $$"
    )
    op.execute(
        f'CREATE TRIGGER {name} {when} ON "{table}" FOR EACH ROW EXECUTE FUNCTION {name}()'
    )


def _create_sqlite(name: str, when: str, table: str, body: list[str], condition: str) -> None:
    statements = "".join(f"  {statement};\n" for statement in body)
    guard = f" WHEN {condition}" if condition else ""
    op.execute(
        f'CREATE TRIGGER {name} {when} ON "{table}" FOR EACH ROW{guard}\n'
        f"BEGIN\n{statements}END"
    )


def upgrade() -> None:
    op.create_table(
        "area_followers",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_area_followers")),
    )
    op.create_index("ix_subscription_created_at", "subscription", ["created_at"])
    postgres = op.get_bind().dialect.name == "postgresql"
    create = _create_postgresql if postgres else _create_sqlite
    for name, (when, table, body, condition) in TRIGGERS.items():
        create(name, when, table, body, condition)
    op.execute(BACKFILL)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, (_when, table, _body, _condition) in TRIGGERS.items():
        op.execute(f'DROP TRIGGER {name} ON "{table}"' if postgres else f"DROP TRIGGER {name}")
        if postgres:
            op.execute(f"DROP FUNCTION {name}()")
    op.drop_index("ix_subscription_created_at", table_name="subscription")
    op.drop_table("area_followers")
