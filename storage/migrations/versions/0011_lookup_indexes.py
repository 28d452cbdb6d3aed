"""lookup indexes: the relayed-message map by where the copy landed, and the time windows of
/stats, so these lookups stay fast on a city's database (bench.seeded)

- `case_message (target_chat_id, target_message_id)`: a resident's reply to a relayed copy
  finds its case (and whether a partner wrote it) without reading every message;
- `case (created_at)`, `case (closed_at)`: /stats reads the cases opened in its period and
  those still open at its start, not the whole history;
- `referral (created_at)`: the referrals proposed in the period.
"""

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010r"


def upgrade() -> None:
    op.create_index(
        "ix_case_message_target", "case_message", ["target_chat_id", "target_message_id"]
    )
    op.create_index("ix_case_created_at", "case", ["created_at"])
    op.create_index("ix_case_closed_at", "case", ["closed_at"])
    op.create_index("ix_referral_created_at", "referral", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_referral_created_at", table_name="referral")
    op.drop_index("ix_case_closed_at", table_name="case")
    op.drop_index("ix_case_created_at", table_name="case")
    op.drop_index("ix_case_message_target", table_name="case_message")
