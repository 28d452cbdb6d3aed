"""Outbox rows to an anonymous case's resident, sealed while they wait.

A message to an anonymous case's resident (a private chat) waits with its case, words and
effect sealed in one value (`seal_for_resident`), so that a dump taken while it waits holds no
row naming both the resident's chat and their case; the courier opens it when it reads the row
(`storage.outbox.Outboxes.head`, `sending`), in memory only.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from storage.models import OutboxMessage
from storage.sealing import Sealer, sealer_of

SEALED = "sealed"
_SEALED_PARTS = ("payload", "effect_data", "case_id")


def _where(lane: int) -> str:
    return f"outbox:{lane}"


def seal_for_resident(sealer: Sealer, row: dict[str, Any]) -> None:
    """Seal the case, payload and effect data of `row` (the table's columns), bound to its chat."""
    parts = {name: row[name] for name in _SEALED_PARTS}
    token = sealer.seal(json.dumps(parts, separators=(",", ":")).encode(), _where(row["lane"]))
    row |= {"payload": {SEALED: token}, "effect_data": None, "case_id": None}


def opened(session: AsyncSession, rows: Sequence[OutboxMessage]) -> None:
    """Sealed rows as they were queued, in memory only (nothing is written back). The key is
    asked for only where a row is sealed: a bot without anonymous cases may have none."""
    for row in rows:
        token = row.payload.get(SEALED) if row.payload else None
        if not isinstance(token, str):
            continue
        parts = json.loads(sealer_of(session).unseal(token, _where(row.lane)))
        for name in _SEALED_PARTS:
            set_committed_value(row, name, parts[name])
