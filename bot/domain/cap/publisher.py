"""Publishing: the CAP message of each sending of an announcement and of its cancellation,
written in the caller's transaction, and the messages in force for the feed."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.alerts.schedule import ONCE
from bot.domain.cap.document import MsgType, alert_xml, cancel_xml, headline, reference
from bot.network.schema import Network
from storage.cap import CapMessages
from storage.models import Announcement, CapMessage, Occurrence


def expiry(announcement: Announcement, network: Network, sent: datetime) -> datetime:
    """A one-off alert stays current for `[cap] hours`; a recurring one until its end."""
    if announcement.schedule != ONCE and announcement.ends_at is not None:
        return max(announcement.ends_at, sent)
    return sent + timedelta(hours=network.cap.hours)


class CapPublisher:
    """Writes the CAP messages of sendings and cancellations, in the caller's transaction."""

    def __init__(self, network: Network) -> None:
        self.network = network

    async def occurrence(
        self,
        session: AsyncSession,
        announcement: Announcement,
        occurrence: Occurrence,
        now: datetime,
    ) -> CapMessage:
        """The message of one sending: `Alert` the first time, then `Update`s of it."""
        repo = CapMessages(session)
        earlier = await repo.of_announcement(announcement.id)
        sent = now.replace(microsecond=0)
        texts = announcement.texts
        first = texts.get(self.network.default_language) or next(iter(texts.values()), "")
        message = CapMessage(
            announcement_id=announcement.id,
            occurrence_id=occurrence.id,
            identifier=f"beatline-{announcement.id}-{occurrence.id}",
            msg_type=(MsgType.UPDATE if earlier else MsgType.ALERT).value,
            headline=headline(first),
            sent_at=sent,
            expires_at=expiry(announcement, self.network, sent),
        )
        references = [reference(before) for before in earlier]
        message.xml = alert_xml(announcement, self.network, message, references)
        return await repo.add(message)

    async def cancelled(
        self, session: AsyncSession, announcement_id: int, now: datetime
    ) -> CapMessage | None:
        """A `Cancel` of the announcement's messages, if one of them is still current."""
        repo = CapMessages(session)
        earlier = await repo.of_announcement(announcement_id)
        last = earlier[-1] if earlier else None
        if last is None or last.msg_type == MsgType.CANCEL:
            return None
        if last.expires_at is not None and last.expires_at <= now:
            return None  # it has lapsed on its own; nobody shows it any more
        message = CapMessage(
            announcement_id=announcement_id,
            occurrence_id=None,
            identifier=f"beatline-{announcement_id}-cancel",
            msg_type=MsgType.CANCEL.value,
            headline=last.headline,
            sent_at=now.replace(microsecond=0),
            expires_at=None,
        )
        references = [reference(before) for before in earlier]
        note = f"Announcement {announcement_id} was cancelled."
        message.xml = cancel_xml(self.network, message, references, note)
        return await repo.add(message)
