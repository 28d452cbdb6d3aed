"""Anonymous cases in the outbox and the courier's logs: a message waiting for a desk group or
for the resident names no row with both the resident's chat and the case, and no log line names
a private chat or a citizen."""

from __future__ import annotations

import json
import logging

import pytest
from aiogram.types import User
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app.logs import quiet_parameter_loggers
from bot.kinds import OutboxStatus
from storage.models import Case, OutboxMessage
from tests.conftest import CENTRAL, Harness
from tests.fakes import FakeClock
from tests.helpers import onboard, report
from tests.test_sealed_link import as_text, dump


async def anonymous_case(factory: async_sessionmaker[AsyncSession]) -> Case:
    async with factory() as session:
        found = await session.scalar(select(Case).where(Case.privacy == "anonymous"))
        assert found is not None
        return found


async def waiting(factory: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    async with factory() as session:
        query = select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
        return list((await session.scalars(query)).all())


def reactions_to(tg: Harness, user: User) -> list[tuple[int, str]]:
    return [
        (call.params["message_id"], call.params["reaction"][0]["emoji"])
        for call in tg.api.sent("setMessageReaction", user.id)
    ]


async def test_a_follow_up_waiting_for_a_broken_desk_group_names_no_resident_chat(
    tg: Harness,
    zoe: User,
    clock: FakeClock,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """The desk group lost the bot's rights, so the follow-up waits there until an admin fixes
    it; a backup taken meanwhile must not hold the resident's chat beside the case. Once the
    group is fixed, the follow-up arrives and the resident still gets the 👍."""
    await onboard(tg, zoe)
    await report(tg, zoe, privacy="anonymous")
    case = await anonymous_case(session_factory)
    tg.api.fail(
        "sendMessage", status=403, description="Forbidden: bot was kicked", chat_id=CENTRAL
    )

    follow_up = await tg.send(zoe, "It is there again now")

    assert [row.case_id for row in await waiting(session_factory)] == [case.id]
    assert str(zoe.id) not in as_text((await dump(session_factory))["outbox"])

    clock.advance(minutes=2)  # past the wait for a group's admin
    await tg.courier.drain()

    assert "It is there again now" in tg.api.last("sendMessage", CENTRAL).text
    assert follow_up.message is not None
    assert reactions_to(tg, zoe)[-1] == (follow_up.message.message_id, "👍")


async def test_a_reply_waiting_for_an_anonymous_resident_is_sealed(
    tg: Harness,
    zoe: User,
    officer: User,
    clock: FakeClock,
    session_factory: async_sessionmaker[AsyncSession],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The resident's chat answers 429: the officer's reply waits in the outbox. Its row names
    the chat (it is the lane) but neither the case, nor its reference, nor the topic's message;
    the flood wait is logged without the chat. After the wait it is delivered as usual."""
    caplog.set_level(logging.DEBUG)
    quiet_parameter_loggers()
    await onboard(tg, zoe)
    await report(tg, zoe, privacy="anonymous")
    case = await anonymous_case(session_factory)
    tg.api.fail("sendMessage", status=429, retry_after=3, chat_id=zoe.id)
    caplog.clear()

    reply = await tg.staff(CENTRAL, case.thread_id, officer, "Can you tell us more?")

    [row] = [r for r in await waiting(session_factory) if r.lane == zoe.id]
    assert row.case_id is None
    stored = json.dumps([row.payload, row.effect_data])
    assert case.ref not in stored and "Can you tell us more?" not in stored
    assert [r.getMessage() for r in caplog.records if str(zoe.id) in r.getMessage()] == []

    clock.advance(seconds=4)
    await tg.courier.drain()

    delivered = tg.api.last("sendMessage", zoe.id).text
    assert case.ref in delivered and "Can you tell us more?" in delivered
    assert reply.message is not None
    reacted = tg.api.last("setMessageReaction", CENTRAL)
    assert reacted.params["message_id"] == reply.message.message_id
    assert [r.lane for r in await waiting(session_factory)] == []


async def test_a_reply_the_anonymous_resident_blocked_is_logged_without_them(
    tg: Harness,
    zoe: User,
    officer: User,
    session_factory: async_sessionmaker[AsyncSession],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The resident blocked the bot; the officer's reply fails and the topic says so. No log
    line at that instant names the resident's chat or their citizen row."""
    caplog.set_level(logging.DEBUG)
    quiet_parameter_loggers()
    await onboard(tg, zoe)
    await report(tg, zoe, privacy="anonymous")
    case = await anonymous_case(session_factory)
    tg.api.fail(
        "sendMessage",
        status=403,
        chat_id=zoe.id,
        description="Forbidden: bot was blocked by the user",
    )
    caplog.clear()

    await tg.staff(CENTRAL, case.thread_id, officer, "Can you tell us more?")

    assert "Not delivered" in tg.api.last("sendMessage", CENTRAL).text
    lines = [r.getMessage() for r in caplog.records]
    assert [line for line in lines if str(zoe.id) in line] == [], lines
    blocked = [r.getMessage() for r in caplog.records if r.name == "bot.workflows.effects"]
    assert blocked == ["a resident has blocked the bot"]
