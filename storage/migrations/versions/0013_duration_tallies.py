"""duration tallies: first-reply and closing times binned per desk and UTC day, kept by
triggers, so /stats reads their histograms instead of sorting every case of its period

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-13 09:00:00

- `case_duration (opened_on, done_on, desk, measure, upto, count)`: the cases opened on UTC day
  `opened_on` whose first reply (`measure` 'reply') or closing ('closing') came on UTC day
  `done_on`, `upto` minutes or less after the opening and more than the bin below: 1-minute
  bins up to an hour, 5-minute bins up to 4 hours, 30-minute bins up to 2 days, then days.
  A trigger on `case` takes the old row's counts off and adds the new row's on every insert,
  update of a counted column (desk included) and delete, as 0012's do;
- indexes on `case (first_reply_at)` and `case (closed_at)` (0011's, again) holding the
  opening and the desk (PostgreSQL), for the replies and closings of the last or running day
  of cases opened before it, read from the index alone; the tallies' key holds the count.

The triggers are created before the backfill, as in 0012.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MINUTE = 60_000_000  # microseconds
BINS = [(60, 1), (240, 5), (2880, 30)]  # up to (minutes): bins of (minutes); then days
MEASURES = {"reply": "first_reply_at", "closing": "closed_at"}
COUNTED = "desk, created_at, first_reply_at, closed_at"
KEY = ["opened_on", "done_on", "desk", "measure", "upto"]
WITH_OPENING = ["created_at", "desk"]


def _micros(moment: str, postgres: bool) -> str:
    """`moment` in whole microseconds (SQLite stores "YYYY-MM-DD HH:MM:SS.ffffff")."""
    if postgres:
        return f"(extract(epoch FROM {moment}) * 1000000)::bigint"
    return (
        f"(CAST(strftime('%s', substr({moment}, 1, 19)) AS INTEGER) * 1000000 "
        f"+ CAST(substr({moment}, 21, 6) AS INTEGER))"
    )


def _upto(later: str, earlier: str, postgres: bool) -> str:
    """The upper edge (minutes, included) of the bin `later - earlier` falls in."""
    span = f"({_micros(later, postgres)} - {_micros(earlier, postgres)})"

    def rounded_up(minutes: int) -> str:
        unit = minutes * MINUTE
        return (
            f"(CASE WHEN {span} > 0 THEN ({span} + {unit - 1}) / {unit} "
            f"ELSE {span} / {unit} END) * {minutes}"
        )

    limbs = " ".join(
        f"WHEN {span} <= {limit * MINUTE} THEN {rounded_up(width)}" for limit, width in BINS
    )
    return f"CASE {limbs} ELSE {rounded_up(1440)} END"


def _day(moment: str, postgres: bool) -> str:
    """The UTC day `moment` falls in, as the column stores it."""
    if postgres:
        return f"date_trunc('day', {moment}, 'UTC')"
    return f"substr({moment}, 1, 10) || ' 00:00:00.000000'"


def _bump(row: str, delta: int, postgres: bool) -> list[str]:
    """Count `row` (OLD or NEW) on or off: its first reply and its closing."""
    statements = []
    for measure, column in MEASURES.items():
        values = ", ".join(
            [
                _day(f"{row}.created_at", postgres),
                _day(f"{row}.{column}", postgres),
                f"{row}.desk",
                f"'{measure}'",
                _upto(f"{row}.{column}", f"{row}.created_at", postgres),
                str(delta),
            ]
        )
        statements.append(
            "INSERT INTO case_duration (opened_on, done_on, desk, measure, upto, count) "
            f"SELECT {values} WHERE {row}.{column} IS NOT NULL "
            "ON CONFLICT (opened_on, done_on, desk, measure, upto) "
            "DO UPDATE SET count = case_duration.count + excluded.count"
        )
    return statements


def _triggers(postgres: bool) -> dict[str, tuple[str, list[str]]]:
    """name → (timing and event on `case`, statements)."""
    return {
        "case_duration_opened": ("AFTER INSERT", _bump("NEW", 1, postgres)),
        "case_duration_deleted": ("AFTER DELETE", _bump("OLD", -1, postgres)),
        "case_duration_changed": (
            f"AFTER UPDATE OF {COUNTED}",
            [*_bump("OLD", -1, postgres), *_bump("NEW", 1, postgres)],
        ),
    }


def _backfill(postgres: bool) -> str:
    """The tallies of the cases already there, summed."""
    selects = " UNION ALL ".join(
        f"SELECT {_day('created_at', postgres)} AS opened_on, {_day(column, postgres)} AS done_on, "
        f"desk, '{measure}' AS measure, {_upto(column, 'created_at', postgres)} AS upto "
        f'FROM "case" WHERE {column} IS NOT NULL'
        for measure, column in MEASURES.items()
    )
    return (
        "INSERT INTO case_duration (opened_on, done_on, desk, measure, upto, count) "
        f"SELECT opened_on, done_on, desk, measure, upto, count(*) FROM ({selects}) AS d "
        "GROUP BY opened_on, done_on, desk, measure, upto"
    )


def _create(name: str, when: str, body: list[str], postgres: bool) -> None:
    statements = "".join(f"  {statement};\n" for statement in body)
    if postgres:
        op.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
            f"{statements}  RETURN NULL;\nEND $$"
        )
        op.execute(f'CREATE TRIGGER {name} {when} ON "case" FOR EACH ROW EXECUTE FUNCTION {name}()')
    else:
        op.execute(f'CREATE TRIGGER {name} {when} ON "case" FOR EACH ROW\nBEGIN\n{statements}END')


def upgrade() -> None:
    op.create_table(
        "case_duration",
        sa.Column("opened_on", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_on", sa.DateTime(timezone=True), nullable=False),
        sa.Column("desk", sa.String(length=32), nullable=False),
        sa.Column("measure", sa.String(length=8), nullable=False),
        sa.Column("upto", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            *KEY, name=op.f("pk_case_duration"), postgresql_include=["count"]
        ),
    )
    op.drop_index("ix_case_closed_at", table_name="case")
    for column in ("first_reply_at", "closed_at"):
        op.create_index(f"ix_case_{column}", "case", [column], postgresql_include=WITH_OPENING)
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, (when, body) in _triggers(postgres).items():
        _create(name, when, body, postgres)
    op.execute(_backfill(postgres))


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name in _triggers(postgres):
        op.execute(f'DROP TRIGGER {name} ON "case"' if postgres else f"DROP TRIGGER {name}")
        if postgres:
            op.execute(f"DROP FUNCTION {name}()")
    op.drop_index("ix_case_first_reply_at", table_name="case")
    op.drop_index("ix_case_closed_at", table_name="case")
    op.create_index("ix_case_closed_at", "case", ["closed_at"])
    op.drop_table("case_duration")
