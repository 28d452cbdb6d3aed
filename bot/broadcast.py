"""The sender of announcements: claims what is due, works through the delivery rows and posts
the delivery report to the coordinators. Each row is committed as `sending` before the API
call and as `sent`/`failed`/`blocked` after it, so a crash can only leave `sending` rows, which
the next start marks `unknown` (never re-sent)."""

from __future__ import annotations

import asyncio
import json
import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.i18n import _
from bot.keyboards import AlertCb
from bot.network import Network
from bot.pacing import broadcasting
from bot.services import alerts
from bot.texts import fmt, quote
from storage.models import (
    Announcement,
    AnnouncementStatus,
    Citizen,
    Delivery,
    DeliveryStatus,
    Occurrence,
)

logger = logging.getLogger(__name__)


class Broadcaster:
    def __init__(
        self,
        bot: Bot,
        session_factory: async_sessionmaker[AsyncSession],
        i18n: I18n,
        network: Network,
        clock: Clock,
        workers: int = 8,
    ) -> None:
        self.bot = bot
        self.session_factory = session_factory
        self.i18n = i18n
        self.network = network
        self.clock = clock
        self.workers = workers

    async def recover(self) -> int:
        """At start-up: rows a crashed sender left `sending` become `unknown`."""
        async with self.session_factory() as session:
            count = await alerts.mark_unknown_after_restart(session)
            await session.commit()
        if count:
            logger.warning("%d alert deliveries were interrupted; reported as unknown", count)
        return count

    async def run(self) -> None:
        """One tick: claim due announcements, send what may be sent now, report what is done."""
        async with self.session_factory() as session:
            await alerts.claim_due(
                session, self.clock.now(), self.network.zone, self.network.default_language
            )
            await session.commit()
        await self.send_pending()
        await self.report_finished()

    async def send_pending(self) -> None:
        async with self.session_factory() as session:
            ids = await alerts.pending_ids(session, self.clock.now(), limit=100_000)
        queue: asyncio.Queue[int] = asyncio.Queue()
        for delivery_id in ids:
            queue.put_nowait(delivery_id)

        async def worker() -> None:
            while not queue.empty():
                await self._deliver(queue.get_nowait())

        await asyncio.gather(*(worker() for _ in range(self.workers)))

    async def _deliver(self, delivery_id: int) -> None:
        async with self.session_factory() as session:
            delivery = await alerts.claim_delivery(session, delivery_id)
            if delivery is None:
                return
            occurrence = await session.get(Occurrence, delivery.occurrence_id)
            assert occurrence is not None
            announcement = await session.get(Announcement, occurrence.announcement_id)
            assert announcement is not None
            await session.commit()
        status, message_id, error = await self._send(delivery, announcement)
        async with self.session_factory() as session:
            row = await session.get(Delivery, delivery_id)
            assert row is not None
            row.status, row.message_id, row.last_error = status, message_id, error
            if status == DeliveryStatus.SENT:
                row.sent_at = self.clock.now()
            if status == DeliveryStatus.BLOCKED:
                citizen = await session.get(Citizen, row.citizen_id)
                if citizen is not None:
                    citizen.blocked_bot = True
            await session.commit()

    async def _send(
        self, delivery: Delivery, announcement: Announcement
    ) -> tuple[DeliveryStatus, int | None, str | None]:
        texts: dict[str, str] = json.loads(announcement.texts)
        with self.i18n.context(), self.i18n.use_locale(delivery.language):
            text = alert_text(announcement.urgent, texts[delivery.language])
            markup = alert_buttons(delivery.id)
        try:
            with broadcasting():
                if announcement.photo_file_id and len(text) <= 1024:
                    sent = await self.bot.send_photo(
                        delivery.chat_id,
                        announcement.photo_file_id,
                        caption=text,
                        reply_markup=markup,
                    )
                else:
                    sent = await self.bot.send_message(delivery.chat_id, text, reply_markup=markup)
        except TelegramForbiddenError as exc:
            return DeliveryStatus.BLOCKED, None, exc.message
        except TelegramAPIError as exc:
            return DeliveryStatus.FAILED, None, exc.message
        return DeliveryStatus.SENT, sent.message_id, None

    async def report_finished(self) -> None:
        """Post the delivery report of every occurrence with nothing left to send."""
        async with self.session_factory() as session:
            occurrences = await alerts.unfinished_occurrences(session)
            for occurrence in occurrences:
                if await alerts.open_count(session, occurrence.id):
                    continue
                occurrence.finished_at = self.clock.now()
                occurrence.reported = True
                announcement = await session.get(Announcement, occurrence.announcement_id)
                if announcement is not None and announcement.schedule == "once":
                    announcement.status = AnnouncementStatus.DONE
                summary = await alerts.report(session, occurrence)
                await session.commit()
                await self._post_report(occurrence, summary)

    async def _post_report(self, occurrence: Occurrence, summary: alerts.DeliveryReport) -> None:
        chat = self.network.coordinators_chat_id
        if chat is None:
            return
        counts = summary.by_status
        with self.i18n.context(), self.i18n.use_locale(self.network.default_language):
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
        try:
            await self.bot.send_message(chat, "\n".join(lines))
        except TelegramAPIError as exc:
            logger.warning("delivery report not posted: %s", exc.message)


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
