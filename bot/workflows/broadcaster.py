"""Announcements: claims what is due, queues one alert per subscriber in the outbox, and posts
the delivery report to the coordinators when an occurrence has nothing left to send.

Alerts are at-most-once outbox messages: the courier commits each as `sending` before the call,
so a crash can only leave it `unknown` (counted in the report, never re-sent). The claim, the
delivery rows and their outbox messages commit together.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.domain.alerts import engine
from bot.domain.cap.publisher import CapPublisher
from bot.kinds import AnnouncementStatus, DeliveryStatus
from bot.telegram.letters import Call, Failed, Sender, Sent, Where
from bot.telegram.outbox import Outbox
from bot.ui.alerts import alert_message
from bot.ui.i18n import _, speaking
from bot.ui.texts import fmt
from bot.workflows import progress
from bot.workflows.timer_jobs import OutboxTimerJob
from storage.alerts import AlertWords, Announcements, Deliveries
from storage.citizens import Citizens
from storage.models import Occurrence, OutboxMessage

logger = logging.getLogger(__name__)

ALERT = engine.ALERT_EFFECT
KEPT_SENDINGS = 8  # the words of this many sendings are kept by the alerts' composer


class Broadcaster(OutboxTimerJob):
    """The announcements' timer job (every 15 seconds)."""

    async def run(self) -> None:
        """One tick: claim due announcements and queue their alerts; report what is done."""
        async with self.session_factory() as session:
            outbox = Outbox(session, self.bot, self.clock)
            claimed = await engine.claim_due(
                session,
                self.clock.now(),
                self.network.zone,
                self.network.default_language,
                CapPublisher(self.network),
            )
            for occurrence in claimed:
                await engine.queue_alerts(session, occurrence, self.clock.now())
                await progress.start(
                    session, outbox, self.i18n, self.network, occurrence, self.clock.now()
                )
            await session.commit()
        if claimed:
            self.wake()
        await self.report_finished()

    async def report_finished(self) -> None:
        """Post the delivery report of every occurrence with nothing left to send."""
        async with self.session_factory() as session:
            outbox = Outbox(session, self.bot, self.clock)
            for occurrence in await engine.finished(session):
                occurrence.finished_at = self.clock.now()
                occurrence.reported = True
                announcement = await Announcements(session).by_id(occurrence.announcement_id)
                if announcement is not None and announcement.next_run_at is None:
                    announcement.status = AnnouncementStatus.DONE
                summary = await engine.report(session, occurrence)
                await self._post_report(session, outbox, occurrence, summary)
            await session.commit()
        if outbox.written:
            self.wake()

    async def _post_report(
        self,
        session: AsyncSession,
        outbox: Outbox,
        occurrence: Occurrence,
        summary: engine.DeliveryReport,
    ) -> None:
        chat = self.network.coordinators_chat_id
        if chat is None:
            return
        counts = summary.by_status
        with speaking(self.i18n, self.network.default_language):
            lines = [
                fmt(
                    _("📊 Delivery report for announcement #{number}"),
                    number=occurrence.announcement_id,
                ),
                fmt(_("Recipients: {count}"), count=summary.recipients),
                fmt(_("Sent: {count}"), count=counts.get(DeliveryStatus.SENT, 0)),
                fmt(_("Failed: {count}"), count=counts.get(DeliveryStatus.FAILED, 0)),
                fmt(_("Blocked the bot: {count}"), count=counts.get(DeliveryStatus.BLOCKED, 0)),
                fmt(
                    _("Unknown (interrupted): {count}"),
                    count=counts.get(DeliveryStatus.UNKNOWN, 0),
                ),
                fmt(
                    _("Got the default language (theirs was missing): {count}"),
                    count=summary.fallback,
                ),
                fmt(_("Duration: {seconds} s"), seconds=round(summary.seconds or 0.0, 1)),
                fmt(
                    _("Useful / not useful so far: {useful} / {not_useful}"),
                    useful=summary.useful,
                    not_useful=summary.not_useful,
                ),
            ]
        # The live progress message becomes the report (or it is sent, if there is none).
        text = "\n".join(lines)
        await progress.finish(session, outbox, occurrence.id, chat, text, self.clock.now())


@dataclass(frozen=True)
class AlertComposer:
    """The composer of `beatline.alert`: the alert in the subscriber's language, with buttons.

    The row says which sending and language it is; the words of a sending never change, so
    they are read once per sending, not once per subscriber."""

    session_factory: async_sessionmaker[AsyncSession]
    i18n: I18n
    _words: dict[int, AlertWords] = field(default_factory=dict, init=False, compare=False)

    async def __call__(self, row: OutboxMessage, where: Where | None, send: Sender) -> list[Call]:
        delivery_id = int(row.payload["delivery_id"])
        language, occurrence_id = row.payload.get("language"), row.payload.get("occurrence_id")
        words = self._words.get(occurrence_id) if occurrence_id is not None else None
        if words is None or language is None:
            async with self.session_factory() as session:
                if language is None or occurrence_id is None:  # queued before rows said it
                    delivery = await Deliveries(session).by_id(delivery_id)
                    if delivery is None:
                        return []
                    language, occurrence_id = delivery.language, delivery.occurrence_id
                words = await Announcements(session).words(occurrence_id)
            if words is None:
                return []
            while len(self._words) >= KEPT_SENDINGS:
                del self._words[next(iter(self._words))]
            self._words[occurrence_id] = words
        with speaking(self.i18n, language):
            message = alert_message(
                row.lane, words.urgent, words.texts[language], words.photo_file_id, delivery_id
            )
        return [Call(message)]


@dataclass(frozen=True)
class AlertDelivered:
    """The effect of an alert: its delivery row says sent, blocked, failed or unknown."""

    clock: Clock

    async def sent(self, sent: Sent) -> None:
        await Deliveries(sent.session).mark_sent(
            int(sent.row.payload["delivery_id"]), self.clock.now(), sent.row.attempts
        )

    async def failed(self, failed: Failed) -> None:
        session, row, failure = failed.session, failed.row, failed.failure
        delivery = await Deliveries(session).by_id(int(row.payload["delivery_id"]))
        if delivery is None:
            return
        delivery.attempts = row.attempts
        delivery.last_error = failure.reason
        if failure.unknown:
            delivery.status = DeliveryStatus.UNKNOWN
        elif failure.blocked:
            delivery.status = DeliveryStatus.BLOCKED
            citizen_id = delivery.citizen_id  # None once the resident was erased
            citizen = await Citizens(session).by_id(citizen_id) if citizen_id is not None else None
            if citizen is not None:
                citizen.blocked_bot = True
        else:
            delivery.status = DeliveryStatus.FAILED
