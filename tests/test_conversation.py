"""Citizen ↔ desk conversation after a report, and the citizen's own case views."""

from __future__ import annotations

from aiogram.types import Chat, User
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.kinds import CaseStatus, Direction
from bot.ui.keyboards import PickCaseCb, ReportThisCb
from storage.models import Case, CaseMessage, Citizen
from tests.conftest import CENTRAL, EAST, Harness
from tests.fakes import FakeClock
from tests.helpers import onboard, report, send_report, wizard_steps


async def cases(factory: async_sessionmaker[AsyncSession]) -> list[Case]:
    async with factory() as session:
        return list((await session.scalars(select(Case).order_by(Case.id))).all())


async def messages(factory: async_sessionmaker[AsyncSession]) -> list[CaseMessage]:
    async with factory() as session:
        return list((await session.scalars(select(CaseMessage).order_by(CaseMessage.id))).all())


async def test_staff_reply_reaches_the_citizen_with_the_reference(
    tg: Harness,
    alice: User,
    officer: User,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    [case] = await cases(session_factory)
    tg.api.clear()
    clock.advance(minutes=7)

    await tg.staff(CENTRAL, case.thread_id, officer, "Thanks, we <will> send a patrol & call you.")

    [delivered] = tg.api.sent(chat_id=alice.id)
    assert delivered.method == "sendMessage"
    assert delivered.text == (
        "<b>👮 Police</b> · BL-26-00001\nThanks, we &lt;will&gt; send a patrol &amp; call you."
    )
    assert "Officer" not in delivered.text and "agent_k" not in delivered.text
    [case] = await cases(session_factory)
    assert case.status == CaseStatus.OPEN
    assert case.first_reply_at == clock.now()


async def test_staff_photo_is_copied_with_the_reference_as_caption(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    [case] = await cases(session_factory)
    tg.api.clear()

    update = await tg.staff(
        CENTRAL,
        case.thread_id,
        officer,
        None,
        photo=[{"file_id": "ph", "file_unique_id": "u", "width": 1, "height": 1}],
        caption="Is this the car?",
    )

    [copy] = tg.api.sent("copyMessage", alice.id)
    assert copy.params["from_chat_id"] == CENTRAL
    assert copy.params["message_id"] == update.message.message_id  # type: ignore[union-attr]
    assert copy.params["caption"] == "<b>👮 Police</b> · BL-26-00001\nIs this the car?"
    assert not tg.api.sent("forwardMessage")
    stored = (await messages(session_factory))[-1]
    assert (stored.direction, stored.kind, stored.file_id) == (Direction.STAFF, "photo", "ph")


async def test_commands_and_double_slash_notes_stay_internal(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    [case] = await cases(session_factory)
    tg.api.clear()

    await tg.staff(CENTRAL, case.thread_id, officer, "// probably the same group as last week")
    await tg.staff(CENTRAL, case.thread_id, officer, "/somecommand")

    assert tg.api.sent(chat_id=alice.id) == []
    notes = [m for m in await messages(session_factory) if m.direction == Direction.NOTE]
    assert [n.text for n in notes] == ["// probably the same group as last week"]


async def test_citizen_follow_up_is_copied_into_the_case_topic(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    [case] = await cases(session_factory)
    tg.api.clear()

    update = await tg.send(alice, "They are back <b>now</b> & running")

    [copy] = tg.api.sent("sendMessage", CENTRAL)
    assert copy.thread_id == case.thread_id
    # Who wrote it heads the copy; markup characters the resident typed stay text.
    assert copy.text == "👤 Resident Alice\nThey are back &lt;b&gt;now&lt;/b&gt; &amp; running"
    assert update.message is not None
    stored = [m for m in await messages(session_factory) if m.direction == Direction.CITIZEN]
    assert stored[-1].text == "They are back <b>now</b> & running"


async def test_same_follow_up_update_twice_is_relayed_once(tg: Harness, alice: User) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    tg.api.clear()
    update = tg.updates.message(alice, "one more thing")

    await tg.feed(update)
    await tg.feed(update)

    assert len(tg.api.sent("sendMessage", CENTRAL)) == 1


async def test_words_without_an_open_case_are_offered_as_a_report(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    tg.api.clear()

    await tg.send(alice, "My bike was stolen at the station")

    offer = tg.api.last("sendMessage", alice.id)
    assert "no open report" in offer.text and offer.buttons == ["📝 Report this"]
    assert not tg.api.sent("copyMessage")
    await tg.press(alice, ReportThisCb())
    await wizard_steps(tg, alice)
    await send_report(tg, alice)
    [case] = await cases(session_factory)
    assert case.description == "My bike was stolen at the station"


async def test_a_sticker_without_an_open_case_gets_the_menu(tg: Harness, alice: User) -> None:
    await onboard(tg, alice)
    tg.api.clear()

    sticker = {
        "file_id": "st",
        "file_unique_id": "u",
        "type": "regular",
        "width": 1,
        "height": 1,
        "is_animated": False,
        "is_video": False,
    }
    await tg.send(alice, None, sticker=sticker)

    reply = tg.api.last("sendMessage", alice.id)
    assert "no open report" in reply.text and "keyboard" in reply.params["reply_markup"]


async def test_with_two_open_cases_the_citizen_is_asked_which_one(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice, area="centre")
    await report(tg, alice, area="east")
    _first, second = await cases(session_factory)
    tg.api.clear()

    await tg.send(alice, "the car is blue")
    await tg.send(alice, "and has a dent")
    question = tg.api.last("sendMessage", alice.id)
    assert "Which one" in question.text
    assert not tg.api.sent("sendMessage", EAST)

    await tg.press(alice, PickCaseCb(case_id=second.id))
    copies = tg.api.sent("sendMessage", EAST)
    assert [c.thread_id for c in copies] == [second.thread_id] * 2
    assert [c.text.split("\n")[1] for c in copies] == ["the car is blue", "and has a dent"]

    await tg.send(alice, "it just left")  # remembered: no second question
    assert tg.api.sent("sendMessage", EAST)[-1].thread_id == second.thread_id


async def test_replying_to_a_case_message_routes_to_that_case(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice, area="centre")
    await report(tg, alice, area="east")
    first, _second = await cases(session_factory)
    await tg.staff(CENTRAL, first.thread_id, officer, "Which street exactly?")
    answer_id = tg.api.last("sendMessage", alice.id)
    delivered = [m for m in await messages(session_factory) if m.direction == Direction.STAFF]
    assert answer_id.method == "sendMessage"
    tg.api.clear()

    await tg.send(alice, "Main street 4", reply_to=delivered[0].target_message_id)

    [copy] = tg.api.sent("sendMessage", CENTRAL)
    assert copy.thread_id == first.thread_id


async def test_messages_in_groups_that_are_not_desks_are_ignored(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    [case] = await cases(session_factory)
    tg.api.clear()

    await tg.staff(-1009999999999, case.thread_id, officer, "I am not a desk")

    assert tg.api.calls == []


async def test_bots_in_a_desk_topic_are_not_relayed(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    [case] = await cases(session_factory)
    tg.api.clear()
    other_bot = User(id=7, is_bot=True, first_name="Helper bot")

    await tg.staff(CENTRAL, case.thread_id, other_bot, "automated message")

    assert tg.api.sent(chat_id=alice.id) == []


async def test_my_cases_and_status_show_only_own_cases(
    tg: Harness, alice: User, bram: User
) -> None:
    await onboard(tg, alice)
    await onboard(tg, bram)
    await report(tg, alice)
    await report(tg, bram)
    tg.api.clear()

    await tg.send(alice, "📂 My cases")
    listing = tg.api.last("sendMessage", alice.id).text
    assert "BL-26-00001" in listing and "BL-26-00002" not in listing
    assert "received, waiting for an officer" in listing

    await tg.send(alice, "/status bl-26-00001")
    assert "BL-26-00001" in tg.api.last("sendMessage", alice.id).text

    await tg.send(alice, "/status BL-26-00002")
    assert "No case BL-26-00002 was found" in tg.api.last("sendMessage", alice.id).text


async def test_status_without_an_open_case_points_to_my_cases(tg: Harness, alice: User) -> None:
    await onboard(tg, alice)
    await tg.send(alice, "/status")
    assert "You have no open reports" in tg.api.last("sendMessage", alice.id).text


async def test_status_alone_shows_the_one_open_case_with_its_desk_and_last_answer(
    tg: Harness,
    alice: User,
    officer: User,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    await tg.send(alice, "/status")
    status = tg.api.last("sendMessage", alice.id).text
    assert "BL-26-00001" in status and "Handled by: Central desk" in status
    assert "No answer yet" in status

    async with session_factory() as session:
        case = (await session.scalars(select(Case))).one()
    await tg.staff(CENTRAL, case.thread_id, officer, "We are on our way.")
    await tg.send(alice, "/status")
    assert "Last answer: " in tg.api.last("sendMessage", alice.id).text

    await tg.staff(CENTRAL, case.thread_id, officer, "/close Patrol found <nobody>.")
    await tg.send(alice, "/status")  # closed: no open case left to show by itself
    assert "You have no open reports" in tg.api.last("sendMessage", alice.id).text
    await tg.send(alice, "/status BL-26-00001")
    closed = tg.api.last("sendMessage", alice.id).text
    assert "Outcome: Patrol found &lt;nobody&gt;." in closed


async def test_status_alone_with_several_open_cases_lists_them(tg: Harness, alice: User) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    await report(tg, alice, "Loud music every night.", category="nuisance")
    await tg.send(alice, "/status")
    listing = tg.api.last("sendMessage", alice.id).text
    assert "several open reports" in listing
    assert "BL-26-00001" in listing and "BL-26-00002" in listing


async def test_help_lists_alerts_quiet_hours_and_the_data_commands(
    tg: Harness, alice: User
) -> None:
    await onboard(tg, alice)
    await tg.send(alice, "❓ Help")
    help_text = tg.api.last("sendMessage", alice.id).text
    for mentioned in ("🔔 Alerts", "/quiet 22-7", "/mydata", "/forget", "112"):
        assert mentioned in help_text


async def test_blocked_citizen_is_reported_in_the_topic(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    [case] = await cases(session_factory)
    tg.api.fail(
        "sendMessage",
        status=403,
        chat_id=alice.id,
        description="Forbidden: bot was blocked by the user",
    )

    await tg.staff(CENTRAL, case.thread_id, officer, "Are you still there?")

    note = tg.api.last("sendMessage", CENTRAL)
    assert note.text.startswith("⚠️ Not delivered")
    assert "blocked the bot" in note.text
    async with session_factory() as session:
        citizen = await session.scalar(select(Citizen).where(Citizen.telegram_id == alice.id))
        assert citizen is not None and citizen.blocked_bot


async def test_flood_control_pauses_the_chat_and_retries_the_same_relay(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    tg.api.clear()
    tg.api.fail(
        "sendMessage",
        chat_id=CENTRAL,
        status=429,
        retry_after=7,
        description="Too Many Requests: retry after 7",
    )

    await tg.send(alice, "more details")
    assert len(tg.api.sent("sendMessage", CENTRAL)) == 1
    clock.advance(seconds=6)
    await tg.courier.drain()
    assert len(tg.api.sent("sendMessage", CENTRAL)) == 1  # Telegram said seven seconds
    clock.advance(seconds=1)
    await tg.courier.drain()

    attempts = tg.api.sent("sendMessage", CENTRAL)
    assert len(attempts) == 2
    assert attempts[0].params == attempts[1].params
    relayed = [m for m in await messages(session_factory) if m.text == "more details"]
    assert len(relayed) == 1 and relayed[0].target_message_id is not None


async def test_server_errors_are_retried_with_growing_backoff(
    tg: Harness, alice: User, clock: FakeClock
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    tg.api.clear()
    tg.api.fail("sendMessage", chat_id=CENTRAL, status=502, description="Bad Gateway", times=2)

    await tg.send(alice, "still there")
    clock.advance(seconds=2)  # the first wait is two seconds
    await tg.courier.drain()
    assert len(tg.api.sent("sendMessage", CENTRAL)) == 2
    clock.advance(seconds=3)  # the second is four
    await tg.courier.drain()
    assert len(tg.api.sent("sendMessage", CENTRAL)) == 2
    clock.advance(seconds=1)
    await tg.courier.drain()

    assert len(tg.api.sent("sendMessage", CENTRAL)) == 3


async def test_whereami_reports_chat_id_and_topic_rights(tg: Harness, officer: User) -> None:
    from tests.fakes import BOT_ID, administrator

    tg.api.members[(CENTRAL, BOT_ID)] = administrator(BOT_ID, can_manage_topics=True)
    await tg.staff(CENTRAL, None, officer, "/whereami")
    reply = tg.api.last("sendMessage", CENTRAL).text
    assert f"<code>{CENTRAL}</code>" in reply
    assert "Topics enabled: yes" in reply
    assert "Bot may manage topics: yes" in reply
    assert "Desk in network.toml: central" in reply

    plain = Chat(id=-1005555, type="group", title="New group")
    await tg.feed(tg.updates.message(officer, "/whereami", chat=plain))
    reply = tg.api.last("sendMessage", -1005555).text
    assert "Bot may manage topics: no" in reply
    assert "none (add this chat id to a desk)" in reply
    assert "needs a supergroup with topics enabled" in reply


async def test_refused_delivery_is_explained_in_the_topic(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    [case] = await cases(session_factory)
    tg.api.fail(
        "sendMessage", status=400, chat_id=alice.id, description="Bad Request: chat not found"
    )

    await tg.staff(CENTRAL, case.thread_id, officer, "Hello?")

    note = tg.api.last("sendMessage", CENTRAL)
    assert note.thread_id == case.thread_id
    assert note.text == "⚠️ Not delivered: Telegram refused it: Bad Request: chat not found"
    [kept] = [m for m in await messages(session_factory) if m.direction == Direction.STAFF]
    assert kept.text == "Hello?" and kept.target_message_id is None  # on record, not delivered


async def test_channel_posts_are_ignored(tg: Harness) -> None:
    from datetime import UTC, datetime

    from aiogram.types import Message, Update

    channel = Chat(id=-1007777, type="channel", title="News")
    post = Message(message_id=1, date=datetime(2026, 3, 5, tzinfo=UTC), chat=channel, text="hi")
    await tg.feed(Update(update_id=999_999, channel_post=post))

    assert tg.api.calls == []


async def test_a_message_telegram_keeps_refusing_waits_in_the_outbox_and_goes_later(
    tg: Harness,
    alice: User,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    [case] = await cases(session_factory)
    tg.api.clear()
    tg.api.fail("sendMessage", chat_id=CENTRAL, status=502, description="Bad Gateway", times=3)

    await tg.send(alice, "The car is parked at number 12 now")

    assert len(tg.api.sent("sendMessage", CENTRAL)) == 1  # tried once; then it waits, with backoff
    for _ in range(3):
        clock.advance(minutes=1)
        await tg.courier.drain()

    *failed, copy = tg.api.sent("sendMessage", CENTRAL)
    assert len(failed) == 3
    assert copy.thread_id == case.thread_id
    assert copy.text.endswith("The car is parked at number 12 now")
    stored = [
        m
        for m in await messages(session_factory)
        if m.text == "The car is parked at number 12 now"
    ]
    assert stored[0].target_message_id is not None
    clock.advance(minutes=10)
    await tg.courier.drain()
    assert len(tg.api.sent("sendMessage", CENTRAL)) == 4  # nothing twice
