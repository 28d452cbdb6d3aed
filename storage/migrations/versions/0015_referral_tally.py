"""referral tally: the referrals proposed per UTC day, desk of their case, partner and status,
kept by triggers, so /stats reads a few rows per day instead of every referral of its period

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-15 09:00:00

- `referral_tally (day, desk, partner, status, count)`: the referrals proposed on UTC day `day`
  on cases now of `desk` that went to `partner` and now have `status`. Triggers on `referral`
  take the old row's count off and add the new row's on every insert, update (a status
  answered, above all) and delete, reading the case's desk; a trigger on `case` moves a
  case's referrals to its new desk when it is transferred, and one deletes a case's referrals
  before the case (as the foreign key's cascade would), so that each is counted off while
  its case and desk are still there. /stats counts the referrals between the period's local
  midnights and the nearest UTC midnights from `referral (created_at)` (0011's index).

The triggers are created before the backfill, as in 0012.
"""

import sqlalchemy as sa
from alembic import op

from storage.migrations import triggers

revision: str = "0015"
down_revision: str | None = "0014"

KEY = "day, desk, partner, status"
COUNTED = "case_id, partner, status, created_at"
ADD = (
    f"ON CONFLICT ({KEY}) DO UPDATE SET count = referral_tally.count + excluded.count"
)


def _bump(row: str, delta: int, postgres: bool) -> str:
    """Count the referral `row` (OLD or NEW) on or off under its case's desk."""
    return (
        f"INSERT INTO referral_tally ({KEY}, count) "
        f"SELECT {triggers.utc_day(f'{row}.created_at', postgres)}, c.desk, {row}.partner, {row}.status, "
        f'{delta} FROM "case" AS c WHERE c.id = {row}.case_id {ADD}'
    )


def _move(desk: str, sign: str, postgres: bool) -> str:
    """Count the referrals of the case being transferred on (+) or off (-) under `desk`."""
    day = triggers.utc_day("r.created_at", postgres)
    return (
        f"INSERT INTO referral_tally ({KEY}, count) "
        f"SELECT {day}, {desk}, r.partner, r.status, {sign}count(*) FROM referral AS r "
        f"WHERE r.case_id = NEW.id GROUP BY {day}, r.partner, r.status {ADD}"
    )


FORGET = "DELETE FROM referral WHERE case_id = OLD.id"


def _triggers(postgres: bool) -> dict[str, tuple[str, str, list[str], str]]:
    """name → (timing and event, table, statements, condition)."""
    return {
        "referral_tally_recorded": ("AFTER INSERT", "referral", [_bump("NEW", 1, postgres)], ""),
        "referral_tally_removed": ("AFTER DELETE", "referral", [_bump("OLD", -1, postgres)], ""),
        "referral_tally_changed": (
            f"AFTER UPDATE OF {COUNTED}",
            "referral",
            [_bump("OLD", -1, postgres), _bump("NEW", 1, postgres)],
            "",
        ),
        "referral_tally_transferred": (
            "AFTER UPDATE OF desk",
            "case",
            [_move("OLD.desk", "-", postgres), _move("NEW.desk", "", postgres)],
            "OLD.desk <> NEW.desk",
        ),
        "referral_tally_case_deleted": ("BEFORE DELETE", "case", [FORGET], ""),
    }


def _backfill(postgres: bool) -> str:
    """The tallies of the referrals already there."""
    day = triggers.utc_day("r.created_at", postgres)
    return (
        f"INSERT INTO referral_tally ({KEY}, count) "
        f"SELECT {day}, c.desk, r.partner, r.status, count(*) FROM referral AS r "
        f'JOIN "case" AS c ON c.id = r.case_id GROUP BY {day}, c.desk, r.partner, r.status'
    )


def upgrade() -> None:
    triggers.create_tally("referral_tally", *triggers.daily_desk_key(("partner", 32), ("status", 16)))
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, (when, table, body, condition) in _triggers(postgres).items():
        triggers.create_trigger(name, when, table, body, postgres, condition)
    op.execute(_backfill(postgres))


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, (_when, table, _body, _condition) in _triggers(postgres).items():
        triggers.drop_trigger(name, table, postgres)
    op.drop_table("referral_tally")
