"""A chat whose messages a crash left half-sent: the courier that takes the chat next finds
them in the same look as its next messages, and settles them by their guarantee first."""

from __future__ import annotations

from aiogram.types import User
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.kinds import OutboxStatus
from storage.models import OutboxMessage
from tests.conftest import CENTRAL, Harness
from tests.helpers import half_sent


async def test_a_chat_taken_again_repeats_the_half_sent_message_before_the_next_one(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await half_sent(tg, alice, "Sent, then the process died")
    await tg.send(alice, "Written after the restart")

    await tg.courier.drain()  # no sweep for dead workers' rows: the chat's own look finds it

    texts = [call.text for call in tg.api.sent("sendMessage", CENTRAL)]
    assert len(texts) == 3
    assert "Sent, then the process died" in texts[0]
    assert "Sent, then the process died" in texts[1]
    assert "Written after the restart" in texts[2]
    async with session_factory() as session:
        rows = (await session.scalars(select(OutboxMessage))).all()
    assert [r.possibly_repeated for r in rows if r.lane == CENTRAL].count(True) == 1
    assert {r.status for r in rows} == {OutboxStatus.SENT}
