"""opened tally: the cases opened per desk and UTC day by category, area, language and privacy,
kept by triggers, so /stats's breakdowns and chart bars read a few rows per day instead of
every case opened in its period

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-14 09:00:00

- `case_opened (day, desk, trait, value, count)`: the cases of `desk` opened on UTC day `day`
  whose `trait` ('category', 'area', 'language', 'privacy') is `value`. A trigger on `case`
  takes the old row's counts off and adds the new row's on every insert, update of a counted
  column (desk included) and delete, as 0012's do. Days, not hours: about 45 rows a day for
  the example network's desks and traits, where rows per hour would be about as many as the
  cases; the chart's bars and the period start at local midnights, so /stats counts the cases
  between each of them and the nearest UTC midnight from `case (created_at)` (0012's index
  holds the traits).

The triggers are created before the backfill, as in 0012.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRAITS = ["category", "area", "language", "privacy"]
COUNTED = "desk, created_at, category, area, language, privacy"
KEY = ["day", "desk", "trait", "value"]
MOVED = "OLD.desk <> NEW.desk OR OLD.created_at <> NEW.created_at"  # every trait's row moves


def _day(moment: str, postgres: bool) -> str:
    """The UTC day `moment` falls in, as the column stores it."""
    if postgres:
        return f"date_trunc('day', {moment}, 'UTC')"
    return f"substr({moment}, 1, 10) || ' 00:00:00.000000'"


def _bump(row: str, delta: int, postgres: bool, changed: bool = False) -> list[str]:
    """Count `row` (OLD or NEW) on or off under each trait; on an update (`changed`) only
    under the traits whose count moves (its value, its desk or its day changed)."""
    statements = []
    for trait in TRAITS:
        moved = f"{MOVED} OR OLD.{trait} <> NEW.{trait}"
        values = f"{_day(f'{row}.created_at', postgres)}, {row}.desk, '{trait}', {row}.{trait}"
        statements.append(
            f"INSERT INTO case_opened (day, desk, trait, value, count) SELECT {values}, {delta} "
            f"WHERE {moved if changed else 'true'} ON CONFLICT (day, desk, trait, value) "
            "DO UPDATE SET count = case_opened.count + excluded.count"
        )
    return statements


def _triggers(postgres: bool) -> dict[str, tuple[str, list[str]]]:
    """name → (timing and event on `case`, statements)."""
    return {
        "case_opened_inserted": ("AFTER INSERT", _bump("NEW", 1, postgres)),
        "case_opened_deleted": ("AFTER DELETE", _bump("OLD", -1, postgres)),
        "case_opened_changed": (
            f"AFTER UPDATE OF {COUNTED}",
            [*_bump("OLD", -1, postgres, changed=True), *_bump("NEW", 1, postgres, changed=True)],
        ),
    }


def _backfill(postgres: bool) -> str:
    """The tallies of the cases already there, summed."""
    selects = " UNION ALL ".join(
        f"SELECT {_day('created_at', postgres)} AS day, desk, '{trait}' AS trait, "
        f'{trait} AS value FROM "case"'
        for trait in TRAITS
    )
    return (
        "INSERT INTO case_opened (day, desk, trait, value, count) "
        f"SELECT day, desk, trait, value, count(*) FROM ({selects}) AS o "
        "GROUP BY day, desk, trait, value"
    )


def _create(name: str, when: str, body: list[str], postgres: bool) -> None:
    statements = "".join(f"  {statement};\n" for statement in body)
    if postgres:
        op.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
            f"{statements}  RETURN NULL;\nEND $$"
        )
        op.execute(
            f'CREATE TRIGGER {name} {when} ON "case" FOR EACH ROW EXECUTE FUNCTION {name}()'
        )
    else:
        op.execute(f'CREATE TRIGGER {name} {when} ON "case" FOR EACH ROW\nBEGIN\n{statements}END')


def upgrade() -> None:
    op.create_table(
        "case_opened",
        sa.Column("day", sa.DateTime(timezone=True), nullable=False),
        sa.Column("desk", sa.String(length=32), nullable=False),
        sa.Column("trait", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(*KEY, name=op.f("pk_case_opened"), postgresql_include=["count"]),
    )
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
    op.drop_table("case_opened")
