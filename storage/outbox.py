"""The outbox table's queries: what is due, claiming it, and recording what Telegram answered.

Claims are conditional UPDATEs (`status = 'pending'` → `'sending'`): the caller that changed the
row owns it. A row left `sending` by a crash is recovered by its guarantee: an at-least-once
message goes back to the queue marked `possibly_repeated`, an at-most-once one becomes
`unknown` and is never sent again.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.kinds import Guarantee, OutboxStatus, Priority
from storage.db import affected_rows
from storage.deferred import defer
from storage.models import OutboxMessage
from storage.outbox_sealing import opened
from storage.rows import Repository

FINISHED = (OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.UNKNOWN)
DUE_ROWS_PER_LANE = 4  # rows read per chat wanted when looking for due chats


# What a finished message to a resident (a private chat: a positive lane) keeps: its status and
# times, not what it said or to whom. Every finished row also loses its effect's data (the ids
# of both sides), so the outbox of the last days cannot link an anonymous case to its resident.
FORGET_RESIDENT: dict[str, object] = {
    "lane": 0,
    "payload": {},
    "attachment": None,
    "attachment_name": None,
    "effect_data": None,
}


# The courier's statements, run several times for every message: built once (see README).
_DUE = (
    select(OutboxMessage.lane)
    .where(
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.not_before <= bindparam("now"),
        OutboxMessage.lane.not_in(bindparam("skip", expanding=True)),
    )
    .order_by(OutboxMessage.priority, OutboxMessage.id)
    .limit(bindparam("rows"))
)
_LEFT = aliased(OutboxMessage)
_HEAD = (
    select(
        OutboxMessage,
        select(_LEFT.id)
        .where(_LEFT.lane == bindparam("lane"), _LEFT.status == OutboxStatus.SENDING)
        .exists(),
    )
    .where(
        OutboxMessage.lane == bindparam("lane"),
        OutboxMessage.status == OutboxStatus.PENDING,
        ~(
            (OutboxMessage.priority == Priority.BROADCAST)
            & (OutboxMessage.not_before > bindparam("now"))
        ),
    )
    .order_by(OutboxMessage.priority, OutboxMessage.id)
    .limit(bindparam("limit"))
)
_PENDING_IDS = OutboxMessage.id.in_(bindparam("ids", expanding=True)) & (
    OutboxMessage.status == OutboxStatus.PENDING
)
_CLAIM = (
    update(OutboxMessage)
    .where(_PENDING_IDS)
    .values(status=OutboxStatus.SENDING, attempts=OutboxMessage.attempts + 1)
    .returning(OutboxMessage.id)
    .execution_options(synchronize_session=False)
)
_CLAIM_LOCKED = _CLAIM.where(
    OutboxMessage.id.in_(
        select(OutboxMessage.id).where(_PENDING_IDS).with_for_update(skip_locked=True)
    )
)
_SENT = (
    update(OutboxMessage)
    .where(OutboxMessage.id.in_(bindparam("ids", expanding=True)))
    .values(status=OutboxStatus.SENT, sent_at=bindparam("now"), last_error=None, effect_data=None)
    .execution_options(synchronize_session=False)
)
_SENT_TO_RESIDENTS = _SENT.values(FORGET_RESIDENT)


# Core, not the ORM's bulk insert: nothing to plan for rows that are never loaded as objects here.
_INSERT = insert(OutboxMessage.core_table())


def queue(session: AsyncSession, row: dict[str, Any]) -> None:
    """Add a message (the outbox table's columns) to the session's transaction: written with
    the session's next statement or its commit (storage.deferred; a follow-up queues one row
    and commits), in the order queued."""
    defer(session, _INSERT, row)


class Outboxes(Repository):
    async def add_many(self, rows: Sequence[dict[str, object]]) -> None:
        """Many messages in one statement (an alert's audience). Through the table, not the
        ORM's bulk insert: that one sorts out every row's keys in Python (3,000 rows: 0.45 s
        of a broadcast's start); the rows are complete, so the table's insert takes them."""
        if rows:
            await self.session.execute(_INSERT, list(rows))

    async def due_lanes(self, now: datetime, skip: Collection[int], limit: int) -> list[int]:
        """Chats with a message that may go now, in the order of their first such message
        (interactive ones first, then oldest first).

        Read as rows in that order, a few times `limit` at a time, rather than grouped by chat:
        grouping sorts every waiting row on each call (3,000 rows of an alert, many times a
        second, took more of the database's time than the sending itself)."""
        lanes: list[int] = []
        passed = set(skip)
        while len(lanes) < limit:
            rows = DUE_ROWS_PER_LANE * (limit - len(lanes))
            values = {"now": now, "skip": list(passed), "rows": rows}
            found = list((await self.session.scalars(_DUE, values)).all())
            for lane in found:
                if lane not in passed and len(lanes) < limit:
                    lanes.append(lane)
                passed.add(lane)
            if len(found) < rows:
                break  # no more waiting rows
        return lanes

    async def head(self, lane: int, limit: int, now: datetime) -> tuple[list[OutboxMessage], bool]:
        """The lane's next messages in the order they must leave (interactive first), and
        whether the lane has rows left `sending` (by a crashed or stopped worker, when the
        caller holds the lane): one statement for both, as the courier asks before every batch.

        Interactive messages keep their order even while the first one waits (a retry);
        broadcasts that wait (quiet hours) let the lane's other broadcasts go.
        """
        values = {"lane": lane, "now": now, "limit": limit}
        found = (await self.session.execute(_HEAD, values)).all()
        rows = [row for row, _ in found]
        opened(self.session, rows)
        return rows, any(left for _, left in found)

    async def claim(self, ids: Sequence[int]) -> list[int]:
        """pending → sending for `ids`; the ids this caller got (another may have taken some).

        On PostgreSQL the rows are locked with FOR UPDATE SKIP LOCKED first: a row another
        worker is claiming at this moment is skipped, not waited for.
        """
        if not ids:
            return []
        bind = self.session.bind
        locking = bind is not None and bind.dialect.name == "postgresql"
        statement = _CLAIM_LOCKED if locking else _CLAIM
        result = await self.session.execute(statement, {"ids": list(ids)})
        return list(result.scalars().all())

    async def sending(
        self, lane: int | None = None, ids: Sequence[int] | None = None
    ) -> Sequence[OutboxMessage]:
        """Rows handed to Telegram whose result was never recorded (after a crash), of one
        lane or of some ids, or all."""
        query = select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.SENDING)
        if lane is not None:
            query = query.where(OutboxMessage.lane == lane)
        if ids is not None:
            query = query.where(OutboxMessage.id.in_(ids))
        rows = (await self.session.scalars(query.order_by(OutboxMessage.id))).all()
        opened(self.session, rows)
        return rows

    async def sending_lanes(self) -> list[int]:
        """Lanes with a row in `sending`: in use by some worker, or left by a dead one."""
        query = select(OutboxMessage.lane).where(OutboxMessage.status == OutboxStatus.SENDING)
        return list((await self.session.scalars(query.distinct())).all())

    async def finish(
        self, row_id: int, status: OutboxStatus, now: datetime, error: str | None = None
    ) -> None:
        values: dict[str, object] = {"status": status, "last_error": error, "effect_data": None}
        if status == OutboxStatus.SENT:
            values["sent_at"] = now
        await affected_rows(
            self.session, update(OutboxMessage).where(OutboxMessage.id == row_id).values(values)
        )
        await self._forget_residents([row_id])

    async def finish_sent(self, rows: Sequence[OutboxMessage], now: datetime) -> None:
        """Many sent rows at once (the courier records a batch): one statement for those to
        residents, which forget what they said (FORGET_RESIDENT), one for the others."""
        residents = [row.id for row in rows if row.lane > 0]
        others = [row.id for row in rows if row.lane <= 0]
        values = {"now": now}
        if residents:
            await self.session.execute(_SENT_TO_RESIDENTS, values | {"ids": residents})
        if others:
            await self.session.execute(_SENT, values | {"ids": others})

    async def _forget_residents(self, ids: Sequence[int]) -> None:
        await affected_rows(
            self.session,
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.lane > 0)
            .values(FORGET_RESIDENT),
        )

    async def forget_case(self, case_id: int) -> None:
        """What was sent about a pseudonymised case keeps only its status and times (the
        desk's copies hold its words; the outbox need not repeat a point or a chat)."""
        await affected_rows(
            self.session,
            update(OutboxMessage)
            .where(OutboxMessage.case_id == case_id, OutboxMessage.status.in_(FINISHED))
            .values(payload={}, attachment=None, attachment_name=None, effect_data=None),
        )

    async def drop_pending_to(self, chat_id: int) -> int:
        """Forget what still waits for a resident's chat (they erased their data)."""
        return await affected_rows(
            self.session,
            delete(OutboxMessage).where(
                OutboxMessage.lane == chat_id, OutboxMessage.status == OutboxStatus.PENDING
            ),
        )

    async def release(self, ids: Sequence[int], not_before: datetime, error: str | None) -> None:
        """Back to the queue, not before `not_before` (a flood wait, a server error)."""
        if ids:
            await affected_rows(
                self.session,
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.SENDING)
                .values(status=OutboxStatus.PENDING, not_before=not_before, last_error=error),
            )

    async def recover(self, ids: Sequence[int]) -> tuple[int, int]:
        """Rows `ids` left `sending` by a crash: (requeued as possibly repeated, given up as
        unknown), by their guarantee."""
        if not ids:
            return 0, 0
        interrupted = (OutboxMessage.status == OutboxStatus.SENDING) & OutboxMessage.id.in_(ids)
        repeated = await affected_rows(
            self.session,
            update(OutboxMessage)
            .where(interrupted, OutboxMessage.guarantee == Guarantee.AT_LEAST_ONCE)
            .values(status=OutboxStatus.PENDING, possibly_repeated=True),
        )
        unknown = await affected_rows(
            self.session,
            update(OutboxMessage)
            .where(interrupted, OutboxMessage.guarantee == Guarantee.AT_MOST_ONCE)
            .values(status=OutboxStatus.UNKNOWN, effect_data=None),
        )
        # Given up: a private chat's row keeps no chat, words or file (see FORGET_RESIDENT).
        await affected_rows(
            self.session,
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.UNKNOWN)
            .where(OutboxMessage.lane > 0)
            .values(FORGET_RESIDENT),
        )
        return repeated, unknown

    async def pending_for_case(self, case_id: int, method: str) -> bool:
        found = await self.session.scalar(
            select(OutboxMessage.id).where(
                OutboxMessage.case_id == case_id,
                OutboxMessage.method == method,
                OutboxMessage.status == OutboxStatus.PENDING,
            )
        )
        return found is not None

    async def waiting_per_lane(self, lanes: Sequence[int]) -> dict[int, int]:
        rows = await self.session.execute(
            select(OutboxMessage.lane, func.count())
            .where(OutboxMessage.lane.in_(lanes), OutboxMessage.status == OutboxStatus.PENDING)
            .group_by(OutboxMessage.lane)
        )
        return {int(lane): int(count) for lane, count in rows.all()}

    async def prune(self, before: datetime) -> int:
        """Forget finished messages written before `before`."""
        return await affected_rows(
            self.session,
            delete(OutboxMessage).where(
                OutboxMessage.status.in_(FINISHED), OutboxMessage.created_at < before
            ),
        )
