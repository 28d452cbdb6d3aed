"""Case commands in the topic (/take, /close, /reopen, /ban, /unban), ratings, the citizen
closing their own case, reactions, deleted topics and emergency triage."""

from __future__ import annotations

import asyncio

from aiogram.types import Update, User
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.domain import bans
from bot.kinds import CaseStatus
from bot.ui.desk_keyboards import BanCb, TakeOverCb
from bot.ui.keyboards import RateCb, SolvedCb, SolvedSureCb
from storage.models import Case, Citizen
from tests.conftest import CENTRAL, Harness
from tests.fakes import FakeClock
from tests.helpers import onboard, report, send_report, start_report

PHOTO = [{"file_id": "photo-1", "file_unique_id": "u1", "width": 10, "height": 10}]


async def only_case(factory: async_sessionmaker[AsyncSession]) -> Case:
    async with factory() as session:
        [case] = (await session.scalars(select(Case))).all()
        return case


async def citizen(factory: async_sessionmaker[AsyncSession], user: User) -> Citizen:
    async with factory() as session:
        found = await session.scalar(select(Citizen).where(Citizen.telegram_id == user.id))
        assert found is not None
        return found


async def banned(factory: async_sessionmaker[AsyncSession], user: User) -> bool:
    """Whether a ban stands against the resident, as the bot works it out (nothing stores it)."""
    async with factory() as session:
        return await bans.standing_against(session, await citizen(factory, user))


async def opened(tg: Harness, user: User, factory: async_sessionmaker[AsyncSession]) -> Case:
    await onboard(tg, user)
    await report(tg, user)
    tg.api.clear()
    return await only_case(factory)


async def solve(tg: Harness, user: User, case: Case) -> None:
    """ "✅ … is solved", then "Yes, it is solved"."""
    await tg.press(user, SolvedCb(case_id=case.id))
    await tg.press(user, SolvedSureCb(case_id=case.id, yes=True))


async def test_take_assigns_the_officer_without_naming_them_to_the_citizen(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    case = await opened(tg, alice, session_factory)

    await tg.staff(CENTRAL, case.thread_id, officer, "/take")

    case = await only_case(session_factory)
    assert (case.assignee_id, case.status) == (officer.id, CaseStatus.OPEN)
    told = tg.api.last("sendMessage", alice.id).text
    assert told == "An officer is handling your report BL-26-00001."
    card = tg.api.last("editMessageText", CENTRAL)
    assert card.params["message_id"] == case.card_message_id
    assert "Officer: Officer" in card.text
    title = tg.api.last("editForumTopic", CENTRAL)
    assert title.params["name"].startswith("🟢 BL-26-00001")


async def test_take_names_the_officer_when_configured(
    tg: Harness,
    alice: User,
    officer: User,
    session_factory: async_sessionmaker[AsyncSession],
    settings: Settings,
) -> None:
    settings.show_officer_name = True
    case = await opened(tg, alice, session_factory)

    await tg.staff(CENTRAL, case.thread_id, officer, "/take")

    assert "Officer, an officer, is handling" in tg.api.last("sendMessage", alice.id).text


async def test_close_sends_outcome_and_rating_and_closes_the_topic(
    tg: Harness,
    alice: User,
    officer: User,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    case = await opened(tg, alice, session_factory)

    await tg.staff(CENTRAL, case.thread_id, officer, "/close We spoke to the <neighbours>.")

    closed = await only_case(session_factory)
    assert closed.status == CaseStatus.CLOSED
    assert closed.closed_at == clock.now()
    assert closed.outcome == "We spoke to the <neighbours>."
    outcome = tg.api.last("sendMessage", alice.id)
    assert "Outcome: We spoke to the &lt;neighbours&gt;." in outcome.text
    assert outcome.buttons == ["1 ⭐", "2 ⭐", "3 ⭐", "4 ⭐", "5 ⭐"]
    assert tg.api.last("closeForumTopic", CENTRAL).thread_id == case.thread_id
    assert tg.api.last("editForumTopic", CENTRAL).params["name"].startswith("✅ BL-26-00001")

    await tg.press(alice, RateCb(case_id=case.id, stars=4))

    assert (await only_case(session_factory)).rating == 4
    note = tg.api.last("sendMessage", CENTRAL)
    assert (note.thread_id, note.text) == (
        case.thread_id,
        "⭐ The citizen rated the handling 4/5.",
    )


async def test_close_without_outcome_explains_usage(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    case = await opened(tg, alice, session_factory)

    await tg.staff(CENTRAL, case.thread_id, officer, "/close")

    assert "Write the outcome after the command" in tg.api.last("sendMessage", CENTRAL).text
    assert (await only_case(session_factory)).status != CaseStatus.CLOSED


async def test_rating_an_open_case_is_refused(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    case = await opened(tg, alice, session_factory)

    await tg.press(alice, RateCb(case_id=case.id, stars=1))

    assert (await only_case(session_factory)).rating is None
    assert tg.api.last("answerCallbackQuery").params["show_alert"] is True


async def test_reopen_reopens_topic_and_tells_the_citizen(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    case = await opened(tg, alice, session_factory)
    await tg.staff(CENTRAL, case.thread_id, officer, "/close Solved")

    await tg.staff(CENTRAL, case.thread_id, officer, "/reopen")

    assert (await only_case(session_factory)).status == CaseStatus.OPEN
    assert tg.api.last("reopenForumTopic", CENTRAL).thread_id == case.thread_id
    assert tg.api.last("sendMessage", alice.id).text == (
        "Your report BL-26-00001 has been reopened."
    )
    assert tg.api.last("editForumTopic", CENTRAL).params["name"].startswith("🟢")


async def test_staff_message_to_a_closed_case_is_held_back(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    case = await opened(tg, alice, session_factory)
    await tg.staff(CENTRAL, case.thread_id, officer, "/close Done")
    tg.api.clear()

    await tg.staff(CENTRAL, case.thread_id, officer, "one more thing")

    assert tg.api.sent(chat_id=alice.id) == []
    assert "/reopen" in tg.api.last("sendMessage", CENTRAL).text


async def test_ban_needs_confirmation_survives_restart_and_can_be_undone(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    case = await opened(tg, alice, session_factory)

    await tg.staff(CENTRAL, case.thread_id, officer, "/ban")
    question = tg.api.last("sendMessage", CENTRAL)
    assert question.buttons == ["Yes, ban", "No"]
    assert not await banned(session_factory, alice)

    await tg.feed(
        tg.updates.staff_callback(officer, CENTRAL, BanCb(case_id=case.id, yes=True).pack())
    )
    assert await banned(session_factory, alice)  # stored, so it survives a restart
    neutral = tg.api.last("sendMessage", alice.id).text
    assert "can no longer send reports" in neutral and "112" in neutral

    await tg.send(alice, "/report")
    assert "cannot make new reports" in tg.api.last("sendMessage", alice.id).text

    await tg.staff(CENTRAL, case.thread_id, officer, "/unban")
    assert not await banned(session_factory, alice)
    assert tg.api.last("sendMessage", alice.id).text == "You can use Beatline again."
    await tg.send(alice, "/report")
    assert "What is your report about?" in tg.api.last("sendMessage", alice.id).text


async def ban_from(tg: Harness, officer: User, case: Case) -> str:
    """/ban and Yes in the case's topic; what the desk is told."""
    await tg.staff(CENTRAL, case.thread_id, officer, "/ban")
    await tg.feed(
        tg.updates.staff_callback(officer, CENTRAL, BanCb(case_id=case.id, yes=True).pack())
    )
    return tg.api.last("sendMessage", CENTRAL).text


async def test_ban_answers_tell_staff_nothing_about_the_person_behind_a_case(
    tg: Harness,
    alice: User,
    bram: User,
    officer: User,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """Two cases of one resident and one of another: every answer to /ban and /unban reads the
    same whatever the person has had done to them from another case."""
    await onboard(tg, alice)
    await onboard(tg, bram)
    await report(tg, alice, "First thing")
    await report(tg, alice, "Second thing")
    await report(tg, bram, "Third thing")
    async with session_factory() as session:
        first, second, third = (await session.scalars(select(Case).order_by(Case.id))).all()

    def shape(text: str, case: Case) -> str:
        return text.replace(case.ref, "REF")

    made_first = await ban_from(tg, officer, first)
    made_third = await ban_from(tg, officer, third)  # a person never banned before
    assert shape(made_first, first) == shape(made_third, third)
    made_second = await ban_from(tg, officer, second)  # the same person, banned already
    assert shape(made_second, second) == shape(made_third, third)

    again = await ban_from(tg, officer, first)
    assert shape(again, first) == "A ban made from REF stands already."

    await tg.staff(CENTRAL, first.thread_id, officer, "/unban")
    lifted_first = tg.api.last("sendMessage", CENTRAL).text
    await tg.staff(CENTRAL, third.thread_id, officer, "/unban")
    lifted_third = tg.api.last("sendMessage", CENTRAL).text
    assert shape(lifted_first, first) == shape(lifted_third, third)
    assert await banned(session_factory, alice)  # the ban from the second case stands
    assert not await banned(session_factory, bram)

    await tg.staff(CENTRAL, first.thread_id, officer, "/unban")
    assert shape(tg.api.last("sendMessage", CENTRAL).text, first) == "No ban was made from REF."
    await tg.staff(CENTRAL, second.thread_id, officer, "/unban")
    assert not await banned(session_factory, alice)


async def test_a_banned_resident_reaches_nobody(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    case = await opened(tg, alice, session_factory)
    earlier = await tg.send(alice, "The van is red")
    await ban_from(tg, officer, case)
    tg.api.clear()

    await tg.send(alice, "Are you still there?")
    edited = earlier.message.model_copy(update={"text": "The van is blue"})  # type: ignore[union-attr]
    await tg.feed(Update(update_id=5000, edited_message=edited))
    await tg.press(alice, RateCb(case_id=case.id, stars=5))

    assert tg.api.sent("sendMessage", CENTRAL) == []
    assert tg.api.sent("editMessageText", CENTRAL) == []
    told = tg.api.last("sendMessage", alice.id).text
    assert "112" in told
    refused = tg.api.last("answerCallbackQuery").params
    assert refused["show_alert"] and "cannot send messages" in refused["text"]

    await tg.press(alice, SolvedCb(case_id=case.id))
    assert (await only_case(session_factory)).status != CaseStatus.CLOSED
    assert tg.api.sent("sendMessage", CENTRAL) == []


async def test_a_wizard_started_before_a_ban_sends_nothing(
    tg: Harness,
    alice: User,
    officer: User,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    case = await opened(tg, alice, session_factory)
    await start_report(tg, alice)
    await tg.send(alice, "Another thing")
    await ban_from(tg, officer, case)

    await send_report(tg, alice)

    assert "cannot make new reports" in tg.api.last("editMessageText", alice.id).text
    async with session_factory() as session:
        assert len((await session.scalars(select(Case))).all()) == 1


async def test_a_case_is_rated_once(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    case = await opened(tg, alice, session_factory)
    await solve(tg, alice, case)

    await tg.press(alice, RateCb(case_id=case.id, stars=5))
    await tg.press(alice, RateCb(case_id=case.id, stars=1))

    assert (await only_case(session_factory)).rating == 5
    assert "rated this case already" in tg.api.last("answerCallbackQuery").params["text"]
    notes = [c.text for c in tg.api.sent("sendMessage", CENTRAL) if "rated" in c.text]
    assert notes == ["⭐ The citizen rated the handling 5/5."]


async def test_ban_declined_changes_nothing(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    case = await opened(tg, alice, session_factory)
    await tg.staff(CENTRAL, case.thread_id, officer, "/ban")
    await tg.feed(
        tg.updates.staff_callback(officer, CENTRAL, BanCb(case_id=case.id, yes=False).pack())
    )

    assert not await banned(session_factory, alice)
    assert tg.api.last("sendMessage", CENTRAL).text == "Not banned."


async def test_citizen_can_close_their_own_case(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    case = await opened(tg, alice, session_factory)
    await tg.send(alice, "📂 My cases")
    assert tg.api.last("sendMessage", alice.id).buttons == ["✅ BL-26-00001 is solved"]

    await tg.press(alice, SolvedCb(case_id=case.id))
    assert tg.api.last("sendMessage", alice.id).buttons == ["Yes, it is solved", "No"]
    assert (await only_case(session_factory)).status != CaseStatus.CLOSED
    await tg.press(alice, SolvedSureCb(case_id=case.id, yes=True))

    closed = await only_case(session_factory)
    assert closed.status == CaseStatus.CLOSED
    notes = [c.text for c in tg.api.sent("sendMessage", CENTRAL)]
    assert "✅ The citizen marked this case as solved." in notes
    assert tg.api.last("closeForumTopic", CENTRAL).thread_id == case.thread_id
    assert tg.api.last("sendMessage", alice.id).buttons[0] == "1 ⭐"


async def test_someone_elses_case_cannot_be_closed(
    tg: Harness, alice: User, bram: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    case = await opened(tg, alice, session_factory)
    await onboard(tg, bram)

    await tg.press(bram, SolvedCb(case_id=case.id))

    assert (await only_case(session_factory)).status != CaseStatus.CLOSED


async def test_relayed_staff_messages_get_a_delivered_reaction(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    case = await opened(tg, alice, session_factory)

    update = await tg.staff(CENTRAL, case.thread_id, officer, "We are on our way")

    reaction = tg.api.last("setMessageReaction", CENTRAL)
    assert reaction.params["message_id"] == update.message.message_id  # type: ignore[union-attr]
    assert reaction.params["reaction"] == [{"type": "emoji", "emoji": "👍"}]


async def test_blocked_citizen_gets_a_failed_reaction_and_reason(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    case = await opened(tg, alice, session_factory)
    tg.api.fail(
        "sendMessage",
        status=403,
        chat_id=alice.id,
        description="Forbidden: bot was blocked by the user",
    )

    await tg.staff(CENTRAL, case.thread_id, officer, "Hello?")

    assert tg.api.last("setMessageReaction", CENTRAL).params["reaction"][0]["emoji"] == "💔"
    assert "blocked the bot" in tg.api.last("sendMessage", CENTRAL).text
    assert (await citizen(session_factory, alice)).blocked_bot


async def test_deleted_topic_is_recreated_with_the_card_and_nothing_is_lost(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    case = await opened(tg, alice, session_factory)
    tg.api.fail(
        "sendMessage",
        chat_id=CENTRAL,
        description="Bad Request: message thread not found",
        where={"message_thread_id": case.thread_id},
    )

    await tg.send(alice, "Are you still looking into it?")

    renewed = await only_case(session_factory)
    assert renewed.thread_id is not None and renewed.thread_id != case.thread_id
    [topic] = tg.api.sent("createForumTopic", CENTRAL)
    card = tg.api.sent("sendMessage", CENTRAL, renewed.thread_id)[0]
    assert card.thread_id == renewed.thread_id and "BL-26-00001" in card.text
    copies = [c for c in tg.api.sent("sendMessage", CENTRAL) if "still looking" in c.text]
    assert [c.thread_id for c in copies] == [case.thread_id, renewed.thread_id]
    assert topic.params["name"].endswith("Burglary · Centre")


async def test_report_is_kept_when_the_desk_group_refuses_a_topic(
    tg: Harness,
    alice: User,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    await onboard(tg, alice)
    tg.api.fail("createForumTopic", description="Bad Request: not enough rights to create a topic")
    await start_report(tg, alice)
    await tg.send(alice, "Bikes stolen again")
    await tg.send(alice, None, photo=PHOTO)
    await send_report(tg, alice)

    case = await only_case(session_factory)
    assert case.thread_id is None
    assert "BL-26-00001" in tg.api.last("sendMessage", alice.id).text
    tg.api.clear()

    clock.advance(minutes=1)  # an admin gave the bot its rights; the outbox tries again
    await tg.courier.drain()

    case = await only_case(session_factory)
    assert case.thread_id is not None
    assert "Bikes stolen again" in tg.api.sent("sendMessage", CENTRAL)[0].text
    [copy] = tg.api.sent("copyMessage", CENTRAL)
    assert copy.thread_id == case.thread_id
    clock.advance(minutes=5)
    await tg.courier.drain()
    assert len(tg.api.sent("createForumTopic", CENTRAL)) == 1


async def test_racing_updates_create_one_topic(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await onboard(tg, alice)
    tg.api.fail("createForumTopic", description="Bad Request: not enough rights to create a topic")
    await report(tg, alice)
    assert (await only_case(session_factory)).thread_id is None
    tg.api.clear()

    await asyncio.gather(
        tg.feed(tg.updates.message(alice, "first")), tg.feed(tg.updates.message(alice, "second"))
    )
    clock.advance(minutes=1)
    await tg.courier.drain()

    assert len(tg.api.sent("createForumTopic")) == 1
    copies = [c for c in tg.api.sent("sendMessage", CENTRAL) if c.text.startswith("👤")]
    assert len(copies) == 2
    assert {c.thread_id for c in copies} == {(await only_case(session_factory)).thread_id}


async def test_emergency_words_get_the_number_and_flag_the_case(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    case = await opened(tg, alice, session_factory)

    await tg.send(alice, "He has a KNIFE and is coming back")

    advice = [c.text for c in tg.api.sent("sendMessage", alice.id)]
    assert any("call 112 immediately" in text for text in advice)
    assert (await only_case(session_factory)).priority == "urgent"
    assert tg.api.last("editForumTopic", CENTRAL).params["name"].startswith("🔴")
    assert tg.api.last("pinChatMessage", CENTRAL).params["message_id"] == case.card_message_id


async def test_emergency_in_the_report_opens_an_urgent_case(
    tg: Harness, bram: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, bram)
    await report(tg, bram, "Er is brand in het trappenhuis")

    case = await only_case(session_factory)
    assert case.priority == "urgent"
    assert tg.api.last("createForumTopic", CENTRAL).params["name"].startswith("🔴")
    assert "Possible emergency" in tg.api.sent("sendMessage", CENTRAL)[0].text
    assert tg.api.last("pinChatMessage", CENTRAL).params["message_id"] == case.card_message_id
    assert any("112" in c.text for c in tg.api.sent("sendMessage", bram.id))


async def test_ordinary_words_do_not_raise_an_alarm(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await opened(tg, alice, session_factory)
    await tg.send(alice, "The firewood pile was knocked over; begun cleaning up")
    assert (await only_case(session_factory)).priority == "normal"


async def test_the_card_gives_the_deadline_files_history_language_and_outcome(
    tg: Harness, bram: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, bram, language="nl")
    await report(tg, bram, "First report")
    await start_report(tg, bram)
    await tg.send(bram, None, photo=PHOTO, caption="the door")
    await tg.send(bram, "Somebody forced the door of the shed")
    await send_report(tg, bram)
    async with session_factory() as session:
        _first, second = (await session.scalars(select(Case).order_by(Case.id))).all()

    card = tg.api.sent("sendMessage", CENTRAL)
    [second_card] = [c.text for c in card if second.ref in c.text and "Reporter" in c.text]
    assert "⏱ Reply due by: 5 Mar 2026, 11:00" in second_card  # 10:30 local, 30 minutes
    assert "📎 Files from the resident: 1" in second_card
    assert "Earlier reports by this resident: 1" in second_card
    assert "The resident's own language: Nederlands (nl)" in second_card

    await tg.staff(CENTRAL, second.thread_id, officer, "/close Door repaired, suspect known")
    closed = tg.api.last("editMessageText", CENTRAL).text
    assert "Outcome: Door repaired, suspect known" in closed and "Reply due" not in closed


async def test_an_anonymous_card_never_counts_earlier_reports(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice, "One")
    await report(tg, alice, "Two", privacy="anonymous")

    cards = [c.text for c in tg.api.sent("sendMessage", CENTRAL) if "Reporter" in c.text]
    assert "(anonymous)" in cards[-1] and "Earlier reports" not in cards[-1]


async def test_taking_a_colleagues_case_asks_first_and_tells_them(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    sanne = User(id=905, is_bot=False, first_name="Sanne")
    case = await opened(tg, alice, session_factory)
    await tg.staff(CENTRAL, case.thread_id, officer, "/take")
    told_before = len(tg.api.sent("sendMessage", alice.id))

    await tg.staff(CENTRAL, case.thread_id, sanne, "/take")
    question = tg.api.last("sendMessage", CENTRAL)
    assert question.text == "Officer is handling this case. Take it over?"
    assert (await only_case(session_factory)).assignee_id == officer.id
    await tg.feed(
        tg.updates.staff_callback(sanne, CENTRAL, TakeOverCb(case_id=case.id, yes=True).pack())
    )

    assert (await only_case(session_factory)).assignee_id == sanne.id
    note = tg.api.last("sendMessage", CENTRAL).text
    assert (
        note == f'Sanne took this case over from <a href="tg://user?id={officer.id}">Officer</a>.'
    )
    assert len(tg.api.sent("sendMessage", alice.id)) == told_before  # not told twice


async def test_solved_on_a_taken_case_leaves_closing_to_the_officer(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    case = await opened(tg, alice, session_factory)
    await tg.staff(CENTRAL, case.thread_id, officer, "/take")

    await solve(tg, alice, case)

    assert (await only_case(session_factory)).status == CaseStatus.OPEN
    assert "Close the case with /close" in tg.api.last("sendMessage", CENTRAL).text
    told = tg.api.last("sendMessage", alice.id).text
    assert told == "Thank you. The officer handling BL-26-00001 will close it."


async def test_a_rating_reaches_the_closed_topic(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    case = await opened(tg, alice, session_factory)
    await tg.staff(CENTRAL, case.thread_id, officer, "/close Found it")
    tg.api.clear()

    await tg.press(alice, RateCb(case_id=case.id, stars=4))

    topic = [c for c in tg.api.calls if c.chat_id == CENTRAL and c.thread_id == case.thread_id]
    assert [c.method for c in topic] == ["reopenForumTopic", "sendMessage", "closeForumTopic"]
    assert topic[1].text == "⭐ The citizen rated the handling 4/5."
