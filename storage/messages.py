"""A case's conversation: each relayed message with its ids on both sides, its later versions,
and lookups from either side of the relay (a private chat's anonymous messages by blind id)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from bot.kinds import Direction
from storage.db import affected_rows
from storage.deferred import defer
from storage.models import CaseMessage, MessageVersion
from storage.rows import Rows
from storage.sealing import optional_sealer

# Runs for every relayed message: Core, so no unit of work is planned for one row.
_TABLE = CaseMessage.core_table()
_INSERT = insert(_TABLE).returning(_TABLE.c.id)
_MAP_COPY = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("row"))
    .values(target_chat_id=bindparam("chat"), target_message_id=bindparam("message"))
)


def map_copy(session: AsyncSession, record_id: int, chat_id: int, message_id: int) -> None:
    """Record where the copy of message `record_id` landed. Deferred (storage.deferred): the
    courier records a batch of copies, and they are written in one statement; a message
    erased meanwhile is simply not there to update."""
    defer(session, _MAP_COPY, {"row": record_id, "chat": chat_id, "message": message_id})


class CaseMessages(Rows[CaseMessage]):
    model = CaseMessage

    async def insert(self, values: dict[str, Any]) -> int:
        """Add a message (its columns, `id` aside) and return its id; the session's own objects
        are not flushed first, so its case must already have been."""
        return int((await self.session.execute(_INSERT, values)).scalar_one())

    async def add_version(self, case_message_id: int, text: str, edited_at: datetime) -> None:
        """An edit of a relayed message, kept beside its first version (never instead of it)."""
        self.session.add(
            MessageVersion(case_message_id=case_message_id, text=text, edited_at=edited_at)
        )
        await self.session.flush()

    async def move_to_card(
        self, case_id: int, chat_id: int, old_card_id: int | None, card_id: int
    ) -> None:
        """The report's own words are shown on the case card, so their copy is the card: the
        resident's text messages of the case in `chat_id` not delivered yet, or shown on the
        old card, now point at the card `card_id`."""
        on_card: ColumnElement[bool] = CaseMessage.target_message_id.is_(None)
        if old_card_id is not None:
            on_card |= CaseMessage.target_message_id == old_card_id
        texts_in_chat = (
            CaseMessage.case_id == case_id,
            CaseMessage.direction == Direction.CITIZEN,
            CaseMessage.kind == "text",
            CaseMessage.target_chat_id == chat_id,
        )
        moved = update(CaseMessage).where(*texts_in_chat, on_card)
        await affected_rows(self.session, moved.values(target_message_id=card_id))

    async def versions(self, case_message_id: int) -> Sequence[MessageVersion]:
        query = (
            select(MessageVersion)
            .where(MessageVersion.case_message_id == case_message_id)
            .order_by(MessageVersion.id)
        )
        return (await self.session.scalars(query)).all()

    async def attachments(self, case_id: int) -> int:
        """How many files (photos, videos, voice, documents …) the resident sent in the case."""
        found = await self.session.scalar(
            select(func.count(CaseMessage.id)).where(
                CaseMessage.case_id == case_id,
                CaseMessage.direction == Direction.CITIZEN,
                CaseMessage.file_id.is_not(None),
            )
        )
        return int(found or 0)

    def _at(
        self,
        chat: QueryableAttribute[int | None],
        message: QueryableAttribute[int | None],
        chat_id: int,
        message_id: int,
    ) -> ColumnElement[bool]:
        """The message at (`chat_id`, `message_id`) on one side of the relay (`chat`,
        `message`). A private chat's message in an anonymous case is stored under its blind id
        with its id masked (storage.sealing): the blind id alone finds it, as it is computed
        from both the chat and the message."""
        plain = and_(chat == chat_id, message == message_id)
        sealer = optional_sealer(self.session)
        if chat_id <= 0 or sealer is None:
            return plain
        return or_(plain, chat == sealer.blind(chat_id, message_id))

    def _at_source(self, chat_id: int, message_id: int) -> ColumnElement[bool]:
        return self._at(
            CaseMessage.source_chat_id, CaseMessage.source_message_id, chat_id, message_id
        )

    def _at_target(self, chat_id: int, message_id: int) -> ColumnElement[bool]:
        return self._at(
            CaseMessage.target_chat_id, CaseMessage.target_message_id, chat_id, message_id
        )

    async def exists(self, source_chat_id: int, source_message_id: int) -> bool:
        query = select(CaseMessage.id).where(self._at_source(source_chat_id, source_message_id))
        return await self.session.scalar(query) is not None

    async def case_of_target(self, target_chat_id: int, target_message_id: int) -> int | None:
        """The case a relayed copy belongs to, found by where the copy landed."""
        query = select(CaseMessage.case_id).where(
            self._at_target(target_chat_id, target_message_id)
        )
        return (await self.session.scalars(query)).first()

    async def by_target(self, target_chat_id: int, target_message_id: int) -> CaseMessage | None:
        query = select(CaseMessage).where(self._at_target(target_chat_id, target_message_id))
        return (await self.session.scalars(query)).first()

    async def by_source(self, source_chat_id: int, source_message_id: int) -> CaseMessage | None:
        query = select(CaseMessage).where(self._at_source(source_chat_id, source_message_id))
        return (await self.session.scalars(query)).first()

    async def case_of_source(self, source_chat_id: int, source_message_id: int) -> int | None:
        query = select(CaseMessage.case_id).where(
            self._at_source(source_chat_id, source_message_id)
        )
        return (await self.session.scalars(query)).first()

    async def unrelayed(self, case_id: int) -> Sequence[CaseMessage]:
        """The citizen's messages of a case that never reached the desk, oldest first."""
        query = (
            select(CaseMessage)
            .where(
                CaseMessage.case_id == case_id,
                CaseMessage.direction == Direction.CITIZEN,
                CaseMessage.target_message_id.is_(None),
            )
            .order_by(CaseMessage.id)
        )
        return (await self.session.scalars(query)).all()

    async def last_answer_at(self, case_id: int) -> datetime | None:
        """When staff (police or a partner) last wrote to the resident in the case."""
        found: datetime | None = await self.session.scalar(
            select(func.max(CaseMessage.created_at)).where(
                CaseMessage.case_id == case_id, CaseMessage.direction == Direction.STAFF
            )
        )
        return found

    async def of_case(self, case_id: int) -> Sequence[CaseMessage]:
        return (
            await self.session.scalars(
                select(CaseMessage).where(CaseMessage.case_id == case_id).order_by(CaseMessage.id)
            )
        ).all()
