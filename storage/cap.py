"""Queries and writes for published CAP messages (bot.domain.cap decides what they say)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CapMessage

CANCEL = "Cancel"


class CapMessages:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, message: CapMessage) -> CapMessage:
        """Store `message` and give it its id (the identifier and the XML may use it)."""
        self.session.add(message)
        await self.session.flush()
        return message

    async def by_id(self, message_id: int) -> CapMessage | None:
        return await self.session.get(CapMessage, message_id)

    async def of_announcement(self, announcement_id: int) -> list[CapMessage]:
        """The announcement's messages, oldest first."""
        query = (
            select(CapMessage)
            .where(CapMessage.announcement_id == announcement_id)
            .order_by(CapMessage.id)
        )
        return list((await self.session.scalars(query)).all())

    async def current(self, now: datetime) -> list[CapMessage]:
        """Each announcement's latest message, unless it is a Cancel or has expired; newest
        first."""
        latest = select(func.max(CapMessage.id)).group_by(CapMessage.announcement_id)
        query = (
            select(CapMessage)
            .where(
                CapMessage.id.in_(latest),
                CapMessage.msg_type != CANCEL,
                or_(CapMessage.expires_at.is_(None), CapMessage.expires_at > now),
            )
            .order_by(CapMessage.sent_at.desc(), CapMessage.id.desc())
        )
        return list((await self.session.scalars(query)).all())
