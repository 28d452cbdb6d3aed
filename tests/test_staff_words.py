"""What staff write in a case topic, as the resident may (or may not) see it: `//` internal notes
in any form stay in the topic, and mentions of colleagues by account id reach the resident as
plain words."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiogram.types import Chat, MessageEntity, Update, User
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.kinds import Direction
from bot.ui.referrals import ReferralCb
from storage.models import AuditEvent, Case, CaseMessage, Referral
from tests.conftest import CENTRAL, PARTNER, Harness
from tests.fakes import Call
from tests.helpers import onboard, report

SANNE = User(id=905, is_bot=False, first_name="Sanne")  # a colleague without a username


def photo(file_id: str) -> list[dict[str, Any]]:
    return [{"file_id": file_id, "file_unique_id": file_id, "width": 10, "height": 10}]


def video(file_id: str) -> dict[str, Any]:
    return {"file_id": file_id, "file_unique_id": file_id, "width": 1, "height": 1, "duration": 2}


def desk() -> Chat:
    return Chat(id=CENTRAL, type="supergroup", title="Desk", is_forum=True)


async def the_case(factory: async_sessionmaker[AsyncSession]) -> Case:
    async with factory() as session:
        return (await session.scalars(select(Case))).one()


async def notes(factory: async_sessionmaker[AsyncSession]) -> list[CaseMessage]:
    async with factory() as session:
        found = await session.scalars(
            select(CaseMessage)
            .where(CaseMessage.direction == Direction.NOTE)
            .order_by(CaseMessage.id)
        )
        return list(found.all())


def reactions(tg: Harness, message_id: int) -> list[str]:
    return [
        reaction["emoji"]
        for call in tg.api.sent("setMessageReaction", CENTRAL)
        if call.params["message_id"] == message_id
        for reaction in call.params["reaction"]
    ]


def message_id(update: Update) -> int:
    assert update.message is not None
    return update.message.message_id


NOTES: dict[str, dict[str, Any]] = {
    "photo": {"photo": photo("n1"), "caption": "// plate matches the stolen car"},
    "video": {"video": video("n2"), "caption": "//from the camera at the station"},
    "document": {
        "document": {"file_id": "n3", "file_unique_id": "n3", "file_name": "statement.pdf"},
        "caption": "// witness statement, do not share",
    },
    "indented text": {"text": "   // she called before, see BL-26-00007"},
    "text after a line break": {"text": "\n// the second line is not the start"},
}


@pytest.mark.parametrize("form", sorted(NOTES))
async def test_a_note_in_any_form_stays_in_the_topic_and_is_marked(
    tg: Harness,
    alice: User,
    officer: User,
    session_factory: async_sessionmaker[AsyncSession],
    form: str,
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    case = await the_case(session_factory)
    tg.api.clear()
    content = dict(NOTES[form])
    text = content.pop("text", None)

    update = await tg.staff(CENTRAL, case.thread_id, officer, text, **content)

    assert tg.api.sent(chat_id=alice.id) == []
    [note] = await notes(session_factory)
    assert note.source_message_id == message_id(update)
    assert (note.text or "").lstrip().startswith("//")
    assert reactions(tg, message_id(update)) == ["✍"]
    async with session_factory() as session:
        events = (await session.scalars(select(AuditEvent))).all()
    assert [e.action for e in events if e.action == "note"] == ["note"]


async def test_an_album_with_a_note_caption_on_any_item_stays_in_the_topic(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    case = await the_case(session_factory)
    tg.api.clear()
    captions = [None, "// the second picture shows his face", None]
    album = [
        tg.updates.message(
            officer,
            None,
            chat=desk(),
            thread_id=case.thread_id,
            photo=photo(f"a{i}"),
            caption=caption,
            media_group_id="staff-notes",
        )
        for i, caption in enumerate(captions)
    ]

    await asyncio.gather(*(tg.feed(update) for update in album))

    assert tg.api.sent(chat_id=alice.id) == []
    assert [n.file_id for n in await notes(session_factory)] == ["a0", "a1", "a2"]
    assert reactions(tg, message_id(album[0])) == ["✍"]


async def test_text_that_only_mentions_slashes_later_still_reaches_the_resident(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    case = await the_case(session_factory)
    tg.api.clear()

    await tg.staff(CENTRAL, case.thread_id, officer, "See https://politie.nl // tips")

    [delivered] = tg.api.sent("sendMessage", alice.id)
    assert delivered.text.endswith("See https://politie.nl // tips")
    assert await notes(session_factory) == []


async def test_a_partners_note_in_a_referral_topic_is_not_passed_on(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    case = await the_case(session_factory)
    await tg.staff(CENTRAL, case.thread_id, officer, "/refer housing mould in the flat")
    async with session_factory() as session:
        referral = (await session.scalars(select(Referral))).one()
    await tg.press(alice, ReferralCb(referral_id=referral.id, agree=True))
    async with session_factory() as session:
        referral = (await session.scalars(select(Referral))).one()
    assert referral.thread_id is not None
    tg.api.clear()
    worker = User(id=950, is_bot=False, first_name="Worker")
    chat = Chat(id=PARTNER, type="supergroup", title="Housing", is_forum=True)

    update = tg.updates.message(
        worker,
        None,
        chat=chat,
        thread_id=referral.thread_id,
        photo=photo("mould"),
        caption="  // for our files only",
    )
    await tg.feed(update)

    assert tg.api.sent(chat_id=alice.id) == []
    [mark] = tg.api.sent("setMessageReaction", PARTNER)
    assert mark.params["reaction"] == [{"type": "emoji", "emoji": "✍"}]


def mention(text: str, name: str, user: User = SANNE) -> MessageEntity:
    return MessageEntity(type="text_mention", offset=text.index(name), length=len(name), user=user)


def entity(kind: str, text: str, part: str, **extra: Any) -> MessageEntity:
    return MessageEntity(type=kind, offset=text.index(part), length=len(part), **extra)


def no_account_links(call: Call) -> None:
    dump = call.dump()
    assert "tg://" not in dump and str(SANNE.id) not in dump, dump


async def test_a_mention_of_a_colleague_reaches_the_resident_as_plain_words(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    case = await the_case(session_factory)
    tg.api.clear()
    text = "Sanne will call you today, details here."
    entities = [
        mention(text, "Sanne"),
        entity("bold", text, "today"),
        entity("text_link", text, "here", url="https://politie.nl/aangifte"),
    ]

    await tg.staff(CENTRAL, case.thread_id, officer, text, entities=entities)

    [delivered] = tg.api.sent("sendMessage", alice.id)
    no_account_links(delivered)
    assert delivered.text == (
        "<b>👮 Police</b> · BL-26-00001\nSanne will call you <b>today</b>, details "
        '<a href="https://politie.nl/aangifte">here</a>.'
    )


async def test_a_link_to_an_account_id_reaches_the_resident_as_plain_words(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    case = await the_case(session_factory)
    tg.api.clear()
    text = "Ask for Sanne at the desk."
    link = entity("text_link", text, "Sanne", url=f"tg://user?id={SANNE.id}")

    await tg.staff(CENTRAL, case.thread_id, officer, text, entities=[link])

    [delivered] = tg.api.sent("sendMessage", alice.id)
    no_account_links(delivered)
    assert delivered.text == "<b>👮 Police</b> · BL-26-00001\nAsk for Sanne at the desk."


async def test_a_caption_mentioning_a_colleague_reaches_the_resident_without_the_link(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    case = await the_case(session_factory)
    tg.api.clear()
    caption = "Sanne took this picture"

    await tg.staff(
        CENTRAL,
        case.thread_id,
        officer,
        None,
        photo=photo("evidence"),
        caption=caption,
        caption_entities=[mention(caption, "Sanne"), entity("italic", caption, "picture")],
    )

    [copy] = tg.api.sent("copyMessage", alice.id)
    no_account_links(copy)
    caption = copy.params["caption"]
    assert caption == "<b>👮 Police</b> · BL-26-00001\nSanne took this <i>picture</i>"


async def test_an_album_mentioning_a_colleague_is_sent_again_without_the_link(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    case = await the_case(session_factory)
    tg.api.clear()
    caption = "Sanne found these"
    album = [
        tg.updates.message(
            officer,
            None,
            chat=desk(),
            thread_id=case.thread_id,
            photo=photo("p0"),
            caption=caption,
            caption_entities=[mention(caption, "Sanne"), entity("bold", caption, "found")],
            media_group_id="mention-album",
        ),
        tg.updates.message(
            officer,
            None,
            chat=desk(),
            thread_id=case.thread_id,
            video=video("v1"),
            media_group_id="mention-album",
        ),
    ]

    await asyncio.gather(*(tg.feed(update) for update in album))

    to_alice = tg.api.sent(chat_id=alice.id)
    assert [c.method for c in to_alice] == ["sendMessage", "sendMediaGroup"]
    for call in to_alice:
        no_account_links(call)
    media = to_alice[1].params["media"]
    assert [(m["type"], m["media"]) for m in media] == [("photo", "p0"), ("video", "v1")]
    assert media[0]["caption"] == "Sanne <b>found</b> these"
    assert not tg.api.sent("copyMessages", alice.id)
    assert sorted(reactions(tg, message_id(album[0])) + reactions(tg, message_id(album[1]))) == [
        "👍",
        "👍",
    ]


async def test_an_edit_mentioning_a_colleague_reaches_the_resident_without_the_link(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    case = await the_case(session_factory)
    update = await tg.staff(CENTRAL, case.thread_id, officer, "An officer will call you.")
    assert update.message is not None
    tg.api.clear()
    text = "Sanne will call you."
    edited = update.message.model_copy(
        update={"text": text, "entities": [mention(text, "Sanne")], "edit_date": 1_772_700_100}
    )

    await tg.feed(Update(update_id=update.update_id + 1000, edited_message=edited))

    to_alice = tg.api.sent(chat_id=alice.id)
    assert to_alice, "the correction reaches the resident"
    for call in to_alice:
        no_account_links(call)
    assert to_alice[-1].text.endswith("Sanne will call you.")
