"""The sealed link: an anonymous case does not lead to its resident in a database dump (the
link is encrypted with ANONYMITY_KEY), while the bot, holding the key, still reaches them:
relays both ways, replies, /cases and /status, ratings, limits and bans by case."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiogram.types import Update, User
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.conversation import copy_in_residents_chat
from bot.kinds import Direction
from bot.ui.desk_keyboards import BanCb
from bot.ui.keyboards import RateCb
from bot.workflows.erasure import seal_legacy
from storage.models import Base, Case, CaseMessage, CaseSeal, Citizen
from storage.sealing import SealBroken, Sealer, new_key
from tests.conftest import CENTRAL, Harness
from tests.helpers import onboard, report
from tests.test_staff_workflow import banned

PHOTO = [{"file_id": "photo-anon", "file_unique_id": "pa", "width": 10, "height": 10}]
# Tables of the case and of what was sent about it; `citizen` is the resident's own row.
CASE_TABLES = (
    "case",
    "case_seal",
    "case_message",
    "message_version",
    "referral",
    "case_ban",
    "audit_event",
    "outbox",
    "service_request",
)


async def dump(factory: async_sessionmaker[AsyncSession]) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, as a backup would hold it."""
    async with factory() as session:
        return {
            table.name: [dict(row) for row in (await session.execute(select(table))).mappings()]
            for table in Base.metadata.sorted_tables
        }


def as_text(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, default=str, ensure_ascii=False)


async def the_case(factory: async_sessionmaker[AsyncSession], privacy: str) -> Case:
    async with factory() as session:
        found = await session.scalar(select(Case).where(Case.privacy == privacy))
        assert found is not None
        return found


async def resident(factory: async_sessionmaker[AsyncSession], user: User) -> Citizen:
    async with factory() as session:
        found = await session.scalar(select(Citizen).where(Citizen.telegram_id == user.id))
        assert found is not None
        return found


def edit_of(update: Update, text: str, update_id: int) -> Update:
    assert update.message is not None
    return Update(
        update_id=update_id, edited_message=update.message.model_copy(update={"text": text})
    )


async def copies_in_resident_chat(factory: async_sessionmaker[AsyncSession]) -> list[int]:
    """Where staff messages landed in the resident's chat (the ids, not the chat), as the bot
    reads them with its key (an anonymous case keeps them masked)."""
    async with factory() as session:
        found = await session.scalars(
            select(CaseMessage).where(CaseMessage.direction == Direction.STAFF)
        )
        copies = [copy_in_residents_chat(session, record) for record in found]
        return [message_id for message_id in copies if message_id is not None]


async def test_a_database_dump_does_not_lead_from_an_anonymous_case_to_its_resident(
    tg: Harness,
    zoe: User,
    bram: User,
    officer: User,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await onboard(tg, bram)
    await report(tg, bram, "A named report by someone else")
    await onboard(tg, zoe)
    await report(tg, zoe, "Dealing from the blue van every evening", privacy="anonymous")
    case = await the_case(session_factory, "anonymous")
    # The conversation goes both ways, with a reply, edits on both sides and a rating.
    follow_up = await tg.send(zoe, "It is there again now")
    await tg.send(zoe, None, photo=PHOTO, caption="the van")
    staff = await tg.staff(CENTRAL, case.thread_id, officer, "Thanks. What time was it?")
    assert "What time was it?" in tg.api.last("sendMessage", zoe.id).text
    [copy_id] = await copies_in_resident_chat(session_factory)
    await tg.send(zoe, "About nine", reply_to=copy_id)
    assert "About nine" in tg.api.last("sendMessage", CENTRAL).text
    await tg.feed(edit_of(follow_up, "It is there again", 5000))
    assert "It now reads:\nIt is there again" in tg.api.last("sendMessage", CENTRAL).text
    await tg.feed(edit_of(staff, "What time?", 5001))
    assert tg.api.last("editMessageText", zoe.id).params["message_id"] == copy_id
    await tg.staff(CENTRAL, case.thread_id, officer, "/close Van towed")
    await tg.press(zoe, RateCb(case_id=case.id, stars=4))
    zoe_row = await resident(session_factory, zoe)

    tables = await dump(session_factory)

    [stored] = [row for row in tables["case"] if row["id"] == case.id]
    assert stored["citizen_id"] is None and stored["rating"] == 4
    assert [row["case_id"] for row in tables["case_seal"]] == [case.id]
    for name in CASE_TABLES:
        text = as_text(tables[name])
        assert str(zoe.id) not in text, name
        assert "zq_secret" not in text and "Quistelbaum" not in text, name
        for row in tables[name]:
            if row.get("case_id") == case.id or (name == "case" and row["id"] == case.id):
                assert row.get("citizen_id") is None, (name, row)
                assert f'"citizen_id": {zoe_row.id}' not in as_text([row]), (name, row)
    # Nothing but the resident's own row (and their own subscriptions) names them.
    elsewhere = {name: rows for name, rows in tables.items() if name != "citizen"}
    assert str(zoe.id) not in as_text([row for rows in elsewhere.values() for row in rows])


async def test_the_bot_still_reaches_an_anonymous_resident(
    tg: Harness, zoe: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, zoe)
    await report(tg, zoe, privacy="anonymous")
    case = await the_case(session_factory, "anonymous")

    await tg.staff(CENTRAL, case.thread_id, officer, "Can you tell us more?")
    assert (
        f"<b>👮 Police</b> · {case.ref}\nCan you tell us more?"
        == tg.api.last("sendMessage", zoe.id).text
    )
    await tg.send(zoe, "/cases")
    assert case.ref in tg.api.last("sendMessage", zoe.id).text
    await tg.send(zoe, f"/status {case.ref}")
    assert "Reported:" in tg.api.last("sendMessage", zoe.id).text
    await tg.staff(CENTRAL, case.thread_id, officer, "/take")
    assert "An officer is handling your report" in tg.api.last("sendMessage", zoe.id).text
    await tg.staff(CENTRAL, case.thread_id, officer, "/close Solved")
    assert "has been closed" in tg.api.last("sendMessage", zoe.id).text
    await tg.press(zoe, RateCb(case_id=case.id, stars=5))
    assert "rated the handling 5/5" in tg.api.last("sendMessage", CENTRAL).text


async def test_someone_else_cannot_see_or_rate_an_anonymous_case(
    tg: Harness,
    zoe: User,
    bram: User,
    officer: User,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await onboard(tg, zoe)
    await report(tg, zoe, privacy="anonymous")
    case = await the_case(session_factory, "anonymous")
    await tg.staff(CENTRAL, case.thread_id, officer, "/close Solved")
    await onboard(tg, bram, "en")

    await tg.send(bram, f"/status {case.ref}")
    assert "No case" in tg.api.last("sendMessage", bram.id).text
    await tg.press(bram, RateCb(case_id=case.id, stars=1))

    assert "no longer active" in tg.api.last("answerCallbackQuery").params["text"]
    assert (await the_case(session_factory, "anonymous")).rating is None


async def test_anonymous_cases_count_towards_the_open_case_limit(
    tg: Harness, zoe: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, zoe)
    for number in range(5):
        await report(tg, zoe, f"Report {number}", privacy="anonymous")

    await tg.send(zoe, "/report")

    assert "You already have 5 open reports" in tg.api.last("sendMessage", zoe.id).text


async def test_a_ban_from_an_anonymous_case_stops_its_resident_and_lifts_there(
    tg: Harness, zoe: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, zoe)
    await report(tg, zoe, privacy="anonymous")
    case = await the_case(session_factory, "anonymous")

    await tg.staff(CENTRAL, case.thread_id, officer, "/ban")
    await tg.feed(
        tg.updates.staff_callback(officer, CENTRAL, BanCb(case_id=case.id, yes=True).pack())
    )
    assert await banned(session_factory, zoe)
    tg.api.clear()
    await tg.send(zoe, "one more thing")
    assert tg.api.sent(chat_id=CENTRAL) == []

    await tg.staff(CENTRAL, case.thread_id, officer, "/unban")
    assert not await banned(session_factory, zoe)
    await tg.send(zoe, "one more thing")
    assert "one more thing" in tg.api.last("sendMessage", CENTRAL).text


async def test_a_seal_opens_only_with_its_key_and_on_its_own_row(
    tg: Harness, zoe: User, sealer: Sealer, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, zoe)
    await report(tg, zoe, privacy="anonymous")
    case = await the_case(session_factory, "anonymous")
    zoe_row = await resident(session_factory, zoe)
    async with session_factory() as session:
        seal = await session.get(CaseSeal, case.id)
    assert seal is not None

    assert sealer.unseal_int(seal.sealed, f"case:{case.id}") == zoe_row.id
    with pytest.raises(SealBroken):
        Sealer.from_text(new_key()).unseal_int(seal.sealed, f"case:{case.id}")
    with pytest.raises(SealBroken):  # copied onto another case's row, it does not open
        sealer.unseal_int(seal.sealed, f"case:{case.id + 1}")
    assert sealer.unseal_case_ids(zoe_row.sealed_cases, zoe_row.id) == {case.id}


async def test_anonymous_cases_from_before_the_seal_are_sealed_at_start(
    tg: Harness, zoe: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, zoe)
    await report(tg, zoe, "From an older version", privacy="anonymous")
    await tg.staff(
        CENTRAL, (await the_case(session_factory, "anonymous")).thread_id, officer, "Hi"
    )
    zoe_row = await resident(session_factory, zoe)
    async with session_factory() as session:  # as the version before the seal stored it
        case = await session.scalar(select(Case))
        assert case is not None
        case.citizen_id = zoe_row.id
        await session.execute(delete(CaseSeal))
        for message in (await session.scalars(select(CaseMessage))).all():
            if message.direction == Direction.CITIZEN:
                message.source_chat_id = zoe.id
            if message.direction == Direction.STAFF:
                message.target_chat_id = zoe.id
        citizen = await session.get(Citizen, zoe_row.id)
        assert citizen is not None
        citizen.sealed_cases = None
        await session.commit()

    assert await seal_legacy(session_factory) == 2  # the case and the resident's list

    tables = await dump(session_factory)
    assert tables["case"][0]["citizen_id"] is None
    assert str(zoe.id) not in as_text(tables["case_message"])
    reply_to = (await copies_in_resident_chat(session_factory))[0]
    await tg.send(zoe, "Still reachable", reply_to=reply_to)
    assert "Still reachable" in tg.api.last("sendMessage", CENTRAL).text
    await tg.send(zoe, "/cases")
    assert case.ref in tg.api.last("sendMessage", zoe.id).text
