"""Queries and writes for published CAP messages (bot.domain.cap decides what they say)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select

from storage.models import CapMessage
from storage.rows import Rows

CANCEL = "Cancel"


class CapMessages(Rows[CapMessage]):
    """`add` gives a message its id: the identifier and the XML may use it."""

    model = CapMessage

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
