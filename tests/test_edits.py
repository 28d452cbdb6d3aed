"""Edits of relayed messages: every version kept, the resident's edits shown beside what the
desk saw (in the current topic, never into a closed case), and officers' corrections made
visible to the resident."""

from __future__ import annotations

from aiogram.types import Update, User
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Case, CaseMessage, MessageVersion
from tests.conftest import CENTRAL, EAST, Harness
from tests.helpers import onboard, report


async def the_case(factory: async_sessionmaker[AsyncSession]) -> Case:
    async with factory() as session:
        return (await session.scalars(select(Case))).one()


async def records(factory: async_sessionmaker[AsyncSession]) -> list[CaseMessage]:
    async with factory() as session:
        return list((await session.scalars(select(CaseMessage).order_by(CaseMessage.id))).all())


async def versions(factory: async_sessionmaker[AsyncSession]) -> list[str]:
    async with factory() as session:
        found = await session.scalars(select(MessageVersion).order_by(MessageVersion.id))
        return [version.text for version in found]


def edit_of(update: Update, text: str, update_id: int) -> Update:
    assert update.message is not None
    return Update(
        update_id=update_id, edited_message=update.message.model_copy(update={"text": text})
    )


async def test_a_residents_edit_is_shown_under_the_copy_and_the_first_version_stays(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    sent = await tg.send(alice, "The van is red")
    copy_id = (await records(session_factory))[-1].target_message_id
    tg.api.clear()

    await tg.feed(edit_of(sent, "The van is dark blue", 5000))
    await tg.feed(edit_of(sent, "The van is dark blue, plate AB-12", 5001))

    assert tg.api.sent("editMessageText", CENTRAL) == []  # what the desk read is not rewritten
    first, second = tg.api.sent("sendMessage", CENTRAL)
    assert first.text == "✏️ The resident edited this message. It now reads:\nThe van is dark blue"
    assert first.params["reply_parameters"]["message_id"] == copy_id
    assert second.text.endswith("The van is dark blue, plate AB-12")
    assert (await records(session_factory))[-1].text == "The van is red"
    assert await versions(session_factory) == [
        "The van is dark blue",
        "The van is dark blue, plate AB-12",
    ]


async def test_editing_the_description_marks_the_card_and_keeps_the_original(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice, "Stolen bike, green")
    case = await the_case(session_factory)
    description = next(r for r in await records(session_factory) if r.text == "Stolen bike, green")
    tg.api.clear()

    edited = tg.updates.message(alice, "Stolen bike, dark green").message
    assert edited is not None
    edited = edited.model_copy(update={"message_id": description.source_message_id})
    await tg.feed(Update(update_id=5002, edited_message=edited))

    card = tg.api.last("editMessageText", CENTRAL)
    assert card.params["message_id"] == case.card_message_id
    assert "Stolen bike, green" in card.text and "Edited by the resident" in card.text
    note = tg.api.last("sendMessage", CENTRAL)
    assert note.params["reply_parameters"]["message_id"] == case.card_message_id
    assert note.text.endswith("Stolen bike, dark green")


async def test_an_edit_after_a_transfer_goes_to_the_current_desk(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    sent = await tg.send(alice, "Plate AB-12")
    case = await the_case(session_factory)
    await tg.staff(CENTRAL, case.thread_id, officer, "/transfer east")
    case = await the_case(session_factory)
    tg.api.clear()

    await tg.feed(edit_of(sent, "Plate AB-123", 5003))

    [note] = tg.api.sent("sendMessage", EAST)
    assert note.thread_id == case.thread_id
    assert "edited a message sent at" in note.text and note.text.endswith("Plate AB-123")
    assert tg.api.sent(chat_id=CENTRAL) == []


async def test_no_edit_reaches_a_closed_case(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    sent = await tg.send(alice, "Plate AB-12")
    case = await the_case(session_factory)
    await tg.staff(CENTRAL, case.thread_id, officer, "/close Found the bike")
    tg.api.clear()

    await tg.feed(edit_of(sent, "Plate AB-123", 5004))

    assert tg.api.sent(chat_id=CENTRAL) == []
    assert "closed, so your edit was not passed on" in tg.api.last("sendMessage", alice.id).text
    assert await versions(session_factory) == []


async def test_an_officers_edit_corrects_the_copy_and_tells_the_resident(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    case = await the_case(session_factory)
    staff = await tg.staff(CENTRAL, case.thread_id, officer, "We come at 3 pm")
    delivered_id = (await records(session_factory))[-1].target_message_id
    tg.api.clear()

    await tg.feed(edit_of(staff, "We come at 4 pm", 5005))

    quiet = tg.api.last("editMessageText", alice.id)
    assert quiet.text == "<b>👮 Police</b> · BL-26-00001\nWe come at 4 pm"
    told = tg.api.last("sendMessage", alice.id)
    assert (
        told.text
        == "✏️ The police corrected a message:\n<b>👮 Police</b> · BL-26-00001\nWe come at 4 pm"
    )
    assert told.params["reply_parameters"]["message_id"] == delivered_id
    assert await versions(session_factory) == ["We come at 4 pm"]


async def test_a_correction_is_shown_even_where_the_copy_cannot_be_edited(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    case = await the_case(session_factory)
    staff = await tg.staff(CENTRAL, case.thread_id, officer, "Meet at gate 2")
    tg.api.fail("editMessageText", description="Bad Request: message can't be edited")
    tg.api.clear()

    await tg.feed(edit_of(staff, "Meet at gate 3", 5006))

    assert tg.api.last("sendMessage", alice.id).text.endswith("Meet at gate 3")
