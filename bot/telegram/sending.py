"""How the courier makes its calls: which letters a chat may take now (merged when a desk
group is saturated), into which topic, and what Telegram's answer means for each (sent, wait
and retry, or given up). No database writes here; the courier records the outcomes."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import SendMessage, TelegramMethod

from bot.clock import Clock
from bot.kinds import Guarantee, Priority
from bot.logcontext import chat_for_log
from bot.metrics import Metrics
from bot.telegram.letters import (
    SETUP_BACKOFF,
    TEXT_LIMIT,
    Call,
    Composer,
    Letter,
    Outcome,
    Sender,
    TopicGone,
    Topics,
    Where,
    as_courier,
    backoff,
    given_up,
    merge_part,
    mergeable,
    message_ids,
    setup_problem,
    topic_gone,
)
from bot.telegram.outbox import COMPOSED, rebuild
from bot.telegram.pacing import Pacer, creates_message
from storage.models import OutboxMessage

logger = logging.getLogger(__name__)


@dataclass(eq=False)
class Sending:
    """The calls of one courier, made through its pacer."""

    bot: Bot
    clock: Clock
    pacer: Pacer
    metrics: Metrics
    topics: Topics | None
    composers: Mapping[str, Composer]

    def letters(self, lane: int, rows: list[OutboxMessage], now: datetime) -> list[Letter]:
        """As many letters as the chat may take now; merged texts when it takes fewer than wait."""
        capacity = self.pacer.chat_capacity(lane)
        first_later = next((i for i, row in enumerate(rows) if row.not_before > now), len(rows))
        due = rows[:first_later]
        merge = lane < 0 and capacity < len(due)
        letters: list[Letter] = []
        messages = 0
        for row in due:
            last = letters[-1] if letters else None
            if (
                merge
                and last is not None
                and mergeable(row)
                and mergeable(last.first)
                and row.case_id == last.first.case_id
                and len(last.merged_text()) + len(merge_part(row)) + 2 <= TEXT_LIMIT
            ):
                last.rows.append(row)
                continue
            counts = creates_message(row.method) or row.method.startswith(COMPOSED)
            if counts and messages >= max(capacity, 1):
                break
            messages += counts
            letters.append(Letter([row]))
        return letters

    async def located(self, letters: list[Letter]) -> dict[int, Where]:
        """The topics a batch goes into, looked up once for all its letters (a letter whose
        case has no topic yet makes it in `_send`)."""
        cases = {x.first.case_id for x in letters if x.first.into_topic and x.first.case_id}
        if not cases or self.topics is None:
            return {}
        return await self.topics.located({case for case in cases if case is not None})

    async def send(self, lane: int, letter: Letter, topics: dict[int, Where]) -> Outcome:
        row = letter.first
        now = self.clock.now()
        where: Where | None = None
        for _attempt in range(2):  # a second time only after a deleted topic was recreated
            try:
                if row.into_topic:
                    if self.topics is None or row.case_id is None:
                        return given_up(letter, "no topic keeper")
                    where = topics.get(row.case_id) or await self.topics.ensure(
                        row.case_id, self.call_for(row)
                    )
                ids = await self._deliver(letter, where)
                return Outcome(letter, ids=ids, chat_id=where.chat_id if where else lane)
            except TopicGone:
                return given_up(letter, "the case is gone")
            except TelegramRetryAfter as exc:
                self.metrics.count(
                    "flood_waits", "429 answers (flood waits) per kind", kind=row.method
                )
                await self.pacer.flooded(lane, exc.retry_after)
                logger.warning("%s: flood wait %ds", chat_for_log(lane), exc.retry_after)
                return Outcome(letter, retry_at=now + timedelta(seconds=exc.retry_after))
            except TelegramBadRequest as exc:
                if where is not None and row.case_id is not None and topic_gone(exc):
                    assert self.topics is not None
                    logger.warning("case %d: topic %d was deleted", row.case_id, where.thread_id)
                    await self.topics.lost(row.case_id, where)
                    topics.pop(row.case_id, None)
                    where = None
                    continue
                return self._refused(lane, letter, exc, now)
            except (TelegramServerError, TelegramNetworkError) as exc:
                if row.guarantee == Guarantee.AT_MOST_ONCE:
                    # Telegram may have delivered it (a 502 or a timeout can come after the
                    # message went out): unknown, and an alert is never sent a second time.
                    return given_up(letter, str(exc), unknown=True)
                logger.warning("%s: %s; retrying later", chat_for_log(lane), exc)
                return Outcome(letter, retry_at=now + backoff(row.attempts + 1), error=str(exc))
            except TelegramAPIError as exc:
                return self._refused(lane, letter, exc, now)
        return Outcome(
            letter, retry_at=now + backoff(row.attempts + 1), error="topic deleted twice"
        )

    def _refused(
        self, lane: int, letter: Letter, error: TelegramAPIError, now: datetime
    ) -> Outcome:
        if setup_problem(error, lane):
            logger.error("chat %d refuses the bot (%s): waiting for an admin", lane, error.message)
            return Outcome(letter, retry_at=now + SETUP_BACKOFF, error=error.message)
        logger.warning(
            "%s: %s refused: %s", chat_for_log(lane), letter.first.method, error.message
        )
        blocked = lane > 0 and isinstance(error, TelegramForbiddenError)
        return given_up(letter, error.message, blocked=blocked)

    async def _deliver(self, letter: Letter, where: Where | None) -> list[int]:
        row = letter.first
        if len(letter.rows) > 1:
            assert where is not None
            calls = [
                Call(
                    SendMessage(
                        chat_id=where.chat_id,
                        message_thread_id=where.thread_id,
                        text=letter.merged_text(),
                    )
                )
            ]
        elif row.method.startswith(COMPOSED):
            composer = self.composers[row.method.removeprefix(COMPOSED)]
            calls = await composer(row, where, self.call_for(row))
        else:
            method = rebuild(row)
            if where is not None:
                method = method.model_copy(
                    update={"chat_id": where.chat_id, "message_thread_id": where.thread_id}
                )
            calls = [Call(method)]
        ids: list[int] = []
        send = self.call_for(row)
        for call in calls:
            try:
                ids += message_ids(await send(call.method))
            except TelegramBadRequest as exc:
                if not call.cosmetic or topic_gone(exc):
                    raise
                logger.info("%s refused (cosmetic): %s", call.method.__api_method__, exc.message)
        return ids

    def call_for(self, row: OutboxMessage) -> Sender:
        broadcast = row.priority == Priority.BROADCAST

        async def send(method: TelegramMethod[Any]) -> Any:
            chat = getattr(method, "chat_id", None)
            if isinstance(chat, int):
                await self.pacer.acquire(
                    chat, broadcast=broadcast, message=creates_message(method.__api_method__)
                )
            with as_courier():
                return await self.bot(method)

        return send
