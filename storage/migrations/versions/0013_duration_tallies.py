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

from functools import partial

import sqlalchemy as sa
from alembic import op

from storage.migrations import triggers

revision: str = "0013"
down_revision: str | None = "0012"

MINUTE = 60_000_000  # microseconds
BINS = [(60, 1), (240, 5), (2880, 30)]  # up to (minutes): bins of (minutes); then days
MEASURES = {"reply": "first_reply_at", "closing": "closed_at"}
COUNTED = "desk, created_at, first_reply_at, closed_at"
NAMES = ("case_duration_opened", "case_duration_deleted", "case_duration_changed")
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


def _bump(row: str, delta: int, postgres: bool) -> list[str]:
    """Count `row` (OLD or NEW) on or off: its first reply and its closing."""
    statements = []
    for measure, column in MEASURES.items():
        values = {
            "opened_on": triggers.utc_day(f"{row}.created_at", postgres),
            "done_on": triggers.utc_day(f"{row}.{column}", postgres),
            "desk": f"{row}.desk",
            "measure": f"'{measure}'",
            "upto": _upto(f"{row}.{column}", f"{row}.created_at", postgres),
            "count": str(delta),
        }
        key = [name for name in values if name != "count"]
        condition = f"{row}.{column} IS NOT NULL"
        statements.append(triggers.upsert("case_duration", key, values, condition))
    return statements


def _triggers(postgres: bool) -> dict[str, tuple[str, list[str]]]:
    """name → (timing and event on `case`, statements)."""
    return triggers.counting_cases(NAMES, COUNTED, partial(_bump, postgres=postgres))


def _backfill(postgres: bool) -> str:
    """The tallies of the cases already there, summed."""
    selects = " UNION ALL ".join(
        f"SELECT {triggers.utc_day('created_at', postgres)} AS opened_on, {triggers.utc_day(column, postgres)} AS done_on, "
        f"desk, '{measure}' AS measure, {_upto(column, 'created_at', postgres)} AS upto "
        f'FROM "case" WHERE {column} IS NOT NULL'
        for measure, column in MEASURES.items()
    )
    return triggers.summed("case_duration", "opened_on, done_on, desk, measure, upto", selects, "d")


def upgrade() -> None:
    triggers.create_tally(
        "case_duration",
        sa.Column("opened_on", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_on", sa.DateTime(timezone=True), nullable=False),
        sa.Column("desk", sa.String(length=32), nullable=False),
        sa.Column("measure", sa.String(length=8), nullable=False),
        sa.Column("upto", sa.Integer(), nullable=False),
    )
    op.drop_index("ix_case_closed_at", table_name="case")
    for column in ("first_reply_at", "closed_at"):
        op.create_index(f"ix_case_{column}", "case", [column], postgresql_include=WITH_OPENING)
    triggers.create_all("case", _triggers)
    op.execute(_backfill(triggers.on_postgresql()))


def downgrade() -> None:
    triggers.drop_all("case", _triggers)
    op.drop_index("ix_case_first_reply_at", table_name="case")
    op.drop_index("ix_case_closed_at", table_name="case")
    op.create_index("ix_case_closed_at", "case", ["closed_at"])
    op.drop_table("case_duration")
