"""The live broadcast report's bookkeeping: the progress message of a sending, its edits, and the
delivery counts it shows. Claims are conditional UPDATEs (1: this caller may queue the next
edit, 0: one is outstanding already, or it is too soon)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, select, update

from bot.kinds import DeliveryStatus
from storage.models import BroadcastProgress, Delivery
from storage.rows import Repository


@dataclass(frozen=True)
class DeliveryCounts:
    """A sending's delivery rows by status; `held` of the pending ones wait for quiet hours."""

    by_status: Counter[str]
    held: int

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    def __getitem__(self, status: DeliveryStatus) -> int:
        return self.by_status[status.value]


class Progresses(Repository):
    async def add(self, occurrence_id: int, chat_id: int) -> BroadcastProgress:
        progress = BroadcastProgress(occurrence_id=occurrence_id, chat_id=chat_id)
        self.session.add(progress)
        await self.session.flush()
        return progress

    async def get(self, occurrence_id: int) -> BroadcastProgress | None:
        return await self.session.get(BroadcastProgress, occurrence_id)

    async def claim_progress_edit(
        self, occurrence_id: int, now: datetime, spacing: timedelta
    ) -> bool:
        """May a progress edit be queued now? Only when the message exists, nothing is
        outstanding, the final report has not come, and the last post or edit is `spacing` old."""
        since = now - spacing
        edited = BroadcastProgress.edited_at
        return await self._claim_edit(
            occurrence_id,
            BroadcastProgress.report.is_(None),
            BroadcastProgress.posted_at <= since,
            or_(edited.is_(None), edited <= since),
        )

    async def claim_final_edit(self, occurrence_id: int) -> bool:
        """May the edit that shows the final report be queued now?"""
        return await self._claim_edit(
            occurrence_id,
            BroadcastProgress.report.is_not(None),
            BroadcastProgress.report_shown.is_(False),
        )

    async def _claim_edit(self, occurrence_id: int, *when: ColumnElement[bool]) -> bool:
        """Mark an edit outstanding if the message exists, none is outstanding yet, the live
        view is not lost, and `when` holds."""
        return await self._won(
            update(BroadcastProgress)
            .where(
                BroadcastProgress.occurrence_id == occurrence_id,
                BroadcastProgress.message_id.is_not(None),
                BroadcastProgress.pending.is_(False),
                BroadcastProgress.lost.is_(False),
                *when,
            )
            .values(pending=True)
        )

    async def counts(self, occurrence_id: int, now: datetime) -> DeliveryCounts:
        of_sending = Delivery.occurrence_id == occurrence_id
        rows = await self.session.execute(
            select(Delivery.status, func.count()).where(of_sending).group_by(Delivery.status)
        )
        held = await self.session.scalar(
            select(func.count()).where(
                of_sending,
                Delivery.status == DeliveryStatus.PENDING,
                Delivery.not_before > now,
            )
        )
        by_status = Counter({str(status): int(count) for status, count in rows.all()})
        return DeliveryCounts(by_status, int(held or 0))
