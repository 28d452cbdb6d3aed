"""statuses no longer set: no case is "referred" (a referral has had a status of its own
since 0003, and the case stays with its desk), and no alert delivery is "sending" (since the
outbox, 0006, the outbox row carries that); rows early versions left in them become "open" and
"unknown" (the start-up recovery of those versions made "sending" deliveries "unknown" too)

The downgrade changes nothing back: which rows held the old statuses is not kept, and the
older code reads the new ones as it reads any other.
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"


def upgrade() -> None:
    case = sa.table("case", sa.column("status", sa.String(16)))
    op.execute(case.update().where(case.c.status == "referred").values(status="open"))
    delivery = sa.table("delivery", sa.column("status", sa.String(8)))
    op.execute(delivery.update().where(delivery.c.status == "sending").values(status="unknown"))


def downgrade() -> None:
    pass
