"""stats tallies: counts kept by triggers so /stats reads a few rows per desk, hour and area
instead of every case and resident of its period (bench.seeded)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-12 09:00:00

- `area_followers (code, count)`: area subscriptions of residents who consented and have not
  blocked the bot (triggers on `subscription` and on `citizen`'s `consent_at`, `blocked_bot`;
  deleting a resident first deletes their subscriptions, so each is counted off while the
  resident is still there);
- `case_tally (desk, hour, …)`: per desk and UTC hour, the cases opened, closed (with their
  rating by stars), reminded and escalated; `case_open (desk, count)`: open cases per desk.
  A trigger on `case` takes the old row's counts off and adds the new row's on every insert,
  update of a counted column (desk included) and delete;
- indexes on `subscription (created_at)`, `case (sla_reminded_at)`, `case (sla_escalated_at)`
  for the part of a period the tallies do not cover (the hour still running, subscriptions
  made after a past period);
- `case (created_at)` again, on PostgreSQL with the columns /stats reads of the cases opened
  in its period included, so it reads them from the index alone.

The triggers write in the same transaction as every writer, the bot's and any SQL an operator
runs. They are created before the backfill, so a writer waiting on their locks is counted by
them, never twice.
"""

import sqlalchemy as sa
from alembic import op

from storage.migrations import triggers

revision: str = "0012"
down_revision: str | None = "0011"

STARS = range(1, 6)
# What /stats reads of the cases opened in its period, kept in the created_at index
# (PostgreSQL: an index-only scan instead of a visit to every case's row).
COVERED = ["desk", "category", "area", "language", "privacy", "first_reply_at", "closed_at"]
TALLIES = ["opened", "closed", "reminded", "escalated", *(f"rated_{n}" for n in STARS)]


def _can_reach(citizen: str) -> str:
    """The resident can be sent alerts: consented and has not blocked the bot."""
    return f"{citizen}.consent_at IS NOT NULL AND NOT {citizen}.blocked_bot"


def _bump_followers(row: str, delta: int) -> list[str]:
    """Count `row`'s subscription on or off when it is an area and its resident reachable."""
    reachable = f"EXISTS (SELECT 1 FROM citizen AS c WHERE c.id = {row}.citizen_id AND "
    counted = f"{row}.kind = 'area' AND {reachable}{_can_reach('c')})"
    return [triggers.upsert("area_followers", ["code"], {"code": f"{row}.code", "count": str(delta)}, counted)]


def _flip_followers() -> list[str]:
    """A resident became reachable (+1 for each area they follow) or stopped being (−1)."""
    delta = f"CASE WHEN {_can_reach('NEW')} THEN 1 ELSE -1 END"
    return [
        f"INSERT INTO area_followers (code, count) SELECT code, {delta} FROM subscription "
        "WHERE citizen_id = NEW.id AND kind = 'area' "
        "ON CONFLICT (code) DO UPDATE SET count = area_followers.count + excluded.count"
    ]


def _hour(moment: str, postgres: bool) -> str:
    """The UTC hour `moment` falls in, as the column stores it."""
    if postgres:
        return f"date_trunc('hour', {moment}, 'UTC')"
    return f"substr({moment}, 1, 13) || ':00:00.000000'"  # SQLite's stored text


def _bump_case(row: str, delta: int, postgres: bool) -> list[str]:
    """Count `row` (OLD or NEW) on or off: the hours of its events, and the open cases."""
    events = {
        "created_at": "opened",
        "closed_at": "closed",
        "sla_reminded_at": "reminded",
        "sla_escalated_at": "escalated",
    }
    statements = []
    for column, counter in events.items():
        values = {"hour": _hour(f"{row}.{column}", postgres), "desk": f"{row}.desk"}
        values |= {name: str(delta) if name == counter else "0" for name in TALLIES}
        if counter == "closed":
            values |= {
                f"rated_{n}": f"CASE WHEN {row}.rating = {n} THEN {delta} ELSE 0 END"
                for n in STARS
            }
        statements.append(triggers.upsert("case_tally", ["hour", "desk"], values, f"{row}.{column} IS NOT NULL"))
    values = {"desk": f"{row}.desk", "count": str(delta)}
    return [*statements, triggers.upsert("case_open", ["desk"], values, f"{row}.closed_at IS NULL")]


FORGET = "DELETE FROM subscription WHERE citizen_id = OLD.id"
COUNTED = "desk, created_at, closed_at, rating, sla_reminded_at, sla_escalated_at"


def _triggers(postgres: bool) -> dict[str, tuple[str, str, list[str], str]]:
    """name → (timing and event, table, statements, condition)."""
    reachability = f"({_can_reach('OLD')}) <> ({_can_reach('NEW')})"
    return {
        "area_followers_subscribed": ("AFTER INSERT", "subscription", _bump_followers("NEW", 1), ""),
        "area_followers_unsubscribed": (
            "AFTER DELETE",
            "subscription",
            _bump_followers("OLD", -1),
            "",
        ),
        "area_followers_resubscribed": (
            "AFTER UPDATE OF kind, code, citizen_id",
            "subscription",
            [*_bump_followers("OLD", -1), *_bump_followers("NEW", 1)],
            "",
        ),
        "area_followers_reachable": (
            "AFTER UPDATE OF consent_at, blocked_bot",
            "citizen",
            _flip_followers(),
            reachability,
        ),
        "area_followers_forgotten": ("BEFORE DELETE", "citizen", [FORGET], ""),
        "case_tally_opened": ("AFTER INSERT", "case", _bump_case("NEW", 1, postgres), ""),
        "case_tally_deleted": ("AFTER DELETE", "case", _bump_case("OLD", -1, postgres), ""),
        "case_tally_changed": (
            f"AFTER UPDATE OF {COUNTED}",
            "case",
            [*_bump_case("OLD", -1, postgres), *_bump_case("NEW", 1, postgres)],
            "",
        ),
    }


def _backfill(postgres: bool) -> list[str]:
    """The tallies of the rows already there, each event of a case as one row, summed."""

    def events(column: str, counter: str) -> str:
        values = {name: "0" for name in TALLIES} | {counter: "1"}
        if counter == "closed":
            values |= {f"rated_{n}": f"CASE WHEN rating = {n} THEN 1 ELSE 0 END" for n in STARS}
        counts = ", ".join(f"{value} AS {name}" for name, value in values.items())
        return (
            f'SELECT desk, {_hour(column, postgres)} AS hour, {counts} FROM "case" '
            f"WHERE {column} IS NOT NULL"
        )

    union = " UNION ALL ".join(
        events(column, counter)
        for column, counter in [
            ("created_at", "opened"),
            ("closed_at", "closed"),
            ("sla_reminded_at", "reminded"),
            ("sla_escalated_at", "escalated"),
        ]
    )
    names = ", ".join(TALLIES)
    sums = ", ".join(f"sum({name})" for name in TALLIES)
    return [
        "INSERT INTO area_followers (code, count) "
        "SELECT s.code, count(*) FROM subscription AS s JOIN citizen AS c ON c.id = s.citizen_id "
        f"WHERE s.kind = 'area' AND {_can_reach('c')} GROUP BY s.code",
        f"INSERT INTO case_tally (desk, hour, {names}) SELECT desk, hour, {sums} "
        f"FROM ({union}) AS e GROUP BY desk, hour",
        'INSERT INTO case_open (desk, count) SELECT desk, count(*) FROM "case" '
        "WHERE closed_at IS NULL GROUP BY desk",
    ]


def upgrade() -> None:
    op.create_table(
        "area_followers",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_area_followers")),
    )
    op.create_table(
        "case_tally",
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("desk", sa.String(length=32), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in TALLIES),
        sa.PrimaryKeyConstraint("hour", "desk", name=op.f("pk_case_tally")),
    )
    op.create_table(
        "case_open",
        sa.Column("desk", sa.String(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("desk", name=op.f("pk_case_open")),
    )
    op.create_index("ix_subscription_created_at", "subscription", ["created_at"])
    op.create_index("ix_case_sla_reminded_at", "case", ["sla_reminded_at"])
    op.drop_index("ix_case_created_at", table_name="case")
    op.create_index("ix_case_created_at", "case", ["created_at"], postgresql_include=COVERED)
    op.create_index("ix_case_sla_escalated_at", "case", ["sla_escalated_at"])
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, (when, table, body, condition) in _triggers(postgres).items():
        triggers.create_trigger(name, when, table, body, postgres, condition)
    for statement in _backfill(postgres):
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, (_when, table, _body, _condition) in _triggers(postgres).items():
        triggers.drop_trigger(name, table, postgres)
    op.drop_index("ix_case_sla_escalated_at", table_name="case")
    op.drop_index("ix_case_sla_reminded_at", table_name="case")
    op.drop_index("ix_case_created_at", table_name="case")
    op.create_index("ix_case_created_at", "case", ["created_at"])
    op.drop_index("ix_subscription_created_at", table_name="subscription")
    op.drop_table("case_open")
    op.drop_table("case_tally")
    op.drop_table("area_followers")
