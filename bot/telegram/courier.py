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

Parts: this module schedules lanes and works through them; bot.telegram.sending makes the
calls of a batch, bot.telegram.recording writes their outcomes, bot.telegram.letters holds
the types they pass around and the protocols the workflows implement.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from contextlib import suppress
from datetime import datetime, timedelta

from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.logcontext import chat_for_log
from bot.metrics import Metrics
from bot.telegram.lanes import InProcessLanes, LaneLocks
from bot.telegram.letters import SETUP_BACKOFF, Composer, Effect, Letter, Outcome, Topics
from bot.telegram.pacing import Pacer, creates_message
from bot.telegram.recording import Recorder
from bot.telegram.sending import Sending
from storage.db import lost_connection
from storage.models import OutboxMessage
from storage.outbox import Outboxes

logger = logging.getLogger(__name__)
RECONNECT = timedelta(seconds=1)  # after a lost connection: soon, but no spin while it is down

MIN_DEFERRAL_S = 0.001  # a desk group the bot cannot use until someone fixes it
BUSY_ELSEWHERE = timedelta(milliseconds=500)  # another process works on the lane
SWEEP_SECONDS = 10.0  # how often lanes a dead process left are looked for
SCHEDULE_INTERVAL_S = 0.02  # at most this often a new look for due chats


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
        self.max_lanes = max_lanes
        self.batch = batch
        self.poll_seconds = poll_seconds
        self.schedule_interval = SCHEDULE_INTERVAL_S
        self.metrics = metrics or Metrics()
        self.sending = Sending(bot, clock, pacer, self.metrics, topics, composers or {})
        self.recorder = Recorder(
            bot, session_factory, clock, pacer, self.metrics, effects or {}, self.wake
        )
        self.lanes = lanes or InProcessLanes()
        self._active: dict[int, asyncio.Task[None]] = {}
        self._deferred: dict[int, datetime] = {}
        self._wake = asyncio.Event()
        self._stopping = False
        # Per lane, the rows claimed and not yet recorded, and those whose call has begun.
        self._claimed: dict[int, list[int]] = {}
        self._started: dict[int, set[int]] = {}

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
        return await self.recorder.recover_rows([row.id for row in rows])

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
        await self.recorder.recover_rows(begun)
        if self.recorder.courtesies:
            await asyncio.wait(list(self.recorder.courtesies), timeout=1.0)
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
                    await asyncio.gather(*self.recorder.courtesies, return_exceptions=True)
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
            while not self._stopping and await self._lane_step(lane):
                pass
        except Exception as exc:
            if lost_connection(exc):  # the pool is renewed; rows left mid-send are recovered
                logger.warning("courier: %s lost its database connection", chat_for_log(lane))
                self._defer(lane, self.clock.now() + RECONNECT)
            else:
                logger.exception(
                    "courier: %s failed; it is retried in a minute", chat_for_log(lane)
                )
                self._defer(lane, self.clock.now() + SETUP_BACKOFF)
        finally:
            self._active.pop(lane, None)
            self._wake.set()
            try:
                await self.lanes.unlock(lane)
            except Exception as exc:  # the lock connection is gone, and the lock with it
                logger.warning(
                    "%s: could not be let go (%s)", chat_for_log(lane), type(exc).__name__
                )

    async def _lane_step(self, lane: int) -> bool:
        """Send the lane's next batch; False when the lane has nothing (more) to do now."""
        now = self.clock.now()
        claimed: set[int] = set()
        async with self.session_factory() as session:
            outboxes = Outboxes(session)
            rows, left_sending = await outboxes.head(lane, self.batch, now)
            letters = [] if left_sending else self._may_go(lane, rows, now)
            if letters:
                claimed = set(await outboxes.claim([r.id for x in letters for r in x.rows]))
                await session.commit()
        if left_sending:  # this worker holds the lane: a dead one left them
            await self._recover_lane(lane)
            return True
        if not letters:
            return False
        letters = [x for x in letters if all(r.id in claimed for r in x.rows)]
        # The lane is done once this batch is: a message written meanwhile wakes the courier,
        # which finds the lane due again (a second look here cost a query per message).
        more = len(rows) >= self.batch or sum(len(x.rows) for x in letters) < len(rows)
        topics = await self.sending.located(letters)
        self._claimed[lane] = [r.id for x in letters for r in x.rows]
        begun: set[int] = set()
        self._started[lane] = begun
        outcomes: list[Outcome] = []
        for index, letter in enumerate(letters):
            begun.update(r.id for r in letter.rows)
            outcome = await self.sending.send(lane, letter, topics)
            outcomes.append(outcome)
            if outcome.retry_at is not None:
                outcomes += [
                    Outcome(rest, retry_at=outcome.retry_at) for rest in letters[index + 1 :]
                ]
                self._defer(lane, outcome.retry_at)
                break
        await self.recorder.record(outcomes)
        self._claimed.pop(lane, None)
        self._started.pop(lane, None)
        return more and all(o.retry_at is None for o in outcomes) and bool(letters)

    def _may_go(self, lane: int, rows: list[OutboxMessage], now: datetime) -> list[Letter]:
        """The letters of `rows` the chat may take now; none (and the lane deferred) when its
        first message is not due yet or the chat must wait."""
        if not rows:
            return []
        if rows[0].not_before > now:
            self._defer(lane, rows[0].not_before)
            return []
        wait = (
            self.pacer.chat_delay(lane)
            if creates_message(rows[0].method)
            else self.pacer.paused(lane)
        )
        if wait > 0:
            # At least a millisecond: a tiny wait would round to "now" and spin the lane.
            self._defer(lane, now + timedelta(seconds=max(wait, MIN_DEFERRAL_S)))
            return []
        return self.sending.letters(lane, rows, now)
