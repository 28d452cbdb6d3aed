"""The live delivery report: while an announcement goes out, one message in the coordinators'
group shows its progress and is edited every few seconds; at the end it becomes the delivery
report.

Everything goes through the outbox. The progress message is posted when the sending is
claimed, and its id comes back through an effect. Deliveries nudge an edit as they are recorded
(at most one outstanding edit per message, and never sooner than `EDIT_SPACING` after the
previous one, so the edit limits hold however many lanes finish at once); the edit itself is
composed when it is sent, from the counts at that moment. The final report waits its turn in
the same way. If the message cannot be posted or edited, the report is sent as a new message,
as before the live view existed.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aiogram.methods import EditMessageText, SendMessage
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.kinds import DeliveryStatus
from bot.network.schema import Network
from bot.telegram.letters import Answered, Call, Effect, Failed, Sender, Sent, Where
from bot.telegram.outbox import Outbox
from bot.ui.i18n import speaking
from bot.ui.progress import Progress, progress_text
from storage.alerts import Deliveries, Occurrences
from storage.models import BroadcastProgress, Occurrence, OutboxMessage
from storage.progress import DeliveryCounts, Progresses

PROGRESS = "progress"  # the composed edit
POSTED = "progress_posted"  # effect: the progress message's id
EDITED = "progress_edited"  # effect: an edit went out (or not)
EDIT_SPACING = timedelta(seconds=3)
NUDGE_EVERY = timedelta(seconds=1)  # a lane records often; the database is asked at most this


async def start(
    session: AsyncSession,
    outbox: Outbox,
    i18n: I18n,
    network: Network,
    occurrence: Occurrence,
    now: datetime,
) -> None:
    """Post the progress message of a sending just claimed (nothing for an empty audience)."""
    chat = network.coordinators_chat_id
    repo = Progresses(session)
    counts = await repo.counts(occurrence.id, now)
    if chat is None or not counts.total:
        return
    await repo.add(occurrence.id, chat)
    with speaking(i18n, network.default_language):
        text = progress_text(_progress(occurrence, counts, now))
    outbox.send(
        SendMessage(chat_id=chat, text=text),
        effect=POSTED,
        data={"occurrence_id": occurrence.id},
    )


async def finish(
    session: AsyncSession,
    outbox: Outbox,
    occurrence_id: int,
    chat_id: int,
    report: str,
    now: datetime,
) -> None:
    """The sending is over: its progress message becomes `report` (or `report` is sent)."""
    progress = await Progresses(session).get(occurrence_id)
    if progress is None or progress.lost:
        outbox.send(SendMessage(chat_id=chat_id, text=report))
        return
    progress.report = report
    await session.flush()
    # Not yet posted, or an edit outstanding: the effect of that message queues the report.
    await _queue_report(session, outbox, progress, now)


async def _queue_report(
    session: AsyncSession, outbox: Outbox, progress: BroadcastProgress, now: datetime
) -> None:
    if not await Progresses(session).claim_final_edit(progress.occurrence_id):
        return
    after_edit = progress.edited_at + EDIT_SPACING if progress.edited_at else now
    _queue_edit(outbox, progress, final=True, not_before=max(now, after_edit))


def _queue_edit(
    outbox: Outbox, progress: BroadcastProgress, *, final: bool, not_before: datetime
) -> None:
    outbox.compose(
        PROGRESS,
        progress.chat_id,
        {"occurrence_id": progress.occurrence_id, "final": final},
        effect=EDITED,
        not_before=not_before,
    )


def _progress(occurrence: Occurrence, counts: DeliveryCounts, now: datetime) -> Progress:
    started = occurrence.started_at or now
    return Progress(
        announcement_id=occurrence.announcement_id,
        total=counts.total,
        sent=counts[DeliveryStatus.SENT],
        failed=counts[DeliveryStatus.FAILED],
        blocked=counts[DeliveryStatus.BLOCKED],
        unknown=counts[DeliveryStatus.UNKNOWN],
        held=counts.held,
        seconds=(now - started).total_seconds(),
    )


@dataclass(frozen=True)
class ProgressComposer:
    """`beatline.progress`: the edit, with the counts as they are when it is sent."""

    session_factory: async_sessionmaker[AsyncSession]
    i18n: I18n
    network: Network
    clock: Clock

    async def __call__(self, row: OutboxMessage, where: Where | None, send: Sender) -> list[Call]:
        final = bool(row.payload["final"])
        now = self.clock.now()
        async with self.session_factory() as session:
            repo = Progresses(session)
            progress = await repo.get(int(row.payload["occurrence_id"]))
            occurrence = await Occurrences(session).by_id(int(row.payload["occurrence_id"]))
            if progress is None or occurrence is None or progress.message_id is None:
                return []
            if final:
                text = progress.report or ""
            elif progress.report is not None:
                return []  # the report came meanwhile; its own edit follows
            else:
                counts = await repo.counts(occurrence.id, now)
                with speaking(self.i18n, self.network.default_language):
                    text = progress_text(_progress(occurrence, counts, now))
        edit = EditMessageText(chat_id=progress.chat_id, message_id=progress.message_id, text=text)
        # A progress edit that Telegram refuses ("not modified") changes nothing; the report's
        # edit must arrive, so its refusal is a failure and the report is sent instead.
        return [Call(edit, cosmetic=not final)]


async def _of(session: AsyncSession, data: dict[str, Any] | None) -> BroadcastProgress | None:
    if not data or "occurrence_id" not in data:
        return None
    return await Progresses(session).get(int(data["occurrence_id"]))


@dataclass(frozen=True)
class _OnProgress(ABC):
    """An effect on the progress message; nothing to do once its progress row is gone."""

    clock: Clock

    async def sent(self, sent: Sent) -> None:
        progress = await _of(sent.session, self._data(sent.row))
        if progress is not None:
            await self._sent(sent, progress)

    async def failed(self, failed: Failed) -> None:
        progress = await _of(failed.session, self._data(failed.row))
        if progress is not None:
            self._failed(failed.outbox, progress)

    @abstractmethod
    def _data(self, row: OutboxMessage) -> dict[str, Any] | None:
        """Where the row names its occurrence."""

    @abstractmethod
    async def _sent(self, sent: Sent, progress: BroadcastProgress) -> None: ...

    @abstractmethod
    def _failed(self, outbox: Outbox, progress: BroadcastProgress) -> None: ...


class ProgressPosted(_OnProgress):
    """The effect of the progress message: remember its id (or give the live view up)."""

    def _data(self, row: OutboxMessage) -> dict[str, Any] | None:
        return row.effect_data

    async def _sent(self, sent: Sent, progress: BroadcastProgress) -> None:
        progress.message_id = sent.message_ids[0] if sent.message_ids else None
        progress.lost = progress.message_id is None
        progress.posted_at = self.clock.now()
        await sent.session.flush()
        if progress.report is not None:  # everything went out before the post was recorded
            await _queue_report(sent.session, sent.outbox, progress, self.clock.now())

    def _failed(self, outbox: Outbox, progress: BroadcastProgress) -> None:
        progress.lost = True
        if progress.report is not None:
            outbox.send(SendMessage(chat_id=progress.chat_id, text=progress.report))


class ProgressEdited(_OnProgress):
    """The effect of an edit: the next one may be queued; the report is queued if it waits."""

    def _data(self, row: OutboxMessage) -> dict[str, Any] | None:
        return row.payload

    async def _sent(self, sent: Sent, progress: BroadcastProgress) -> None:
        now = self.clock.now()
        progress.pending = False
        if sent.message_ids:  # edited
            progress.edited_at = now
            progress.report_shown = progress.report_shown or bool(sent.row.payload["final"])
        await sent.session.flush()
        if progress.report is not None and not progress.report_shown:
            await _queue_report(sent.session, sent.outbox, progress, now)

    def _failed(self, outbox: Outbox, progress: BroadcastProgress) -> None:
        progress.pending = False
        progress.lost = True  # deleted, or too old to edit: the report goes as a new message
        if progress.report is not None and not progress.report_shown:
            progress.report_shown = True
            outbox.send(SendMessage(chat_id=progress.chat_id, text=progress.report))


@dataclass(eq=False)
class WithProgress:
    """Wraps the alerts' effect: after a delivery is recorded, a progress edit may be due."""

    inner: Effect
    clock: Clock
    _next_try: dict[int, datetime] = field(default_factory=dict, init=False)

    async def sent(self, sent: Sent) -> None:
        await self.inner.sent(sent)
        await self._nudge(sent)

    async def failed(self, failed: Failed) -> None:
        await self.inner.failed(failed)
        await self._nudge(failed)

    async def _nudge(self, answered: Answered) -> None:
        session, outbox, row = answered.session, answered.outbox, answered.row
        occurrence_id = row.payload.get("occurrence_id")
        if occurrence_id is None:  # queued before alerts carried their occurrence
            delivery = await Deliveries(session).by_id(int(row.payload["delivery_id"]))
            if delivery is None:
                return
            occurrence_id = delivery.occurrence_id
        now = self.clock.now()
        if self._next_try.get(occurrence_id, now) > now:
            return
        self._next_try[occurrence_id] = now + NUDGE_EVERY
        repo = Progresses(session)
        if not await repo.claim_progress_edit(occurrence_id, now, EDIT_SPACING):
            return
        progress = await repo.get(occurrence_id)
        if progress is not None:
            _queue_edit(outbox, progress, final=False, not_before=now)
