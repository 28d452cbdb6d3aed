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

from functools import partial

import sqlalchemy as sa
from alembic import op

from storage.migrations import triggers

revision: str = "0014"
down_revision: str | None = "0013"

TRAITS = ["category", "area", "language", "privacy"]
COUNTED = "desk, created_at, category, area, language, privacy"
KEY = ["day", "desk", "trait", "value"]
NAMES = ("case_opened_inserted", "case_opened_deleted", "case_opened_changed")
MOVED = "OLD.desk <> NEW.desk OR OLD.created_at <> NEW.created_at"  # every trait's row moves


def _bump(row: str, delta: int, postgres: bool, changed: bool = False) -> list[str]:
    """Count `row` (OLD or NEW) on or off under each trait; on an update (`changed`) only
    under the traits whose count moves (its value, its desk or its day changed)."""
    statements = []
    for trait in TRAITS:
        moved = f"{MOVED} OR OLD.{trait} <> NEW.{trait}"
        values = {
            "day": triggers.utc_day(f"{row}.created_at", postgres),
            "desk": f"{row}.desk",
            "trait": f"'{trait}'",
            "value": f"{row}.{trait}",
            "count": str(delta),
        }
        condition = moved if changed else "true"
        statements.append(triggers.upsert("case_opened", KEY, values, condition))
    return statements


def _triggers(postgres: bool) -> dict[str, tuple[str, list[str]]]:
    """name → (timing and event on `case`, statements)."""
    bump = partial(_bump, postgres=postgres)
    return triggers.counting_cases(NAMES, COUNTED, bump, partial(bump, changed=True))


def _backfill(postgres: bool) -> str:
    """The tallies of the cases already there, summed."""
    selects = " UNION ALL ".join(
        f"SELECT {triggers.utc_day('created_at', postgres)} AS day, desk, '{trait}' AS trait, "
        f'{trait} AS value FROM "case"'
        for trait in TRAITS
    )
    return triggers.summed("case_opened", "day, desk, trait, value", selects, "o")


def upgrade() -> None:
    triggers.create_tally("case_opened", *triggers.daily_desk_key(("trait", 16), ("value", 32)))
    triggers.create_all("case", _triggers)
    op.execute(_backfill(triggers.on_postgresql()))


def downgrade() -> None:
    triggers.drop_all("case", _triggers)
    op.drop_table("case_opened")
