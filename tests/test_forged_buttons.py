"""Buttons nobody showed: callback data anyone can forge (a rating of 6, negative or huge ids,
unknown prefixes and values) never breaks an update; the presser gets a calm answer."""

from __future__ import annotations

import pytest
from aiogram.types import Chat, User
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Case
from tests.conftest import CENTRAL, COORDINATORS, Harness
from tests.helpers import onboard, report

HUGE = "9" * 30
BEYOND_INT32 = str(2**31)
BEYOND_INT64 = str(2**63)

FORGED = [
    "rate:{case}:6",
    "rate:{case}:0",
    "rate:{case}:-3",
    f"rate:{HUGE}:3",
    "rate:-1:3",
    "rate:abc:1",
    f"pick:{BEYOND_INT32}",
    "pick:-5",
    "solved:0",
    f"solved:{BEYOND_INT64}",
    "solvedsure:-1:1",
    "refer:-1:1",
    f"refer:{HUGE}:0",
    "referx:1:99",
    "referx:1:-1",
    "alert:1:zzz",
    f"alert:{HUGE}:info",
    "alert:-4:not_useful",
    f"ban:{BEYOND_INT64}:1",
    "ban:{case}:maybe",
    "takeover:-1:1",
    f"takeover:{HUGE}:1",
    "move:{case}:transfer:nowhere",
    "move:{case}:sideways:central",
    f"move:{HUGE}:refer:housing",
    f"ann:cancel::{HUGE}",
    "ann:cancel::-1",
    "ann:zzz:x:1",
    "ann:approve::{case}",
    "pulse:safety:6",
    "pulse:safety:-1",
    "pulse:nope:1",
    "stats:month:202613",
    "stats:month:-1",
    "stats:month:999999",
    f"stats:recent:{HUGE}",
    "lang:xx",
    "lang:",
    "switch:zz:1",
    "sub:area:nowhere",
    "sub:zz:x",
    "alerts:nope",
    "rep:zzz",
    "rep:category:nope",
    "rep:area:nowhere",
    "rep:privacy:public",
    "rep:edit:zzz",
    "rep:precision:zzz",
    "consent:extra",
    "unknown:1",
    "::::",
    "x" * 64,
]

CHATS = ["resident", "desk", "coordinators", "unknown group"]


async def a_closed_case(
    tg: Harness, alice: User, officer: User, factory: async_sessionmaker[AsyncSession]
) -> Case:
    await onboard(tg, alice)
    await report(tg, alice)
    async with factory() as session:
        case = (await session.scalars(select(Case))).one()
    await tg.staff(CENTRAL, case.thread_id, officer, "/close Nothing more to do")
    return case


@pytest.mark.parametrize("where", CHATS)
async def test_forged_buttons_get_a_calm_answer_and_change_nothing(
    tg: Harness,
    alice: User,
    officer: User,
    session_factory: async_sessionmaker[AsyncSession],
    where: str,
) -> None:
    case = await a_closed_case(tg, alice, officer, session_factory)
    chats = {
        "desk": Chat(id=CENTRAL, type="supergroup", title="Desk", is_forum=True),
        "coordinators": Chat(id=COORDINATORS, type="supergroup", title="Coordinators"),
        "unknown group": Chat(id=-1009999999999, type="supergroup", title="Elsewhere"),
    }
    tg.api.clear()

    for template in FORGED:
        data = template.format(case=case.id)
        if where == "resident":
            update = tg.updates.callback(alice, data)
        else:
            update = tg.updates.callback(officer, data, chat=chats[where])
        await tg.feed(update)  # an exception in any handler would fail the test here
        assert update.callback_query is not None
        answers = [
            call
            for call in tg.api.sent("answerCallbackQuery")
            if call.params["callback_query_id"] == update.callback_query.id
        ]
        assert len(answers) == 1, f"{data!r} was answered {len(answers)} times"

    assert tg.api.refused == []
    async with session_factory() as session:
        stored = await session.get(Case, case.id)
    assert stored is not None and stored.rating is None


@pytest.mark.parametrize("number", [HUGE, BEYOND_INT32, "-3", "0", "#x"])
async def test_a_cancel_for_an_announcement_number_that_cannot_exist_explains_the_command(
    tg: Harness, officer: User, number: str
) -> None:
    await tg.staff(COORDINATORS, None, officer, f"/cancel_announcement {number}")

    [reply] = tg.api.sent("sendMessage", COORDINATORS)
    assert reply.text == "Give the number, e.g. /cancel_announcement 12"
