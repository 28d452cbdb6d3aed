"""unanswered cases index: the cases without a first reply apart, with their desk and closing,
so /stats counts the cases judged late though unanswered without reading the period's cases

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-16 09:00:00

- `ix_case_unanswered`: `case (created_at)` of the cases whose `first_reply_at` is NULL (a
  partial index), holding `desk` and `closed_at` on PostgreSQL. Whether such a case counts
  depends on the period's end and on "now" (its target must have passed by then, and it must
  not have been closed before), so no tally can keep it; the index holds only the few cases
  never answered. Those answered after the period's end are read from 0013's index on
  `first_reply_at`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNANSWERED = sa.text("first_reply_at IS NULL")


def upgrade() -> None:
    op.create_index(
        "ix_case_unanswered",
        "case",
        ["created_at"],
        postgresql_include=["desk", "closed_at"],
        postgresql_where=UNANSWERED,
        sqlite_where=UNANSWERED,
    )


def downgrade() -> None:
    op.drop_index("ix_case_unanswered", table_name="case")
