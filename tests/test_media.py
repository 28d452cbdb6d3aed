"""Everything a citizen or officer can send: media both ways, albums, long texts and captions,
and kinds that cannot be relayed (edits: tests/test_edits.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiogram.types import Chat, User
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Case, CaseMessage
from tests.conftest import CENTRAL, Harness
from tests.helpers import onboard, report


def photo(file_id: str) -> list[dict[str, Any]]:
    return [{"file_id": file_id, "file_unique_id": file_id, "width": 10, "height": 10}]


MEDIA: dict[str, dict[str, Any]] = {
    "photo": {"photo": photo("ph1")},
    "video": {
        "video": {"file_id": "v1", "file_unique_id": "v1", "width": 1, "height": 1, "duration": 3}
    },
    "voice": {"voice": {"file_id": "vo1", "file_unique_id": "vo1", "duration": 4}},
    "audio": {"audio": {"file_id": "a1", "file_unique_id": "a1", "duration": 5}},
    "document": {"document": {"file_id": "d1", "file_unique_id": "d1", "file_name": "x.pdf"}},
    "location": {"location": {"latitude": 52.1, "longitude": 5.1}},
    "venue": {
        "venue": {
            "location": {"latitude": 52.1, "longitude": 5.1},
            "title": "Station",
            "address": "Stationsplein 1",
        }
    },
    "contact": {"contact": {"phone_number": "+31600000000", "first_name": "Neighbour"}},
    "sticker": {
        "sticker": {
            "file_id": "s1",
            "file_unique_id": "s1",
            "type": "regular",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
        }
    },
}


async def the_case(factory: async_sessionmaker[AsyncSession]) -> Case:
    async with factory() as session:
        return (await session.scalars(select(Case))).one()


async def records(factory: async_sessionmaker[AsyncSession]) -> list[CaseMessage]:
    async with factory() as session:
        return list((await session.scalars(select(CaseMessage).order_by(CaseMessage.id))).all())


@pytest.mark.parametrize("kind", sorted(MEDIA))
async def test_every_kind_is_copied_into_the_topic_and_back(
    tg: Harness,
    alice: User,
    officer: User,
    session_factory: async_sessionmaker[AsyncSession],
    kind: str,
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    case = await the_case(session_factory)
    tg.api.clear()

    update = await tg.send(alice, None, **MEDIA[kind])
    [copy] = tg.api.sent("copyMessage", CENTRAL)
    assert copy.thread_id == case.thread_id
    assert copy.params["message_id"] == update.message.message_id  # type: ignore[union-attr]

    staff = await tg.staff(CENTRAL, case.thread_id, officer, None, **MEDIA[kind])
    [back] = tg.api.sent("copyMessage", alice.id)
    assert back.params["message_id"] == staff.message.message_id  # type: ignore[union-attr]
    assert not tg.api.sent("forwardMessage")
    assert {r.kind for r in await records(session_factory) if r.direction != "system"} >= {kind}


async def test_album_is_gathered_and_copied_as_one_album_in_order(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    case = await the_case(session_factory)
    tg.api.clear()
    album = [
        tg.updates.message(alice, None, photo=photo(f"p{i}"), media_group_id="alb1")
        for i in range(3)
    ]

    # Telegram delivers an album as separate updates, possibly out of order.
    await asyncio.gather(*(tg.feed(update) for update in reversed(album)))

    [copy] = tg.api.sent("copyMessages", CENTRAL)
    assert copy.thread_id == case.thread_id
    assert copy.params["message_ids"] == [u.message.message_id for u in album]  # type: ignore[union-attr]
    assert not tg.api.sent("copyMessage")
    stored = [r for r in await records(session_factory) if r.kind == "photo"]
    assert [r.file_id for r in stored] == ["p0", "p1", "p2"]


async def test_long_staff_text_is_split_below_telegrams_limit(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    case = await the_case(session_factory)
    tg.api.clear()
    long_text = " ".join(["information"] * 372)  # 4,463 characters with the header

    await tg.staff(CENTRAL, case.thread_id, officer, long_text[:4096])

    parts = tg.api.sent("sendMessage", alice.id)
    assert len(parts) == 2
    assert all(len(p.text) <= 4096 for p in parts)
    assert parts[0].text.startswith("<b>👮 Police</b> · BL-26-00001\n")
    rejoined = parts[0].text.removeprefix("<b>👮 Police</b> · BL-26-00001\n") + " " + parts[1].text
    assert rejoined.split() == long_text[:4096].split()


async def test_caption_over_1024_characters_follows_as_text(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    case = await the_case(session_factory)
    tg.api.clear()
    caption = "x" * 1020 + " <ok>"  # a premium user's long caption

    await tg.staff(CENTRAL, case.thread_id, officer, None, photo=photo("p"), caption=caption)

    [copy] = tg.api.sent("copyMessage", alice.id)
    assert copy.params["caption"] == "<b>👮 Police</b> · BL-26-00001"
    [text] = tg.api.sent("sendMessage", alice.id)
    assert text.text == "x" * 1020 + " &lt;ok&gt;"


@pytest.mark.parametrize(
    "content",
    [
        {"dice": {"emoji": "🎲", "value": 3}},
        {"story": {"chat": {"id": -100123, "type": "channel", "title": "C"}, "id": 7}},
    ],
    ids=["dice", "story"],
)
async def test_kinds_that_cannot_be_relayed_get_a_reply_and_nothing_is_lost(
    tg: Harness,
    alice: User,
    session_factory: async_sessionmaker[AsyncSession],
    content: dict[str, Any],
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    tg.api.clear()

    await tg.send(alice, None, **content)
    await tg.send(alice, "but this text goes through")

    assert "cannot be passed on" in tg.api.sent("sendMessage", alice.id)[0].text
    [relayed] = tg.api.sent("sendMessage", CENTRAL)
    assert relayed.text == "👤 Resident Alice\nbut this text goes through"


async def test_staff_album_reaches_the_citizen_as_an_album_after_the_reference(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    case = await the_case(session_factory)
    tg.api.clear()
    chat = Chat(id=CENTRAL, type="supergroup", title="Desk", is_forum=True)
    album = [
        tg.updates.message(
            officer,
            None,
            chat=chat,
            thread_id=case.thread_id,
            photo=photo(f"s{i}"),
            media_group_id="staff-album",
        )
        for i in range(2)
    ]

    await asyncio.gather(*(tg.feed(update) for update in album))

    to_citizen = tg.api.sent(chat_id=alice.id)
    assert [c.method for c in to_citizen] == ["sendMessage", "copyMessages"]
    assert to_citizen[0].text == "<b>👮 Police</b> · BL-26-00001"
    assert to_citizen[1].params["message_ids"] == [u.message.message_id for u in album]  # type: ignore[union-attr]
    assert len(tg.api.sent("setMessageReaction", CENTRAL)) == 2


async def test_citizens_long_caption_reaches_the_topic_as_text(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    case = await the_case(session_factory)
    tg.api.clear()
    caption = "y" * 1500  # Telegram Premium allows captions longer than a bot may send

    await tg.send(alice, None, photo=photo("long"), caption=caption)

    [copy] = tg.api.sent("copyMessage", CENTRAL)
    assert copy.params["caption"] == "👤 Resident Alice"  # who sent it; the words follow
    [text] = tg.api.sent("sendMessage", CENTRAL)
    assert (text.thread_id, text.text) == (case.thread_id, caption)
