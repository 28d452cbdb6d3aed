"""Who is staff in a group (network.toml `staff`), warnings about people and groups that see
more than they should, and a second coordinator for urgent alerts to many residents."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiogram.types import (
    Chat,
    ChatMemberAdministrator,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberUpdated,
    Update,
    User,
)
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.kinds import AnnouncementStatus
from bot.network.schema import Network, parse_network
from bot.telegram.admins import GroupAdmins
from bot.ui.announcing import AnnounceStep, Pick, PickCb
from storage.models import Announcement, Case
from tests.conftest import CENTRAL, COORDINATORS, EAST, NETWORK, Harness
from tests.fakes import BOT_ID, administrator
from tests.helpers import onboard, report
from tests.test_announce import TOPICS, compose, confirm, subscribe

LISTED = 901
RULES = (
    NETWORK.replace(
        "response_minutes = 30", 'response_minutes = 30\nstaff = { who = "admins" }'
    ).replace('areas = ["east"]', f'areas = ["east"]\nstaff = {{ who = "ids", ids = [{LISTED}] }}')
    + TOPICS
    + "\n[approvals]\nurgent_above = 1\n"
)


@pytest.fixture
def network() -> Network:
    return parse_network(RULES)


def desk_chat(chat_id: int) -> Chat:
    return Chat(id=chat_id, type="supergroup", title="Desk", is_forum=True)


def membership(chat_id: int, user: User, old: str, new: str) -> Update:
    states: dict[str, ChatMemberLeft | ChatMemberMember | ChatMemberAdministrator] = {
        "left": ChatMemberLeft(user=user),
        "member": ChatMemberMember(user=user),
        "admin": ChatMemberAdministrator.model_validate(
            {**administrator(user.id, can_manage_topics=True), "user": user}
        ),
    }
    return Update(
        update_id=90_000 + user.id,
        chat_member=ChatMemberUpdated(
            chat=desk_chat(chat_id),
            from_user=user,
            date=datetime(2026, 3, 5, 9, 30, tzinfo=UTC),
            old_chat_member=states[old],
            new_chat_member=states[new],
        ),
    )


async def the_case(factory: async_sessionmaker[AsyncSession]) -> Case:
    async with factory() as session:
        return (await session.scalars(select(Case))).one()


async def test_in_an_admins_only_desk_a_member_reaches_no_resident_until_promoted(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    case = await the_case(session_factory)
    tg.api.clear()

    await tg.staff(CENTRAL, case.thread_id, officer, "We are coming")
    await tg.staff(CENTRAL, case.thread_id, officer, "/take")

    assert tg.api.sent(chat_id=alice.id) == []
    refusals = [c.text for c in tg.api.sent("sendMessage", CENTRAL)]
    assert (
        refusals
        == [
            "Only this group's staff (the group's administrators) can work on cases here. "
            "Nothing was passed on."
        ]
        * 2
    )

    await tg.feed(membership(CENTRAL, officer, "member", "admin"))
    await tg.staff(CENTRAL, case.thread_id, officer, "We are coming")
    assert tg.api.last("sendMessage", alice.id).text.endswith("We are coming")


async def test_administrators_are_read_from_telegram(
    tg: Harness, officer: User, network: Network
) -> None:
    tg.api.members[(CENTRAL, officer.id)] = {
        **administrator(officer.id, can_manage_topics=False),
        "user": {"id": officer.id, "is_bot": False, "first_name": "Officer"},
    }
    admins: GroupAdmins = tg.dp["admins"]

    await admins.refresh(tg.bot, network.admin_ruled_chats)

    assert network.admin_ruled_chats == (CENTRAL,)
    assert admins.is_admin(CENTRAL, officer.id)
    assert not admins.is_admin(CENTRAL, BOT_ID + 1)


async def test_an_allow_list_admits_only_the_people_listed(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    listed = User(id=LISTED, is_bot=False, first_name="Sanne")
    await onboard(tg, alice)
    await report(tg, alice, area="east")
    case = await the_case(session_factory)
    assert case.staff_chat_id == EAST
    tg.api.clear()

    await tg.staff(EAST, case.thread_id, officer, "Not me")
    as_group = tg.updates.message(
        officer, "Nor the group", chat=desk_chat(EAST), thread_id=case.thread_id
    )
    assert as_group.message is not None
    await tg.feed(
        as_group.model_copy(
            update={
                "message": as_group.message.model_copy(update={"sender_chat": desk_chat(EAST)})
            }
        )
    )
    await tg.staff(EAST, case.thread_id, listed, "Sanne here")

    [delivered] = tg.api.sent("sendMessage", alice.id)
    assert delivered.text.endswith("Sanne here")


async def test_someone_joining_who_is_not_staff_is_pointed_out(tg: Harness, officer: User) -> None:
    newcomer = User(id=4040, is_bot=False, first_name="Nina", last_name="Newman")

    await tg.feed(membership(CENTRAL, newcomer, "left", "member"))
    await tg.feed(membership(COORDINATORS, newcomer, "left", "member"))  # members: all staff

    [warning] = tg.api.sent("sendMessage", CENTRAL)
    assert "Nina Newman joined this group but is not staff here" in warning.text
    assert "(the group's administrators)" in warning.text
    assert tg.api.sent(chat_id=COORDINATORS) == []

    await tg.feed(membership(CENTRAL, officer, "left", "admin"))  # an administrator passes
    assert len(tg.api.sent("sendMessage", CENTRAL)) == 1


async def test_whereami_warns_about_a_public_group_and_visible_history(
    tg: Harness, officer: User
) -> None:
    tg.api.chats[CENTRAL] = {"username": "central_desk", "has_visible_history": True}

    await tg.staff(CENTRAL, None, officer, "/whereami")

    reply = tg.api.last("sendMessage", CENTRAL).text
    assert "This group is public (@central_desk)" in reply
    assert "New members can see the history" in reply
    assert "Staff here: the group's administrators" in reply


async def announcement(factory: async_sessionmaker[AsyncSession]) -> Announcement:
    async with factory() as session:
        return (await session.scalars(select(Announcement))).one()


async def test_an_urgent_alert_to_many_waits_for_a_second_coordinator(
    tg: Harness,
    alice: User,
    bram: User,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    author = User(id=777, is_bot=False, first_name="Coco")
    second = User(id=778, is_bot=False, first_name="Dina")
    for user in (alice, bram):
        await onboard(tg, user)
        await subscribe(tg, user, "centre")
    await compose(tg, author, "en: Gas leak near the station: keep windows shut.")
    await confirm(tg, author)
    waiting = await announcement(session_factory)
    assert waiting.status == AnnouncementStatus.AWAITING
    question = tg.api.last("sendMessage", COORDINATORS)
    assert "would go to 2 residents at once" in question.text
    assert question.buttons == ["✅ Approve", "✖ Reject"]
    approve = PickCb(step=AnnounceStep.APPROVE, value=Pick.YES, number=waiting.id).pack()

    await tg.run_alerts()
    assert not any("Gas leak" in c.text for c in tg.api.sent(chat_id=alice.id))
    await tg.feed(tg.updates.staff_callback(author, COORDINATORS, approve))
    assert "another coordinator must approve" in tg.api.last("answerCallbackQuery").params["text"]
    assert (await announcement(session_factory)).status == AnnouncementStatus.AWAITING

    await tg.feed(tg.updates.staff_callback(second, COORDINATORS, approve))
    approved = await announcement(session_factory)
    assert (approved.status, approved.approved_by) == (AnnouncementStatus.SCHEDULED, second.id)
    assert "approved by Dina" in tg.api.last("editMessageText", COORDINATORS).text
    await tg.run_alerts()
    assert "Gas leak" in tg.api.last("sendMessage", alice.id).text


async def test_a_rejected_alert_is_never_sent(
    tg: Harness, alice: User, bram: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    author = User(id=777, is_bot=False, first_name="Coco")
    for user in (alice, bram):
        await onboard(tg, user)
        await subscribe(tg, user, "centre")
    await compose(tg, author, "en: Test alert")
    await confirm(tg, author)
    waiting = await announcement(session_factory)
    reject = PickCb(step=AnnounceStep.APPROVE, value=Pick.NO, number=waiting.id).pack()

    await tg.feed(tg.updates.staff_callback(author, COORDINATORS, reject))
    await tg.run_alerts()

    assert (await announcement(session_factory)).status == AnnouncementStatus.CANCELLED
    assert not any("Test alert" in c.text for c in tg.api.sent(chat_id=alice.id))


async def test_statistics_are_for_staff_only(tg: Harness, officer: User) -> None:
    await tg.staff(CENTRAL, None, officer, "/stats")

    assert tg.api.sent("sendMediaGroup", CENTRAL) == []
    assert tg.api.sent("sendDocument", CENTRAL) == []
