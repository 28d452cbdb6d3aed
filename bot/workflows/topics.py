"""Each case's forum topic and its card, kept by the courier when it delivers into a topic.

The topic is created when the first message for a case goes out (or after staff deleted it),
with the card posted first, so a topic never exists without its card. Titles and cards are
built from the case as it is when they are sent, so a queued refresh never shows stale state.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from aiogram.methods import (
    CloseForumTopic,
    CreateForumTopic,
    EditForumTopic,
    EditMessageText,
    PinChatMessage,
    SendMessage,
)
from aiogram.types import ForumTopic, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.cases import card_facts
from bot.domain.citizens import resident_of_case
from bot.kinds import CasePriority, CaseStatus
from bot.network.schema import Network
from bot.telegram.letters import Call, Sender, TopicGone, Where
from bot.ui.case_card import case_card, topic_title
from bot.ui.i18n import speaking
from bot.ui.long_text import split_plain
from bot.ui.texts import quote
from storage.cases import Cases
from storage.messages import CaseMessages
from storage.models import OutboxMessage

logger = logging.getLogger(__name__)

# Leaves room for the card's header lines within Telegram's 4096 characters.
CARD_DESCRIPTION_LIMIT = 3300


@dataclass(eq=False)
class TopicKeeper:
    session_factory: async_sessionmaker[AsyncSession]
    i18n: I18n
    network: Network
    _locks: dict[int, asyncio.Lock] = field(default_factory=dict, init=False)

    async def ensure(self, case_id: int, send: Sender) -> Where:
        """The case's topic: created, with the card, when it has none; the card posted if
        it is missing.

        At least once, like the relay: the topic and the card are recorded after Telegram
        made them, so a crash (or a call that fails for good) in between makes the next try
        open another topic or post the card again; the first stays, unrecorded."""
        lock = self._locks.setdefault(case_id, asyncio.Lock())
        async with lock:
            try:
                return await self._ensure(case_id, send)
            finally:
                if not lock.locked():
                    self._locks.pop(case_id, None)

    async def located(self, case_ids: set[int]) -> dict[int, Where]:
        """The topics of those cases that have one with its card; the rest need `ensure`."""
        async with self.session_factory() as session:
            found = await Cases(session).topics(case_ids)
        return {case: Where(chat, thread) for case, (chat, thread) in found.items()}

    async def _ensure(self, case_id: int, send: Sender) -> Where:
        async with self.session_factory() as session:
            case = await Cases(session).by_id(case_id)
            if case is None:
                raise TopicGone
            if case.thread_id is not None and case.card_message_id is not None:
                return Where(case.staff_chat_id, case.thread_id)
            chat, thread = case.staff_chat_id, case.thread_id
            with self._staff_language():
                title = topic_title(case, self.network)
                pieces = split_plain(case.description or "—", CARD_DESCRIPTION_LIMIT)
                card = case_card(
                    case,
                    await resident_of_case(session, case),
                    self.network,
                    pieces[0],
                    await card_facts(session, case, self.network),
                )
            urgent = case.priority == CasePriority.URGENT
        if thread is None:
            topic: ForumTopic = await send(CreateForumTopic(chat_id=chat, name=title))
            thread = topic.message_thread_id
            async with self.session_factory() as session:
                await Cases(session).set_topic(case_id, chat, thread)
                await session.commit()
            logger.info("case %d: topic %d in chat %d", case_id, thread, chat)
        posted: Message = await send(
            SendMessage(chat_id=chat, message_thread_id=thread, text=card)
        )
        for piece in pieces[1:]:
            await send(SendMessage(chat_id=chat, message_thread_id=thread, text=quote(piece)))
        async with self.session_factory() as session:
            await self._card_posted(session, case_id, chat, posted.message_id)
            await session.commit()
        if urgent:
            await send(PinChatMessage(chat_id=chat, message_id=posted.message_id))
        return Where(chat, thread)

    async def _card_posted(
        self, session: AsyncSession, case_id: int, chat: int, card_id: int
    ) -> None:
        case = await Cases(session).by_id(case_id)
        if case is None:
            return
        old = case.card_message_id
        case.card_message_id = card_id
        await CaseMessages(session).move_to_card(case_id, chat, old, card_id)

    async def lost(self, case_id: int, where: Where) -> None:
        """Staff deleted the topic: forget it, so the next message makes a new one."""
        async with self.session_factory() as session:
            if await Cases(session).forget_topic(case_id, where.thread_id):
                case = await Cases(session).by_id(case_id)
                if case is not None:
                    case.card_message_id = None
            await session.commit()

    async def refresh(self, row: OutboxMessage, where: Where | None, send: Sender) -> list[Call]:
        """The composer of `beatline.refreshCard`: title, card, pin and closed state."""
        if where is None or row.case_id is None:
            return []
        async with self.session_factory() as session:
            case = await Cases(session).by_id(row.case_id)
            if case is None:
                return []
            with self._staff_language():
                first = split_plain(case.description or "—", CARD_DESCRIPTION_LIMIT)[0]
                title = topic_title(case, self.network)
                card = case_card(
                    case,
                    await resident_of_case(session, case),
                    self.network,
                    first,
                    await card_facts(session, case, self.network),
                )
        calls = [
            Call(
                EditForumTopic(
                    chat_id=where.chat_id, message_thread_id=where.thread_id, name=title
                ),
                cosmetic=True,
            )
        ]
        if case.card_message_id is not None:
            calls.append(
                Call(
                    EditMessageText(
                        chat_id=where.chat_id, message_id=case.card_message_id, text=card
                    ),
                    cosmetic=True,
                )
            )
            if case.priority == CasePriority.URGENT:
                calls.append(
                    Call(
                        PinChatMessage(chat_id=where.chat_id, message_id=case.card_message_id),
                        cosmetic=True,
                    )
                )
        if case.status == CaseStatus.CLOSED:
            calls.append(
                Call(
                    CloseForumTopic(chat_id=where.chat_id, message_thread_id=where.thread_id),
                    cosmetic=True,
                )
            )
        return calls

    def _staff_language(self) -> AbstractContextManager[None]:
        return speaking(self.i18n, self.network.default_language)


async def nothing(row: OutboxMessage, where: Where | None, send: Sender) -> list[Call]:
    """The composer of `beatline.openTopic`: ensuring the topic was all it asked for."""
    return []
