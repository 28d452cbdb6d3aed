"""Odd updates the random-update test (tests/test_fuzz.py) found breaking something, one test
each: Telegram can deliver every one of them."""

from __future__ import annotations

import asyncio

import pytest
from aiogram.types import Chat, Message, Update, User
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Case
from tests.conftest import CENTRAL, Harness
from tests.fuzz_updates import DATE
from tests.helpers import onboard, report


@pytest.fixture
def zoe() -> User:
    return User(id=7391, is_bot=False, first_name="Zoë", language_code="en")


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


async def test_a_staff_edit_to_a_text_too_long_for_one_message_reaches_the_resident_in_parts(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    async with session_factory() as session:
        case = (await session.scalars(select(Case))).one()
    update = await tg.staff(CENTRAL, case.thread_id, officer, "We will call you.")
    assert update.message is not None
    tg.api.clear()
    longer = ("We will call you & visit <today>. " * 130)[:4096]
    edited_message = update.message.model_copy(update={"text": longer, "edit_date": 1})

    await tg.feed(Update(update_id=88_001, edited_message=edited_message))

    assert tg.api.refused == []
    assert not tg.api.sent("editMessageText"), "the copy cannot hold it: only the note shows it"
    parts = tg.api.sent("sendMessage", alice.id)
    assert len(parts) == 2
    assert parts[0].text.startswith("✏️ The police corrected a message:")
    assert parts[0].params["reply_parameters"]["message_id"] > 0


async def test_an_anonymous_album_with_a_caption_too_long_for_it_arrives_with_the_words_after(
    tg: Harness, zoe: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, zoe)
    await report(tg, zoe, privacy="anonymous")
    tg.api.clear()
    words = "The van parked at the corner again, engine running. " * 30  # a premium caption
    album = [
        tg.updates.message(
            zoe,
            None,
            photo=[{"file_id": f"z{i}", "file_unique_id": f"z{i}", "width": 9, "height": 9}],
            caption=words if i == 0 else None,
            media_group_id="long-caption",
        )
        for i in range(2)
    ]

    await asyncio.gather(*(tg.feed(update) for update in album))

    assert tg.api.refused == []
    [group] = tg.api.sent("sendMediaGroup", CENTRAL)
    assert [m.get("caption") for m in group.params["media"]] == [None, None]
    header, *rest = tg.api.sent("sendMessage", CENTRAL)  # who wrote it, before the album
    assert header.text.startswith("👤 Resident C-")
    after = "".join(c.text for c in rest)
    assert after.replace(" ", "") == words.replace(" ", "")
