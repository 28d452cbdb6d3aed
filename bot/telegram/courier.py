"""The courier: sends what the outbox holds, in order within a chat, many chats at once.

How a message leaves (design: commit first, deliver per chat):
1. A lane is started when its next message is due and the chat may take one (pacing, flood
   waits). Different chats never wait for each other; a busy chat is deferred, not waited for.
2. The lane claims its next messages (`pending` → `sending`, committed) before calling
   Telegram, as many as the chat may take right now. A desk group whose 20 a minute are used up
   gets the waiting texts of one case merged into one message, each part with its time.
3. After the calls, one transaction records the results and runs each message's effect (the
   relayed-message map, a reaction, a delivery status, a note that something failed).

Several processes: each runs a courier; a lane is worked on by one of them at a time (see
bot.telegram.lanes), and a courier that takes a lane first recovers what a dead one left
`sending` in it, so the chat's order holds. On a stop, lanes get a grace period to finish
their batch; what is still claimed after it is given back (see `stop`).

Guarantees: an at-least-once message that crashed between the call and the record is sent
again and marked `possibly_repeated`; an at-most-once message (alerts) becomes `unknown`.
A 429 pauses the chat that got it; a 5xx or a network error retries with backoff; a refusal
(400, 403) is final and its effect tells whoever needs to know. Nothing is dropped silently.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.types import Message, MessageId
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.kinds import Guarantee, OutboxStatus, Priority
from bot.metrics import Metrics
from bot.telegram.lanes import InProcessLanes, LaneLocks
from bot.telegram.outbox import COMPOSED, Outbox, rebuild
from bot.telegram.pacing import Pacer, creates_message
from storage.models import OutboxMessage
from storage.outbox import Outboxes

logger = logging.getLogger(__name__)

TEXT_LIMIT = 4096
MAX_BACKOFF = timedelta(minutes=5)
SETUP_BACKOFF = timedelta(minutes=1)
MIN_DEFERRAL_S = 0.001  # a desk group the bot cannot use until someone fixes it
BUSY_ELSEWHERE = timedelta(milliseconds=500)  # another process works on the lane
SWEEP_SECONDS = 10.0  # how often lanes a dead process left are looked for
SCHEDULE_INTERVAL_S = 0.02  # at most this often a new look for due chats

_delivering: ContextVar[bool] = ContextVar("beatline_delivering", default=False)


def delivering() -> bool:
    """True inside the courier's calls (the retry middleware leaves those to the courier)."""
    return _delivering.get()


@contextmanager
def _as_courier() -> Any:
    token = _delivering.set(True)
    try:
        yield
    finally:
        _delivering.reset(token)


class TopicGone(Exception):  # noqa: N818 - a state, not an error of ours
    """The case the message belongs to no longer exists (erased): nothing to deliver to."""


@dataclass(frozen=True)
class Where:
    chat_id: int
    thread_id: int


class Topics(Protocol):
    """Keeps each case's forum topic (workflows implement it; the courier only asks)."""

    async def ensure(self, case_id: int, send: Sender) -> Where: ...

    async def lost(self, case_id: int, where: Where) -> None: ...


@dataclass(frozen=True)
class Failure:
    """Why a message was given up."""

    reason: str
    blocked: bool = False  # a private chat answered 403: the person blocked the bot
    unknown: bool = False  # an at-most-once message was interrupted: it may have arrived


class Effect(Protocol):
    """What a message's delivery changes, recorded in the courier's transaction."""

    async def sent(
        self,
        session: AsyncSession,
        outbox: Outbox,
        row: OutboxMessage,
        chat_id: int,
        message_ids: list[int],
    ) -> None: ...

    async def failed(
        self, session: AsyncSession, outbox: Outbox, row: OutboxMessage, failure: Failure
    ) -> None: ...


@dataclass(frozen=True)
class Call:
    method: TelegramMethod[Any]
    cosmetic: bool = False  # a refusal is logged, not a failure (titles, pins, reactions)


Sender = Callable[[TelegramMethod[Any]], Awaitable[Any]]
# Puts a `beatline.*` message together when it is sent: it may read the database, make
# preparatory calls with `send` (e.g. create a topic), and returns the calls still to make.
Composer = Callable[[OutboxMessage, "Where | None", Sender], Awaitable[list[Call]]]


@dataclass
class Letter:
    """What goes out as one Bot API message: one outbox row, or several merged texts."""

    rows: list[OutboxMessage]

    @property
    def first(self) -> OutboxMessage:
        return self.rows[0]

    def merged_text(self) -> str:
        return "\n\n".join(_merge_part(row) for row in self.rows)


def _merge_part(row: OutboxMessage) -> str:
    part = (row.effect_data or {}).get("merge") or {}
    return f"<i>{part.get('head', '')}</i>\n{part.get('html', '')}"


def mergeable(row: OutboxMessage) -> bool:
    return bool(row.into_topic and (row.effect_data or {}).get("merge"))


@dataclass
class Outcome:
    letter: Letter
    ids: list[int] = field(default_factory=list)
    chat_id: int = 0
    retry_at: datetime | None = None
    error: str | None = None
    failure: Failure | None = None  # set when the letter is given up

    @property
    def final(self) -> OutboxStatus | None:
        if self.failure is None:
            return None
        return OutboxStatus.UNKNOWN if self.failure.unknown else OutboxStatus.FAILED


def _given_up(letter: Letter, reason: str, **flags: bool) -> Outcome:
    return Outcome(letter, error=reason, failure=Failure(reason, **flags))


def message_ids(result: Any) -> list[int]:
    if isinstance(result, Message | MessageId):
        return [result.message_id]
    if isinstance(result, list):
        return [item.message_id for item in result if isinstance(item, Message | MessageId)]
    return []


def _backoff(attempts: int) -> timedelta:
    """2, 4, 8 … seconds after the first, second, third … failed attempt, at most 5 minutes."""
    return min(MAX_BACKOFF, timedelta(seconds=2 ** min(attempts, 10)))


def _setup_problem(error: TelegramAPIError, lane: int) -> bool:
    """A desk group the bot cannot post in until an admin fixes it: wait, never give up."""
    if lane > 0:
        return False
    text = error.message.lower()
    return isinstance(error, TelegramForbiddenError | TelegramNotFound) or any(
        sign in text for sign in ("not enough rights", "chat not found", "chat_admin_required")
    )


def _topic_gone(error: TelegramBadRequest) -> bool:
    text = error.message.lower()
    return any(m in text for m in ("thread not found", "topic_deleted", "topic_id_invalid"))


class Courier:
    def __init__(
        self,
        bot: Bot,
        session_factory: async_sessionmaker[AsyncSession],
        clock: Clock,
        pacer: Pacer,
        *,
        effects: Mapping[str, Effect] | None = None,
        composers: Mapping[str, Composer] | None = None,
        topics: Topics | None = None,
        max_lanes: int = 32,
        batch: int = 100,
        poll_seconds: float = 1.0,
        metrics: Metrics | None = None,
        lanes: LaneLocks | None = None,
    ) -> None:
        self.bot = bot
        self.session_factory = session_factory
        self.clock = clock
        self.pacer = pacer
        self.effects = dict(effects or {})
        self.composers = dict(composers or {})
        self.topics = topics
        self.max_lanes = max_lanes
        self.batch = batch
        self.poll_seconds = poll_seconds
        self.schedule_interval = SCHEDULE_INTERVAL_S
        self.metrics = metrics or Metrics()
        self.lanes = lanes or InProcessLanes()
        self._active: dict[int, asyncio.Task[None]] = {}
        self._deferred: dict[int, datetime] = {}
        self._wake = asyncio.Event()
        self._stopping = False
        # Per lane, the rows claimed and not yet recorded, and those whose call has begun.
        self._claimed: dict[int, list[int]] = {}
        self._started: dict[int, set[int]] = {}
        self._courtesies: set[asyncio.Task[None]] = set()  # reactions on their way

    # -- running -------------------------------------------------------------------------------
    @property
    def busy_lanes(self) -> int:
        """Lanes being worked on right now."""
        return len(self._active)

    def wake(self) -> None:
        """New messages were committed: look for them now rather than at the next poll."""
        self._wake.set()

    async def recover(self) -> tuple[int, int]:
        """Rows a dead worker left `sending` (at start-up, then every `SWEEP_SECONDS`): each
        such lane that no worker holds is taken, recovered and let go. (repeated, unknown)."""
        async with self.session_factory() as session:
            lanes = await Outboxes(session).sending_lanes()
        repeated = unknown = 0
        for lane in lanes:
            if lane in self._active or not await self.lanes.try_lock(lane):
                continue
            try:
                again, lost = await self._recover_lane(lane)
            finally:
                await self.lanes.unlock(lane)
            repeated, unknown = repeated + again, unknown + lost
        return repeated, unknown

    async def _recover_lane(self, lane: int) -> tuple[int, int]:
        """Called holding the lane: whatever is still `sending` in it was left by a crash."""
        async with self.session_factory() as session:
            rows = await Outboxes(session).sending(lane=lane)
        return await self._recover_rows([row.id for row in rows])

    async def _recover_rows(self, ids: list[int]) -> tuple[int, int]:
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
                    await effect.failed(session, outbox, row, Failure("interrupted", unknown=True))
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

    async def run(self) -> None:
        """Deliver until stopped: start due lanes, then sleep until woken or the next poll."""
        swept = asyncio.get_running_loop().time()
        while not self._stopping:
            try:
                await self._schedule()
                if asyncio.get_running_loop().time() - swept > SWEEP_SECONDS:
                    swept = asyncio.get_running_loop().time()
                    await self.recover()
            except Exception:
                logger.exception("courier: scheduling failed; trying again shortly")
            self._wake.clear()
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._sleep_seconds())
            # Lanes finishing one after another wake this loop many times a second; looking
            # for due chats once per short interval costs one query for all of them.
            await asyncio.sleep(self.schedule_interval)

    async def stop(self, grace_seconds: float = 8.0) -> None:
        """Stop starting lanes and let running ones finish their batch within the grace
        period; then cancel the rest and give back what they claimed: rows whose call had not
        begun go back to the queue as they were, rows whose call had begun are recovered by
        their guarantee (sent again marked possibly repeated, or unknown). Lanes are let go."""
        self._stopping = True
        self._wake.set()
        if self._active:
            await asyncio.wait(list(self._active.values()), timeout=grace_seconds)
        cut = dict(self._active)
        claimed = {lane: list(self._claimed.get(lane, [])) for lane in cut}
        started = {lane: set(self._started.get(lane, set())) for lane in cut}
        for task in cut.values():
            task.cancel()
        await asyncio.gather(*cut.values(), return_exceptions=True)
        begun = [i for lane in cut for i in claimed[lane] if i in started[lane]]
        untouched = [i for lane in cut for i in claimed[lane] if i not in started[lane]]
        if untouched:
            async with self.session_factory() as session:
                await Outboxes(session).release(untouched, self.clock.now(), None)
                await session.commit()
        await self._recover_rows(begun)
        if self._courtesies:
            await asyncio.wait(list(self._courtesies), timeout=1.0)
        if cut:
            logger.info(
                "courier stopped: %d lane(s) cut short, %d message(s) given back",
                len(cut),
                len(begun) + len(untouched),
            )
        await self.lanes.close()

    async def drain(self) -> None:
        """Send everything that may go now and return (tests, benchmarks, shutdown)."""
        while True:
            started = await self._schedule()
            if not self._active:
                if not started:
                    await asyncio.gather(*self._courtesies, return_exceptions=True)
                    return
                continue
            await asyncio.gather(*list(self._active.values()))

    def _sleep_seconds(self) -> float:
        if not self._deferred:
            return self.poll_seconds
        soonest = min(self._deferred.values())
        return max(0.0, min(self.poll_seconds, (soonest - self.clock.now()).total_seconds()))

    async def _schedule(self) -> int:
        now = self.clock.now()
        # Forget deferrals that are over even when every lane is busy: a past one would make
        # `_sleep_seconds` zero, and `run` would spin until a lane finished.
        self._deferred = {lane: t for lane, t in self._deferred.items() if t > now}
        free = self.max_lanes - len(self._active)
        if free <= 0 or self._stopping:
            return 0
        started = 0
        # Lanes another process holds are deferred and the next ones asked for, until this
        # courier's slots are full or nothing else is due.
        while started < free:
            skip = set(self._active) | set(self._deferred)
            async with self.session_factory() as session:
                lanes = await Outboxes(session).due_lanes(now, skip, free - started)
            if not lanes:
                break
            taken = await self.lanes.take(lanes)
            for lane in lanes:
                if lane not in taken:
                    self._defer(lane, now + BUSY_ELSEWHERE)
                    continue
                self._active[lane] = asyncio.create_task(self._lane(lane), name=f"lane {lane}")
                started += 1
        return started

    def _defer(self, lane: int, until: datetime) -> None:
        self._deferred[lane] = max(until, self._deferred.get(lane, until))

    # -- one lane ------------------------------------------------------------------------------
    async def _lane(self, lane: int) -> None:
        """Work on a lane this worker holds, then let it go."""
        try:
            await self._recover_lane(lane)
            while not self._stopping and await self._lane_step(lane):
                pass
        except Exception:
            logger.exception("courier: lane %d failed; it is retried in a minute", lane)
            self._defer(lane, self.clock.now() + SETUP_BACKOFF)
        finally:
            self._active.pop(lane, None)
            self._wake.set()
            try:
                await self.lanes.unlock(lane)
            except Exception as exc:  # the lock connection is gone, and the lock with it
                logger.warning("lane %d: could not be let go (%s)", lane, type(exc).__name__)

    async def _lane_step(self, lane: int) -> bool:
        """Send the lane's next batch; False when the lane has nothing (more) to do now."""
        now = self.clock.now()
        async with self.session_factory() as session:
            rows = list(await Outboxes(session).head(lane, self.batch, now))
        if not rows:
            return False
        if rows[0].not_before > now:
            self._defer(lane, rows[0].not_before)
            return False
        wait = (
            self.pacer.chat_delay(lane)
            if creates_message(rows[0].method)
            else self.pacer.paused(lane)
        )
        if wait > 0:
            # At least a millisecond: a tiny wait would round to "now" and spin the lane.
            self._defer(lane, now + timedelta(seconds=max(wait, MIN_DEFERRAL_S)))
            return False
        letters = self._letters(lane, rows, now)
        async with self.session_factory() as session:
            claimed = set(await Outboxes(session).claim([r.id for x in letters for r in x.rows]))
            await session.commit()
        letters = [x for x in letters if all(r.id in claimed for r in x.rows)]
        self._claimed[lane] = [r.id for x in letters for r in x.rows]
        begun: set[int] = set()
        self._started[lane] = begun
        outcomes: list[Outcome] = []
        for index, letter in enumerate(letters):
            begun.update(r.id for r in letter.rows)
            outcome = await self._send(lane, letter)
            outcomes.append(outcome)
            if outcome.retry_at is not None:
                outcomes += [
                    Outcome(rest, retry_at=outcome.retry_at) for rest in letters[index + 1 :]
                ]
                self._defer(lane, outcome.retry_at)
                break
        await self._record(outcomes)
        self._claimed.pop(lane, None)
        self._started.pop(lane, None)
        return all(o.retry_at is None for o in outcomes) and bool(letters)

    def _letters(self, lane: int, rows: list[OutboxMessage], now: datetime) -> list[Letter]:
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
                and len(last.merged_text()) + len(_merge_part(row)) + 2 <= TEXT_LIMIT
            ):
                last.rows.append(row)
                continue
            counts = creates_message(row.method) or row.method.startswith(COMPOSED)
            if counts and messages >= max(capacity, 1):
                break
            messages += counts
            letters.append(Letter([row]))
        return letters

    async def _send(self, lane: int, letter: Letter) -> Outcome:
        row = letter.first
        now = self.clock.now()
        where: Where | None = None
        for _attempt in range(2):  # a second time only after a deleted topic was recreated
            try:
                if row.into_topic:
                    if self.topics is None or row.case_id is None:
                        return _given_up(letter, "no topic keeper")
                    where = await self.topics.ensure(row.case_id, self._call_for(row))
                ids = await self._deliver(letter, where)
                return Outcome(letter, ids=ids, chat_id=where.chat_id if where else lane)
            except TopicGone:
                return _given_up(letter, "the case is gone")
            except TelegramRetryAfter as exc:
                self.metrics.count(
                    "flood_waits", "429 answers (flood waits) per kind", kind=row.method
                )
                await self.pacer.flooded(lane, exc.retry_after)
                logger.warning("lane %d: flood wait %ds", lane, exc.retry_after)
                return Outcome(letter, retry_at=now + timedelta(seconds=exc.retry_after))
            except TelegramBadRequest as exc:
                if where is not None and row.case_id is not None and _topic_gone(exc):
                    assert self.topics is not None
                    logger.warning("case %d: topic %d was deleted", row.case_id, where.thread_id)
                    await self.topics.lost(row.case_id, where)
                    where = None
                    continue
                return self._refused(lane, letter, exc, now)
            except (TelegramServerError, TelegramNetworkError) as exc:
                if row.guarantee == Guarantee.AT_MOST_ONCE:
                    # Telegram may have delivered it; an alert is never sent a second time.
                    unknown = isinstance(exc, TelegramNetworkError)
                    return _given_up(letter, str(exc), unknown=unknown)
                logger.warning("lane %d: %s; retrying later", lane, exc)
                return Outcome(letter, retry_at=now + _backoff(row.attempts + 1), error=str(exc))
            except TelegramAPIError as exc:
                return self._refused(lane, letter, exc, now)
        return Outcome(
            letter, retry_at=now + _backoff(row.attempts + 1), error="topic deleted twice"
        )

    def _refused(
        self, lane: int, letter: Letter, error: TelegramAPIError, now: datetime
    ) -> Outcome:
        if _setup_problem(error, lane):
            logger.error("chat %d refuses the bot (%s): waiting for an admin", lane, error.message)
            return Outcome(letter, retry_at=now + SETUP_BACKOFF, error=error.message)
        logger.warning("lane %d: %s refused: %s", lane, letter.first.method, error.message)
        blocked = lane > 0 and isinstance(error, TelegramForbiddenError)
        return _given_up(letter, error.message, blocked=blocked)

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
            calls = await composer(row, where, self._call_for(row))
        else:
            method = rebuild(row)
            if where is not None:
                method = method.model_copy(
                    update={"chat_id": where.chat_id, "message_thread_id": where.thread_id}
                )
            calls = [Call(method)]
        ids: list[int] = []
        send = self._call_for(row)
        for call in calls:
            try:
                ids += message_ids(await send(call.method))
            except TelegramBadRequest as exc:
                if not call.cosmetic or _topic_gone(exc):
                    raise
                logger.info("%s refused (cosmetic): %s", call.method.__api_method__, exc.message)
        return ids

    def _call_for(self, row: OutboxMessage) -> Sender:
        broadcast = row.priority == Priority.BROADCAST

        async def send(method: TelegramMethod[Any]) -> Any:
            chat = getattr(method, "chat_id", None)
            if isinstance(chat, int):
                await self.pacer.acquire(
                    chat, broadcast=broadcast, message=creates_message(method.__api_method__)
                )
            with _as_courier():
                return await self.bot(method)

        return send

    # -- recording -----------------------------------------------------------------------------
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

    async def _record(self, outcomes: Sequence[Outcome]) -> None:
        """One transaction for a batch: statuses, then each message's effect."""
        if not outcomes:
            return
        now = self.clock.now()
        async with self.session_factory() as session:
            repo = Outboxes(session)
            outbox = Outbox(session, self.bot, self.clock)
            sent: list[int] = []
            for outcome in outcomes:
                rows = outcome.letter.rows
                self._count(outcome)
                if outcome.retry_at is not None:
                    await repo.release([r.id for r in rows], outcome.retry_at, outcome.error)
                    continue
                for row in rows:
                    effect = self.effects.get(row.effect or "")
                    if outcome.failure is None:
                        sent.append(row.id)
                        if effect is not None:
                            await effect.sent(session, outbox, row, outcome.chat_id, outcome.ids)
                        continue
                    assert outcome.final is not None
                    await repo.finish(row.id, outcome.final, now, outcome.error)
                    if effect is not None:
                        await effect.failed(session, outbox, row, outcome.failure)
            await repo.finish_sent(sent, now)
            await session.commit()
        if outbox.written:
            self.wake()
        for method in outbox.courtesies:
            task = asyncio.create_task(self._courtesy(method))
            self._courtesies.add(task)
            task.add_done_callback(self._courtesies.discard)

    async def _courtesy(self, method: TelegramMethod[Any]) -> None:
        """A reaction, paced like any call to its chat, made once; a refusal is only logged."""
        chat = getattr(method, "chat_id", None)
        try:
            if isinstance(chat, int):
                await self.pacer.acquire(chat, broadcast=False, message=False)
            with _as_courier():
                await self.bot(method)
        except TelegramAPIError as exc:
            logger.info("%s refused (cosmetic): %s", method.__api_method__, exc.message)
