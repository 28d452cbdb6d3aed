"""Message ids in a dump: Telegram counts them per private chat, so a raw id on the resident's
side of an anonymous case would slot into the sequence of the one resident whose other messages
(named cases, receipts, copies, alerts) bracket it in time. The anonymous case keeps them masked,
a pseudonymised case keeps none, and alert deliveries keep none."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from aiogram.types import User
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.network.schema import Network, parse_network
from bot.ui.keyboards import ForgetCb
from storage.models import Case, CaseMessage
from storage.sealing import is_blind
from tests.conftest import CENTRAL, NETWORK, Harness
from tests.fakes import FakeClock
from tests.helpers import onboard, report
from tests.test_announce import TOPICS, compose, confirm, subscribe
from tests.test_sealed_link import dump, edit_of

Sample = tuple[datetime, int]


@pytest.fixture
def network() -> Network:
    return parse_network(NETWORK + TOPICS)


async def the_case(factory: async_sessionmaker[AsyncSession], privacy: str) -> Case:
    async with factory() as session:
        found = await session.scalar(
            select(Case).where(Case.privacy == privacy).order_by(Case.id.desc())
        )
        assert found is not None
        return found


def in_private_chats(rows: list[dict[str, Any]], author: str) -> list[tuple[int, Sample]]:
    """(chat, (time, message id)) of the messages a dump places in private chats (or behind blind
    ids standing for them): the residents' own (`author` "resident"), or the bot's receipts
    and staff copies there ("bot"). The two are kept apart only because the fake Telegram
    counts them apart; the real one counts them together, which only helps the attack."""
    found = []
    for row in rows:
        if row["direction"] == "citizen":
            side, by = "source", "resident"
        else:
            side, by = ("source", "bot") if row["direction"] == "system" else ("target", "bot")
        chat, message = row[f"{side}_chat_id"], row[f"{side}_message_id"]
        if by == author and chat is not None and (chat > 0 or is_blind(chat)):
            found.append((chat, (row["created_at"], message)))
    return found


def fitting_chats(rows: list[dict[str, Any]], author: str) -> list[int]:
    """The auditor's attack: the private chats whose own ids, merged by time with the ids kept
    behind blind ids, still count up, with some of their messages before those and some
    after: the chat the anonymous messages came from."""
    hidden = [sample for chat, sample in in_private_chats(rows, author) if is_blind(chat)]
    assert hidden
    known: dict[int, list[Sample]] = {}
    for chat, sample in in_private_chats(rows, author):
        if chat > 0:
            known.setdefault(chat, []).append(sample)

    def fits(samples: list[Sample]) -> bool:
        merged = [message for _, message in sorted(samples + hidden)]
        before = [t for t, _ in samples if t < min(t for t, _ in hidden)]
        after = [t for t, _ in samples if t > max(t for t, _ in hidden)]
        return bool(before and after) and merged == sorted(set(merged))

    return [chat for chat, samples in known.items() if fits(samples)]


async def test_an_anonymous_cases_message_ids_do_not_fit_its_residents_chat(
    tg: Harness,
    zoe: User,
    bram: User,
    officer: User,
    clock: FakeClock,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await onboard(tg, bram)
    for _ in range(30):  # his chat's counter is elsewhere, as real ones are
        await tg.send(bram, "/help")
    await onboard(tg, zoe)
    await report(tg, bram, "Bram's named report")
    await report(tg, zoe, "Zoe's named report")
    named = await the_case(session_factory, "confidential")
    async with session_factory() as session:
        receipt = await session.scalar(
            select(CaseMessage.source_message_id).where(
                CaseMessage.case_id == named.id, CaseMessage.direction == "system"
            )
        )
    clock.advance(hours=1)
    await report(tg, zoe, "Zoe's anonymous report", privacy="anonymous")
    anonymous = await the_case(session_factory, "anonymous")
    await tg.staff(CENTRAL, anonymous.thread_id, officer, "Thanks. What time was it?")
    clock.advance(hours=1)
    await tg.send(bram, "Bram follows up")
    await tg.send(zoe, "Zoe follows up on her named case", reply_to=receipt)
    await tg.staff(CENTRAL, named.thread_id, officer, "Noted, thank you.")

    rows = (await dump(session_factory))["case_message"]
    assert fitting_chats(rows, "resident") == []
    assert fitting_chats(rows, "bot") == []
    for author in ("resident", "bot"):  # behind a blind id, nowhere a message id could be
        assert all(id_ < 0 for chat, (_, id_) in in_private_chats(rows, author) if is_blind(chat))


async def test_the_anonymous_conversation_still_works_both_ways_by_its_hidden_ids(
    tg: Harness,
    zoe: User,
    officer: User,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await onboard(tg, zoe)
    await report(tg, zoe, "Named first")
    await report(tg, zoe, "Dealing from the blue van", privacy="anonymous")
    anonymous = await the_case(session_factory, "anonymous")
    staff = await tg.staff(CENTRAL, anonymous.thread_id, officer, "What time was it?")
    assert "What time was it?" in tg.api.last("sendMessage", zoe.id).text

    # The officer corrects the reply: the copy in her chat is edited, by its real id.
    await tg.feed(edit_of(staff, "What time?", 5000))
    edited = tg.api.last("editMessageText", zoe.id)
    copy_id = int(edited.params["message_id"])
    assert copy_id > 0 and "What time?" in edited.text
    assert tg.api.last("sendMessage", zoe.id).params["reply_parameters"]["message_id"] == copy_id

    # Her reply to that copy lands in the anonymous case, though two cases are open.
    follow_up = await tg.send(zoe, "About nine", reply_to=copy_id)
    answer = tg.api.last("sendMessage", CENTRAL)
    assert answer.thread_id == anonymous.thread_id and "About nine" in answer.text

    # Her edit of that reply reaches the anonymous topic too.
    await tg.feed(edit_of(follow_up, "About half past nine", 5001))
    note = tg.api.last("sendMessage", CENTRAL)
    assert (
        note.thread_id == anonymous.thread_id
        and "It now reads:\nAbout half past nine" in note.text
    )


async def test_a_pseudonymised_case_keeps_no_message_ids_of_the_residents_chat(
    tg: Harness,
    zoe: User,
    officer: User,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await onboard(tg, zoe)
    await report(tg, zoe, "A named report", privacy="identified")
    await report(tg, zoe, "An anonymous report", privacy="anonymous")
    for privacy in ("identified", "anonymous"):
        case = await the_case(session_factory, privacy)
        await tg.send(zoe, f"More on the {privacy} one")
        await tg.staff(CENTRAL, case.thread_id, officer, f"Answer in the {privacy} case")

    await tg.send(zoe, "/forget")
    await tg.press(zoe, ForgetCb(sure=True))

    async with session_factory() as session:
        rows = (await session.scalars(select(CaseMessage))).all()
    resident_side = [
        (row.source_chat_id, row.source_message_id)
        if row.direction != "staff"
        else (row.target_chat_id, row.target_message_id)
        for row in rows
        if row.direction != "staff" or row.target_chat_id is not None
    ]
    assert len(resident_side) >= 6  # two reports, their receipts, two answers
    assert {message for _, message in resident_side} == {0}
    chats = [chat for chat, _ in resident_side]
    assert all(is_blind(chat) for chat in chats) and len(set(chats)) == len(chats)


async def test_an_alert_delivery_keeps_no_message_id(
    tg: Harness,
    zoe: User,
    coordinator: User,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await onboard(tg, zoe)
    await subscribe(tg, zoe, "centre")
    await compose(tg, coordinator, "en: Missing person near the station.")
    await confirm(tg, coordinator)
    await tg.run_alerts()
    assert "Missing person" in tg.api.last("sendMessage", zoe.id).text

    [delivery] = (await dump(session_factory))["delivery"]
    assert delivery["status"] == "sent"
    assert not [column for column in delivery if "message" in column]
