"""no case is "referred" any more: a referral has had a status of its own since 0003, and the
case stays with its desk meanwhile; rows an early version left at "referred" become "open"

The downgrade changes nothing back: which open cases were once "referred" is not kept, and an
open case is what the older code shows for them too.
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"


def upgrade() -> None:
    case = sa.table("case", sa.column("status", sa.String(16)))
    op.execute(case.update().where(case.c.status == "referred").values(status="open"))


def downgrade() -> None:
    pass
