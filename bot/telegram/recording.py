"""Recording what Telegram answered: one transaction per batch for the rows' statuses and
their effects (the relayed-message map, a delivery status, a note that something failed),
the courtesy calls (reactions) made once after it, and the recovery of rows a stopped or
crashed worker left `sending`, by their guarantee."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.methods import TelegramMethod
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.kinds import Guarantee, OutboxStatus
from bot.metrics import Metrics
from bot.telegram.letters import Effect, Failed, Failure, Outcome, Prepares, Sent, as_courier
from bot.telegram.outbox import Outbox
from bot.telegram.pacing import Pacer
from storage.models import OutboxMessage
from storage.outbox import Outboxes

logger = logging.getLogger(__name__)


@dataclass(eq=False)
class Recorder:
    """Writes a courier's outcomes; `wake` is called when an effect queued new messages."""

    bot: Bot
    session_factory: async_sessionmaker[AsyncSession]
    clock: Clock
    pacer: Pacer
    metrics: Metrics
    effects: Mapping[str, Effect]
    wake: Callable[[], None]
    courtesies: set[asyncio.Task[None]] = field(default_factory=set, init=False)  # on their way

    async def recover_rows(self, ids: list[int]) -> tuple[int, int]:
        if not ids:
            return 0, 0
        async with self.session_factory() as session:
            repo = Outboxes(session)
            interrupted = [
                row
                for row in await repo.sending(ids=ids)
                if row.guarantee == Guarantee.AT_MOST_ONCE and row.effect
            ]
            repeated, unknown = await repo.recover(ids)
            outbox = Outbox(session, self.bot, self.clock)
            for row in interrupted:
                effect = self.effects.get(row.effect or "")
                if effect is not None:
                    interruption = Failure("interrupted", unknown=True)
                    await effect.failed(Failed(session, outbox, row, interruption))
            await session.commit()
        if repeated or unknown:
            logger.warning(
                "outbox: %d interrupted message(s) will be sent again (possibly repeated), "
                "%d at-most-once message(s) are unknown",
                repeated,
                unknown,
            )
        if outbox.written:
            self.wake()
        return repeated, unknown

    def _count(self, outcome: Outcome) -> None:
        if outcome.retry_at is not None:
            result = "retry"
        elif outcome.final is not None:
            result = outcome.final.value
        else:
            result = OutboxStatus.SENT.value
        for row in outcome.letter.rows:
            self.metrics.count(
                "deliveries",
                "Outbox messages handed to Telegram, per kind and result",
                kind=row.method,
                result=result,
            )

    async def record(self, outcomes: Sequence[Outcome]) -> None:
        """One transaction for a batch: statuses, then each message's effect."""
        if not outcomes:
            return
        now = self.clock.now()
        async with self.session_factory() as session:
            repo = Outboxes(session)
            outbox = Outbox(session, self.bot, self.clock)
            read = await self._prepare(session, outcomes)
            sent: list[OutboxMessage] = []
            for outcome in outcomes:
                rows = outcome.letter.rows
                self._count(outcome)
                if outcome.retry_at is not None:
                    await repo.release([r.id for r in rows], outcome.retry_at, outcome.error)
                    continue
                for row in rows:
                    effect = self.effects.get(row.effect or "")
                    if outcome.failure is None:
                        sent.append(row)
                        if effect is not None:
                            await effect.sent(
                                Sent(session, outbox, row, outcome.chat_id, outcome.ids)
                            )
                        continue
                    assert outcome.final is not None
                    await repo.finish(row.id, outcome.final, now, outcome.error)
                    if effect is not None:
                        await effect.failed(Failed(session, outbox, row, outcome.failure))
            await repo.finish_sent(sent, now)
            await session.commit()
            del read
        if outbox.written:
            self.wake()
        for method in outbox.courtesies:
            task = asyncio.create_task(self._courtesy(method))
            self.courtesies.add(task)
            task.add_done_callback(self.courtesies.discard)

    async def _prepare(self, session: AsyncSession, outcomes: Sequence[Outcome]) -> list[object]:
        """Let each effect read what its sent rows of this batch need, in one look."""
        by_effect: dict[str, list[OutboxMessage]] = {}
        for outcome in outcomes:
            if outcome.retry_at is None and outcome.failure is None:
                for row in outcome.letter.rows:
                    by_effect.setdefault(row.effect or "", []).append(row)
        read: list[object] = []
        for name, rows in by_effect.items():
            effect = self.effects.get(name)
            if isinstance(effect, Prepares):
                read.append(await effect.prepare(session, rows))
        return read

    async def _courtesy(self, method: TelegramMethod[Any]) -> None:
        """A reaction, paced like any call to its chat, made once; a refusal is only logged."""
        chat = getattr(method, "chat_id", None)
        try:
            if isinstance(chat, int):
                await self.pacer.acquire(chat, broadcast=False, message=False)
            with as_courier():
                await self.bot(method)
        except TelegramAPIError as exc:
            logger.info("%s refused (cosmetic): %s", method.__api_method__, exc.message)
