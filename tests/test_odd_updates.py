"""Odd updates the random-update test (tests/test_fuzz.py) found breaking something, one test
each: Telegram can deliver every one of them."""

from __future__ import annotations

import pytest
from aiogram.types import Chat, Message, Update, User
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Case
from tests.conftest import CENTRAL, Harness
from tests.fuzz_updates import DATE
from tests.helpers import onboard, report

STRANGER = User(id=5002, is_bot=False, first_name="Stranger", language_code="zz-XX")


def edited(user: User, message_id: int, **content: object) -> Update:
    chat = Chat(id=user.id, type="private", first_name=user.first_name)
    message = Message.model_validate(
        {
            "message_id": message_id,
            "date": DATE,
            "edit_date": 1_772_700_500,
            "chat": chat,
            "from_user": user,
            **content,
        }
    )
    return Update(update_id=77_001, edited_message=message)


async def test_an_edit_from_someone_who_never_agreed_to_the_privacy_notice_is_ignored(
    tg: Harness,
) -> None:
    await tg.send(STRANGER, "/start")
    tg.api.clear()

    await tg.feed(edited(STRANGER, 1, text="/start again"))

    assert tg.api.calls == []


@pytest.mark.parametrize("command", ["/transfer", "/refer", "/transfer nowhere"])
async def test_a_move_without_a_target_asks_with_its_placeholders_shown_as_words(
    tg: Harness,
    alice: User,
    officer: User,
    session_factory: async_sessionmaker[AsyncSession],
    command: str,
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    async with session_factory() as session:
        case = (await session.scalars(select(Case))).one()
    tg.api.clear()

    await tg.staff(CENTRAL, case.thread_id, officer, command)

    assert tg.api.refused == []
    question = tg.api.last("sendMessage", CENTRAL).text
    assert "&lt;reason&gt;" in question
