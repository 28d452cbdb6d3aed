"""A part of a message that Telegram refuses is never lost silently: whoever sent it learns it
did not arrive, in their own language."""

from __future__ import annotations

from typing import Any

from aiogram.types import User
from aiogram.utils.i18n import I18n
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Case
from tests.conftest import CENTRAL, Harness
from tests.helpers import onboard, report


def photo(file_id: str) -> list[dict[str, Any]]:
    return [{"file_id": file_id, "file_unique_id": file_id, "width": 10, "height": 10}]


async def the_case(factory: async_sessionmaker[AsyncSession]) -> Case:
    async with factory() as session:
        return (await session.scalars(select(Case))).one()


async def test_a_refused_part_of_an_anonymous_message_is_told_to_the_desk_and_the_resident(
    tg: Harness, bram: User, session_factory: async_sessionmaker[AsyncSession], i18n: I18n
) -> None:
    await onboard(tg, bram, "nl")
    await report(tg, bram, privacy="anonymous")
    case = await the_case(session_factory)
    tg.api.clear()
    # A premium caption too long to go with the photo: it follows as text, and that is refused.
    words = "De man droeg een rode jas. " * 60
    tg.api.fail("sendMessage", chat_id=CENTRAL, description="Bad Request: TOPIC_CLOSED")

    await tg.send(bram, None, photo=photo("anon-photo"), caption=words)

    [picture] = tg.api.sent("sendPhoto", CENTRAL)
    assert picture.params["caption"].startswith("👤 Resident C-")  # the words follow, refused
    assert "De man" not in picture.params["caption"]
    notes = [c.text for c in tg.api.sent("sendMessage", CENTRAL)]
    assert any("could not be shown here" in note and "TOPIC_CLOSED" in note for note in notes)
    asked = i18n.gettext(
        "One of your messages about {ref} could not be passed on. Please send it again.",
        locale="nl",
    ).format(ref=case.ref)
    assert asked != "One of your messages about {ref} could not be passed on."
    assert tg.api.last("sendMessage", bram.id).text == asked


async def test_a_refused_further_part_of_a_long_staff_reply_is_told_to_staff(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    case = await the_case(session_factory)
    tg.api.clear()
    long_text = " ".join(["information"] * 372)[:4096]  # two parts with the reference
    tg.api.fail("sendMessage", chat_id=alice.id, skip=1, description="Bad Request: odd")

    await tg.staff(CENTRAL, case.thread_id, officer, long_text)

    to_alice = tg.api.sent("sendMessage", alice.id)
    assert len(to_alice) == 2
    warning = tg.api.last("sendMessage", CENTRAL)
    assert warning.text.startswith("⚠️ Not delivered:") and "odd" in warning.text
