"""Announcements: claims what is due, queues one alert per subscriber in the outbox, and posts
the delivery report to the coordinators when an occurrence has nothing left to send.

Alerts are at-most-once outbox messages: the courier commits each as `sending` before the call,
so a crash can only leave it `unknown` (counted in the report, never re-sent). The claim, the
delivery rows and their outbox messages commit together.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from aiogram import Bot
from aiogram.methods import SendMessage, SendPhoto
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.domain import alerts
from bot.kinds import AnnouncementStatus, DeliveryStatus
from bot.network.schema import Network
from bot.telegram.courier import Call, Failure, Sender, Where
from bot.telegram.outbox import Outbox
from bot.ui.i18n import _, speaking
from bot.ui.keyboards import AlertCb
from bot.ui.texts import TELEGRAM_CAPTION_LIMIT, fmt, quote
from storage.models import Announcement, Citizen, Delivery, Occurrence, OutboxMessage

logger = logging.getLogger(__name__)

ALERT = "alert"


class Broadcaster:
    def __init__(
        self,
        bot: Bot,
        session_factory: async_sessionmaker[AsyncSession],
        i18n: I18n,
        network: Network,
        clock: Clock,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self.bot = bot
        self.session_factory = session_factory
        self.i18n = i18n
        self.network = network
        self.clock = clock
        self.wake = wake

    async def run(self) -> None:
        """One tick: claim due announcements and queue their alerts; report what is done."""
        async with self.session_factory() as session:
            claimed = await alerts.claim_due(
                session, self.clock.now(), self.network.zone, self.network.default_language
            )
            for occurrence in claimed:
                await alerts.queue_alerts(session, occurrence, self.clock.now())
            await session.commit()
        if claimed:
            self.wake()
        await self.report_finished()

    async def report_finished(self) -> None:
        """Post the delivery report of every occurrence with nothing left to send."""
        async with self.session_factory() as session:
            outbox = Outbox(session, self.bot, self.clock)
            for occurrence in await alerts.unfinished_occurrences(session):
                if await alerts.open_count(session, occurrence.id):
                    continue
                occurrence.finished_at = self.clock.now()
                occurrence.reported = True
                announcement = await session.get(Announcement, occurrence.announcement_id)
                if announcement is not None and announcement.schedule == "once":
                    announcement.status = AnnouncementStatus.DONE
                summary = await alerts.report(session, occurrence)
                self._post_report(outbox, occurrence, summary)
            await session.commit()
        if outbox.written:
            self.wake()

    def _post_report(
        self, outbox: Outbox, occurrence: Occurrence, summary: alerts.DeliveryReport
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
        outbox.send(SendMessage(chat_id=chat, text="\n".join(lines)))


class AlertComposer:
    """The composer of `beatline.alert`: the alert in the subscriber's language, with buttons."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], i18n: I18n) -> None:
        self.session_factory = session_factory
        self.i18n = i18n

    async def __call__(self, row: OutboxMessage, where: Where | None, send: Sender) -> list[Call]:
        async with self.session_factory() as session:
            delivery = await session.get(Delivery, int(row.payload["delivery_id"]))
            if delivery is None:
                return []
            occurrence = await session.get(Occurrence, delivery.occurrence_id)
            announcement = (
                await session.get(Announcement, occurrence.announcement_id) if occurrence else None
            )
        if announcement is None:
            return []
        texts: dict[str, str] = json.loads(announcement.texts)
        with speaking(self.i18n, delivery.language):
            text = alert_text(announcement.urgent, texts[delivery.language])
            markup = alert_buttons(delivery.id)
        if announcement.photo_file_id and len(text) <= TELEGRAM_CAPTION_LIMIT:
            return [
                Call(
                    SendPhoto(
                        chat_id=delivery.chat_id,
                        photo=announcement.photo_file_id,
                        caption=text,
                        reply_markup=markup,
                    )
                )
            ]
        return [Call(SendMessage(chat_id=delivery.chat_id, text=text, reply_markup=markup))]


class AlertDelivered:
    """The effect of an alert: its delivery row says sent, blocked, failed or unknown."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def sent(
        self,
        session: AsyncSession,
        outbox: Outbox,
        row: OutboxMessage,
        chat_id: int,
        message_ids: list[int],
    ) -> None:
        delivery = await session.get(Delivery, int(row.payload["delivery_id"]))
        if delivery is not None:
            delivery.status = DeliveryStatus.SENT
            delivery.message_id = message_ids[0] if message_ids else None
            delivery.sent_at = self.clock.now()
            delivery.attempts = row.attempts

    async def failed(
        self, session: AsyncSession, outbox: Outbox, row: OutboxMessage, failure: Failure
    ) -> None:
        delivery = await session.get(Delivery, int(row.payload["delivery_id"]))
        if delivery is None:
            return
        delivery.attempts = row.attempts
        delivery.last_error = failure.reason
        if failure.unknown:
            delivery.status = DeliveryStatus.UNKNOWN
        elif failure.blocked:
            delivery.status = DeliveryStatus.BLOCKED
            citizen = await session.get(Citizen, delivery.citizen_id)
            if citizen is not None:
                citizen.blocked_bot = True
        else:
            delivery.status = DeliveryStatus.FAILED


def alert_text(urgent: bool, text: str) -> str:
    """An alert as a citizen sees it, in the current language."""
    heading = _("🔴 Urgent alert") if urgent else _("📢 Alert")
    return f"<b>{heading}</b>\n\n{quote(text)}"


def alert_buttons(delivery_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("ℹ️ I have information"),
        callback_data=AlertCb(delivery_id=delivery_id, action="info"),
    )
    builder.button(
        text=_("👍 Useful"), callback_data=AlertCb(delivery_id=delivery_id, action="useful")
    )
    builder.button(
        text=_("👎 Not useful"),
        callback_data=AlertCb(delivery_id=delivery_id, action="not_useful"),
    )
    builder.adjust(1, 2)
    return builder.as_markup()
