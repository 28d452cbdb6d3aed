"""Cases moving through the network: transfers, referrals with consent (and the redaction of
what partners see), the audit trail, off-duty replies and response-time reminders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aiogram.types import Update, User
from aiogram.utils.i18n import I18n
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.kinds import CaseStatus
from bot.network.schema import Network
from bot.ui.desk_keyboards import BanCb, Move, MoveCb
from bot.ui.referrals import ReferralCb
from bot.ui.report_wizard import ReportCb, WizardAction
from bot.workflows.response_times import check_response_times
from storage.models import Case, CaseMessage, Referral
from tests.conftest import CENTRAL, COORDINATORS, EAST, PARTNER, Harness
from tests.fakes import FakeClock
from tests.helpers import onboard, report, send_report

PHOTO = [{"file_id": "ph", "file_unique_id": "ph", "width": 1, "height": 1}]


async def the_case(factory: async_sessionmaker[AsyncSession]) -> Case:
    async with factory() as session:
        return (await session.scalars(select(Case))).one()


async def referral(factory: async_sessionmaker[AsyncSession]) -> Referral:
    async with factory() as session:
        return (await session.scalars(select(Referral))).one()


async def referred(
    tg: Harness,
    alice: User,
    officer: User,
    factory: async_sessionmaker[AsyncSession],
    description: str = "Someone is trying car doors in my street.",
    privacy: str = "confidential",
) -> tuple[Case, Referral]:
    """Alice reports a case, an officer refers it to the housing partner, and she agrees."""
    await onboard(tg, alice)
    await report(tg, alice, description, privacy=privacy)
    case = await the_case(factory)
    await tg.staff(CENTRAL, case.thread_id, officer, "/refer housing")
    await tg.press(alice, ReferralCb(referral_id=(await referral(factory)).id, agree=True))
    return case, await referral(factory)


async def test_transfer_moves_the_case_with_its_history(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    old = await the_case(session_factory)
    await tg.send(alice, None, photo=PHOTO, caption="the bike")
    await tg.staff(CENTRAL, old.thread_id, officer, "Thanks, checking")
    await tg.staff(CENTRAL, old.thread_id, officer, "// probably the east gang")
    tg.api.clear()

    await tg.staff(CENTRAL, old.thread_id, officer, "/transfer east")

    case = await the_case(session_factory)
    assert (case.desk, case.staff_chat_id) == ("east", EAST)
    assert case.thread_id is not None
    assert tg.api.last("createForumTopic", EAST)
    assert "BL-26-00001" in tg.api.sent("sendMessage", EAST)[0].text  # the card again
    resident_part, officer_part = tg.api.sent("copyMessages", EAST)
    assert {resident_part.params["from_chat_id"], officer_part.params["from_chat_id"]} == {CENTRAL}
    assert len(resident_part.params["message_ids"]) == 1  # the photo copy, headed "👤 Resident"
    assert len(officer_part.params["message_ids"]) == 2  # the officer's reply and note
    assert {resident_part.thread_id, officer_part.thread_id} == {case.thread_id}
    # Copies lose their author, so the officer's run is headed with the name.
    [label] = [c for c in tg.api.sent("sendMessage", EAST) if c.text.startswith("👮")]
    assert label.text == f"👮 {officer.full_name}" and label.thread_id == case.thread_id
    closing = [c for c in tg.api.sent("sendMessage", CENTRAL) if c.thread_id == old.thread_id]
    assert "Transferred to Team East" in closing[-1].text
    assert tg.api.last("closeForumTopic", CENTRAL).thread_id == old.thread_id
    assert tg.api.last("sendMessage", alice.id).text == (
        "Your report BL-26-00001 was passed to Team East."
    )

    tg.api.clear()
    await tg.send(alice, "any news?")
    assert tg.api.last("sendMessage", EAST).text == "👤 Resident Alice\nany news?"


async def test_transfer_without_a_police_desk_offers_the_desks_as_buttons(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    case = await the_case(session_factory)

    await tg.staff(CENTRAL, case.thread_id, officer, "/transfer housing")

    offer = tg.api.last("sendMessage", CENTRAL)
    assert offer.text.startswith("Transfer to which desk?") and offer.buttons == ["Team East"]
    assert "(/transfer &lt;desk&gt; &lt;reason&gt; also works)" in offer.text  # valid HTML
    assert (await the_case(session_factory)).desk == "central"

    await tg.feed(
        tg.updates.staff_callback(
            officer, CENTRAL, MoveCb(case_id=case.id, move=Move.TRANSFER, desk="east").pack()
        )
    )
    assert (await the_case(session_factory)).desk == "east"


async def test_a_transfer_reason_heads_the_new_topic(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    case = await the_case(session_factory)

    await tg.staff(CENTRAL, case.thread_id, officer, "/transfer east the suspect lives there")

    card, origin = tg.api.sent("sendMessage", EAST)[:2]
    assert "BL-26-00001" in card.text
    assert origin.text == (
        "➡️ Transferred from Central desk by Officer.\nReason: the suspect lives there"
    )
    assert "the suspect lives there" not in tg.api.last("sendMessage", alice.id).text


async def test_a_referral_reason_is_shown_to_the_resident_and_the_partner(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    case = await the_case(session_factory)

    await tg.staff(CENTRAL, case.thread_id, officer, "/refer housing the landlord must repair it")
    assert "Why: the landlord must repair it" in tg.api.last("sendMessage", alice.id).text
    await tg.press(alice, ReferralCb(referral_id=(await referral(session_factory)).id, agree=True))

    assert "Why: the landlord must repair it" in tg.api.sent("sendMessage", PARTNER)[0].text


async def test_refer_without_a_partner_offers_the_partners_as_buttons(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    case = await the_case(session_factory)

    await tg.staff(CENTRAL, case.thread_id, officer, "/refer")
    assert tg.api.last("sendMessage", CENTRAL).buttons == ["Housing corporation"]
    await tg.feed(
        tg.updates.staff_callback(
            officer, CENTRAL, MoveCb(case_id=case.id, move=Move.REFER, desk="housing").pack()
        )
    )

    assert "Housing corporation" in tg.api.last("sendMessage", alice.id).text
    assert (await referral(session_factory)).partner == "housing"


async def test_partners_hear_when_the_case_closes(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    case, _ = await referred(tg, alice, officer, session_factory)

    await tg.staff(CENTRAL, case.thread_id, officer, "/close Lock replaced")

    note = tg.api.last("sendMessage", PARTNER)
    assert note.thread_id == (await referral(session_factory)).thread_id
    assert note.text == "✅ The police closed BL-26-00001. Outcome: Lock replaced"


async def test_a_partners_message_after_the_case_closed_reaches_nobody(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    partner_worker = User(id=950, is_bot=False, first_name="Petra")
    case, _ = await referred(tg, alice, officer, session_factory)
    await tg.staff(CENTRAL, case.thread_id, officer, "/close Lock replaced")
    ref = await referral(session_factory)
    tg.api.clear()

    await tg.staff(PARTNER, ref.thread_id, partner_worker, "One more question")

    assert tg.api.sent(chat_id=alice.id) == []
    # A partner cannot reopen the case, so the police's /reopen hint is not offered.
    assert tg.api.last("sendMessage", PARTNER).text == "This case is closed; nothing was sent."


async def test_a_partners_edit_reaches_the_resident_as_the_partners_correction(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    partner_worker = User(id=950, is_bot=False, first_name="Petra")
    _case, ref = await referred(tg, alice, officer, session_factory)
    sent = await tg.staff(PARTNER, ref.thread_id, partner_worker, "Locksmith at 3 pm")
    assert sent.message is not None
    tg.api.clear()

    edited = sent.message.model_copy(update={"text": "Locksmith at 4 pm"})
    await tg.feed(Update(update_id=5005, edited_message=edited))

    header = "<b>🏢 Housing corporation via Beatline</b> · BL-26-00001"
    assert tg.api.last("editMessageText", alice.id).text == f"{header}\nLocksmith at 4 pm"
    assert tg.api.last("sendMessage", alice.id).text == (
        f"✏️ Housing corporation corrected a message:\n{header}\nLocksmith at 4 pm"
    )


async def test_case_commands_outside_a_topic_say_where_they_work(
    tg: Harness, officer: User
) -> None:
    await tg.staff(CENTRAL, None, officer, "/history")

    assert tg.api.last("sendMessage", CENTRAL).text == "Use this inside a case topic."


async def test_referral_needs_consent_and_partner_sees_no_personal_data(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    partner_worker = User(id=950, is_bot=False, first_name="Petra")
    await onboard(tg, alice)
    await report(tg, alice, "Mould and a broken lock at Elm Street 3")
    case = await the_case(session_factory)

    await tg.staff(CENTRAL, case.thread_id, officer, "/refer housing")

    question = tg.api.last("sendMessage", alice.id)
    assert "Housing corporation" in question.text
    assert "They would not see: your name, your Telegram account" in question.text
    assert question.buttons == ["✅ Yes, pass it on", "✖ No"]
    assert not tg.api.sent(chat_id=PARTNER)  # nothing before consent

    ref = await referral(session_factory)
    await tg.press(alice, ReferralCb(referral_id=ref.id, agree=True))

    partner_calls = tg.api.sent(chat_id=PARTNER)
    assert [c.method for c in partner_calls] == ["createForumTopic", "sendMessage"]
    card = partner_calls[1].text
    assert "Mould and a broken lock" in card and "Reporter: not shared" in card
    for call in partner_calls:
        assert "Alice" not in call.dump() and "alice_w" not in call.dump()
        assert str(alice.id) not in call.dump()
    assert (await the_case(session_factory)).status == CaseStatus.NEW  # its own status stays
    card = tg.api.last("editMessageText", CENTRAL).text
    assert "Status: received" in card
    assert "🤝 Referral to Housing corporation: shared, with the resident's consent" in card
    assert "The citizen agreed" in tg.api.last("sendMessage", CENTRAL).text

    ref = await referral(session_factory)
    tg.api.clear()
    await tg.staff(PARTNER, ref.thread_id, partner_worker, "We will send a locksmith tomorrow.")

    [delivered] = tg.api.sent("sendMessage", alice.id)
    assert delivered.text == (
        "<b>🏢 Housing corporation via Beatline</b> · BL-26-00001\n"
        "We will send a locksmith tomorrow."
    )
    assert tg.api.last("setMessageReaction", PARTNER).params["reaction"][0]["emoji"] == "👍"


async def test_a_reply_to_the_partner_reaches_the_partners_topic_and_the_police_see_it(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    partner_worker = User(id=950, is_bot=False, first_name="Petra")
    case, ref = await referred(
        tg, alice, officer, session_factory, "Mould and a broken lock at Elm Street 3"
    )
    await tg.staff(PARTNER, ref.thread_id, partner_worker, "When are you at home?")
    await tg.staff(CENTRAL, case.thread_id, officer, "Did the partner reach you?")
    async with session_factory() as session:
        written = (await session.scalars(select(CaseMessage).order_by(CaseMessage.id))).all()
    from_partner = next(m for m in written if m.source_chat_id == PARTNER)
    from_police = [m for m in written if m.source_chat_id == CENTRAL][-1]
    tg.api.clear()

    await tg.send(alice, "After 6 <pm>", reply_to=from_partner.target_message_id)

    [to_partner] = tg.api.sent("sendMessage", PARTNER)
    assert (to_partner.thread_id, to_partner.text) == (
        ref.thread_id,
        "👤 The resident\nAfter 6 &lt;pm&gt;",
    )
    police_topic = [c.text for c in tg.api.sent("sendMessage", CENTRAL, case.thread_id)]
    assert police_topic[0] == "👤 Resident Alice\nAfter 6 &lt;pm&gt;"
    assert "The resident answered Housing corporation" in police_topic[1]

    tg.api.clear()
    await tg.send(alice, "Yes, thanks", reply_to=from_police.target_message_id)
    assert not tg.api.sent(chat_id=PARTNER)  # an answer to the police stays with the police
    assert tg.api.sent("sendMessage", CENTRAL)


async def test_identified_referral_shares_the_name(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice, privacy="identified")
    case = await the_case(session_factory)
    await tg.staff(CENTRAL, case.thread_id, officer, "/refer housing")
    assert "your name" in tg.api.last("sendMessage", alice.id).text.split("would see")[1]

    await tg.press(alice, ReferralCb(referral_id=(await referral(session_factory)).id, agree=True))

    assert "Reporter: Alice @alice_w" in tg.api.sent("sendMessage", PARTNER)[0].text


async def test_anonymous_case_referral_stays_anonymous(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    case, _ = await referred(tg, alice, officer, session_factory, privacy="anonymous")

    dumps = " ".join(c.dump() for c in tg.api.sent(chat_id=PARTNER))
    assert "Reporter: not shared" in dumps
    assert case.pseudonym is not None and case.pseudonym not in dumps
    assert "Alice" not in dumps and str(alice.id) not in dumps


@pytest.mark.parametrize("privacy", ["identified", "confidential", "anonymous"])
@pytest.mark.parametrize("kind", ["", " info"])
async def test_the_consent_question_tells_exactly_what_the_partner_card_shows(
    tg: Harness,
    alice: User,
    officer: User,
    session_factory: async_sessionmaker[AsyncSession],
    privacy: str,
    kind: str,
) -> None:
    await onboard(tg, alice)
    await tg.send(alice, "/report")
    await tg.press(alice, ReportCb(action=WizardAction.CATEGORY, value="burglary"))
    await tg.press(alice, ReportCb(action=WizardAction.PRIVACY, value=privacy))
    await tg.send(alice, "Behind the Elm Street school")
    await tg.press(alice, ReportCb(action=WizardAction.AREA, value="centre"))
    await tg.send(alice, "Someone broke the lock of the bike shed")
    await send_report(tg, alice)
    case = await the_case(session_factory)

    await tg.staff(CENTRAL, case.thread_id, officer, f"/refer housing{kind}")
    question = tg.api.last("sendMessage", alice.id).text
    await tg.press(alice, ReferralCb(referral_id=(await referral(session_factory)).id, agree=True))
    card = tg.api.sent("sendMessage", PARTNER)[0].text

    seen = question.split("would see:")[1].split("\n")[0]
    told_name = "your name" in seen
    told_account = "your Telegram account" in seen
    told_location = "the location you gave" in seen
    assert told_name == ("Alice" in card)
    assert told_account == ("@alice_w" in card) == (str(alice.id) in card)
    assert told_location == ("Elm Street school" in card)
    assert ("They cannot write to you." in question) == ("For your information only" in card)
    assert "Someone broke the lock" in card
    assert told_name == (privacy == "identified" and not kind)
    if case.pseudonym is not None:
        assert case.pseudonym not in card


async def test_declined_referral_tells_the_desk_and_shares_nothing(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    case = await the_case(session_factory)
    await tg.staff(CENTRAL, case.thread_id, officer, "/refer housing")
    asked = await the_case(session_factory)

    await tg.press(
        alice, ReferralCb(referral_id=(await referral(session_factory)).id, agree=False)
    )

    assert not tg.api.sent(chat_id=PARTNER)
    assert (
        "declined the referral to Housing corporation" in tg.api.last("sendMessage", CENTRAL).text
    )
    assert (await the_case(session_factory)).status == asked.status  # still the desk's


async def test_info_only_referral_cannot_message_the_citizen(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    partner_worker = User(id=951, is_bot=False, first_name="Pim")
    await onboard(tg, alice)
    await report(tg, alice)
    case = await the_case(session_factory)
    await tg.staff(CENTRAL, case.thread_id, officer, "/refer housing info")
    assert "cannot write to you" in tg.api.last("sendMessage", alice.id).text
    await tg.press(alice, ReferralCb(referral_id=(await referral(session_factory)).id, agree=True))
    assert "For your information only" in tg.api.sent("sendMessage", PARTNER)[0].text
    ref = await referral(session_factory)
    tg.api.clear()

    await tg.staff(PARTNER, ref.thread_id, partner_worker, "Can we call you?")

    assert tg.api.sent(chat_id=alice.id) == []
    assert "information only" in tg.api.last("sendMessage", PARTNER).text


async def test_history_lists_every_staff_action(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    case = await the_case(session_factory)
    for command in (
        "/take",
        "// checked the cameras",
        "/refer housing",
        "/close Solved",
        "/reopen",
    ):
        await tg.staff(CENTRAL, case.thread_id, officer, command)

    await tg.staff(CENTRAL, case.thread_id, officer, "/history")

    history = tg.api.last("sendMessage", CENTRAL).text
    actions = [line.split(" · ")[1] for line in history.splitlines()[1:]]
    assert actions == ["taken", "internal note", "referral proposed", "closed", "reopened"]
    assert "Officer" in history and "checked the cameras" in history


async def test_off_duty_desk_replies_once_per_off_duty_spell(
    tg: Harness, alice: User, clock: FakeClock, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    clock.current = datetime(2026, 3, 6, 19, 0, tzinfo=UTC)  # Friday 20:00 in Amsterdam
    await onboard(tg, alice)
    await report(tg, alice, area="east")
    notices = [c for c in tg.api.sent("sendMessage", alice.id) if "not staffed" in c.text]
    assert len(notices) == 1
    assert "Monday, 9 March 2026, 08:00" in notices[0].text and "112" in notices[0].text

    await tg.send(alice, "one more detail")
    await tg.send(alice, "and another")
    assert len([c for c in tg.api.sent("sendMessage", alice.id) if "not staffed" in c.text]) == 1

    clock.current = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)  # Monday, on duty
    await tg.send(alice, "during office hours")
    clock.current = datetime(2026, 3, 9, 18, 0, tzinfo=UTC)  # Monday evening: a new spell
    await tg.send(alice, "in the evening")
    assert len([c for c in tg.api.sent("sendMessage", alice.id) if "not staffed" in c.text]) == 2


async def test_response_target_reminds_then_escalates_once_across_a_restart(
    tg: Harness,
    alice: User,
    officer: User,
    clock: FakeClock,
    session_factory: async_sessionmaker[AsyncSession],
    i18n: I18n,
    network: Network,
    database_url: str,
) -> None:
    from storage.db import create_engine, create_session_factory

    await onboard(tg, alice)
    await report(tg, alice)  # central: response target 30 minutes
    case = await the_case(session_factory)
    start = clock.now()
    tg.api.clear()

    async def check_at(minutes: int, factory: async_sessionmaker[AsyncSession]) -> list[str]:
        clock.current = start + timedelta(minutes=minutes)
        done = await check_response_times(tg.bot, factory, i18n, network, clock)
        await tg.courier.drain()
        return done

    assert await check_at(29, session_factory) == []
    assert await check_at(31, session_factory) == ["remind BL-26-00001"]
    reminder = tg.api.last("sendMessage", CENTRAL)
    assert reminder.thread_id == case.thread_id
    assert "waited 31 minutes for a first reply. The target is 30 minutes." in reminder.text

    # A restart: new engine and sessions on the same database; nothing is repeated.
    engine = create_engine(database_url)
    restarted = create_session_factory(engine)
    try:
        assert await check_at(45, restarted) == []
        assert await check_at(61, restarted) == ["escalate BL-26-00001"]
        assert await check_at(90, restarted) == []
    finally:
        await engine.dispose()
    escalation = tg.api.last("sendMessage", COORDINATORS)
    assert "BL-26-00001" in escalation.text and "Central desk" in escalation.text
    assert f"https://t.me/c/1000000001/{case.thread_id}" in escalation.text
    assert len(tg.api.sent("sendMessage", CENTRAL)) == 1


async def test_a_staff_reply_stops_the_response_clock(
    tg: Harness,
    alice: User,
    officer: User,
    clock: FakeClock,
    session_factory: async_sessionmaker[AsyncSession],
    i18n: I18n,
    network: Network,
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    case = await the_case(session_factory)
    await tg.staff(CENTRAL, case.thread_id, officer, "We are on it")

    clock.advance(hours=3)
    assert await check_response_times(tg.bot, session_factory, i18n, network, clock) == []


async def test_a_partners_album_reaches_the_citizen_whole(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    import asyncio

    from aiogram.types import Chat

    partner_worker = User(id=952, is_bot=False, first_name="Pia")
    _case, ref = await referred(tg, alice, officer, session_factory)
    tg.api.clear()
    group = Chat(id=PARTNER, type="supergroup", title="Partner", is_forum=True)
    album = [
        tg.updates.message(
            partner_worker,
            None,
            chat=group,
            thread_id=ref.thread_id,
            photo=PHOTO,
            media_group_id="lock-photos",
        )
        for _ in range(2)
    ]

    await asyncio.gather(*(tg.feed(update) for update in album))

    to_citizen = tg.api.sent(chat_id=alice.id)
    assert [c.method for c in to_citizen] == ["sendMessage", "copyMessages"]
    assert to_citizen[0].text == "<b>🏢 Housing corporation via Beatline</b> · BL-26-00001"
    assert to_citizen[1].params["message_ids"] == [u.message.message_id for u in album]  # type: ignore[union-attr]


async def test_a_referral_answered_after_a_ban_reaches_no_partner(
    tg: Harness, alice: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    case = await the_case(session_factory)
    await tg.staff(CENTRAL, case.thread_id, officer, "/refer housing")
    await tg.staff(CENTRAL, case.thread_id, officer, "/ban")
    await tg.feed(
        tg.updates.staff_callback(officer, CENTRAL, BanCb(case_id=case.id, yes=True).pack())
    )

    await tg.press(alice, ReferralCb(referral_id=(await referral(session_factory)).id, agree=True))

    assert tg.api.sent(chat_id=PARTNER) == []
    assert (await referral(session_factory)).status == "proposed"
    assert "cannot send messages" in tg.api.last("answerCallbackQuery").params["text"]
