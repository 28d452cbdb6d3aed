"""The residents' rights the privacy notice promises: /mydata sends everything Beatline keeps
about them (a summary and a JSON document, nothing about other people), /forget erases them
after a confirmation, pseudonymising the cases the police keep."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiogram.types import User
from aiogram.utils.i18n import I18n
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app.menus import set_commands
from bot.network.schema import Network, parse_network
from bot.ui.desk_keyboards import BanCb
from bot.ui.keyboards import ForgetCb, RateCb
from bot.ui.report_wizard import ReportCb, WizardAction
from bot.workflows.erasure import RetentionSweep
from storage.models import Base, Case, CaseBan, CaseSeal, Citizen, Subscription
from tests.conftest import CENTRAL, COORDINATORS, NETWORK, PARTNER, Harness
from tests.fakes import Call, FakeClock
from tests.helpers import onboard, report, send_report
from tests.test_announce import TOPICS, subscribe


@pytest.fixture
def network() -> Network:
    return parse_network(NETWORK + TOPICS)


@pytest.fixture
def kowalczyk() -> User:
    """An officer whose name and id must not reach a resident's data export."""
    return User(id=987654321, is_bot=False, first_name="Kowalczyk", username="agent_kowal")


async def cases(factory: async_sessionmaker[AsyncSession]) -> list[Case]:
    async with factory() as session:
        return list((await session.scalars(select(Case).order_by(Case.id))).all())


async def rows(factory: async_sessionmaker[AsyncSession], table: type[Base]) -> list[Any]:
    async with factory() as session:
        return list((await session.scalars(select(table))).all())


def document_of(call: Call) -> dict[str, Any]:
    [(name, data)] = call.uploads.values()
    assert name == "beatline-my-data.json"
    found: dict[str, Any] = json.loads(data.decode("utf-8"))
    return found


async def report_with_a_point(tg: Harness, user: User, text: str) -> None:
    """A confidential report with the exact point the phone shared."""
    await tg.send(user, "/report")
    await tg.press(user, ReportCb(action=WizardAction.CATEGORY, value="burglary"))
    await tg.press(user, ReportCb(action=WizardAction.PRIVACY, value="confidential"))
    await tg.send(user, None, location={"latitude": 52.0907, "longitude": 5.1214})
    await tg.press(user, ReportCb(action=WizardAction.AREA, value="centre"))
    await tg.send(user, text)
    await send_report(tg, user)


async def test_mydata_sends_a_summary_and_a_document_of_everything_kept(
    tg: Harness,
    zoe: User,
    bram: User,
    kowalczyk: User,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await onboard(tg, zoe)
    await subscribe(tg, zoe, "centre")
    await report(tg, zoe, "Bike stolen at the station")
    await report(tg, zoe, "Dealing from the blue van", privacy="anonymous")
    await onboard(tg, bram)
    await report(tg, bram, "Bram's own report")
    named, anonymous, _bram = await cases(session_factory)
    await tg.staff(CENTRAL, anonymous.thread_id, kowalczyk, "Thank you, we will look")
    await tg.staff(CENTRAL, anonymous.thread_id, kowalczyk, "// internal: known address")
    await tg.staff(CENTRAL, named.thread_id, kowalczyk, "/close Bike found")
    await tg.press(zoe, RateCb(case_id=named.id, stars=4))
    tg.api.clear()

    await tg.send(zoe, "/mydata")

    summary = tg.api.last("sendMessage", zoe.id).text
    assert summary.startswith("<b>What Beatline keeps about you</b>")
    assert "Name: Zoë @zq_secret · Telegram id 7391046285" in summary
    assert "2 reports (1 anonymous)" in summary and "Alerts you follow: Centre" in summary
    assert "ratings you gave: 1" in summary
    document = document_of(tg.api.last("sendDocument", zoe.id))
    assert document["profile"]["telegram_id"] == zoe.id
    assert document["profile"]["username"] == "zq_secret"
    assert [s["name"] for s in document["subscriptions"]] == ["Centre"]
    by_ref = {case["reference"]: case for case in document["cases"]}
    assert set(by_ref) == {named.ref, anonymous.ref}
    assert by_ref[named.ref]["your_rating"] == 4 and by_ref[named.ref]["outcome"] == "Bike found"
    conversation = [(m["from"], m["text"]) for m in by_ref[anonymous.ref]["messages"]]
    assert ("you", "Dealing from the blue van") in conversation
    assert ("police", "Thank you, we will look") in conversation
    text = json.dumps(document, ensure_ascii=False)
    for other in ("known address", "Kowalczyk", "agent_kowal", str(kowalczyk.id), "Bram"):
        assert other not in text, other


async def test_forget_asks_first_and_nothing_is_erased_on_no(
    tg: Harness, zoe: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, zoe)
    await report(tg, zoe)

    await tg.send(zoe, "/forget")
    question = tg.api.last("sendMessage", zoe.id)
    assert "Erase your data?" in question.text and "cannot be undone" in question.text
    assert question.buttons == ["Yes, erase my data", "No, keep it"]
    await tg.press(zoe, ForgetCb(sure=False))

    assert tg.api.last("sendMessage", zoe.id).text == "Nothing was erased."
    assert len(await rows(session_factory, Citizen)) == 1
    assert (await cases(session_factory))[0].citizen_id is not None


async def test_forget_erases_the_resident_and_pseudonymises_their_cases(
    tg: Harness,
    zoe: User,
    officer: User,
    clock: FakeClock,
    network: Network,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await onboard(tg, zoe)
    await subscribe(tg, zoe, "centre")
    await report_with_a_point(tg, zoe, "Window smashed at number 12")
    await report(tg, zoe, "Dealing from the blue van", privacy="anonymous")
    await report(tg, zoe, "Noise every night", category="nuisance")
    first, second, third = await cases(session_factory)
    await tg.staff(CENTRAL, first.thread_id, officer, "/close Glass repaired")
    await tg.send(zoe, "/report")  # a draft in the making is erased too
    tg.api.clear()

    await tg.send(zoe, "/forget")
    await tg.press(zoe, ForgetCb(sure=True))

    assert tg.api.last("sendMessage", zoe.id).text.startswith("Your data has been erased.")
    assert await rows(session_factory, Citizen) == []
    assert await rows(session_factory, Subscription) == []
    assert await rows(session_factory, CaseSeal) == []
    kept = await cases(session_factory)
    assert [case.ref for case in kept] == [first.ref, second.ref, third.ref]
    assert all(case.citizen_id is None for case in kept)
    # The anonymous case is pseudonymised by the next sweep, not at this moment (see
    # tests/test_privacy_forget.py): nothing happens in its topic now.
    assert [bool(case.pseudonymised_at) for case in kept] == [True, False, True]
    assert kept[0].location_rounded and (kept[0].latitude, kept[0].longitude) != (52.0907, 5.1214)
    assert [case.status for case in kept] == ["closed", "new", "closed"]
    notes = [c.text for c in tg.api.sent("sendMessage", CENTRAL)]
    erased = "The resident erased their data; this case can no longer be answered."
    assert notes.count(erased) == 1  # the open named case
    closed = {c.thread_id for c in tg.api.sent("closeForumTopic", CENTRAL)}
    assert third.thread_id in closed and second.thread_id not in closed
    await RetentionSweep(session_factory, network, clock).run()
    assert all(case.pseudonymised_at for case in await cases(session_factory))
    cards = [c.text for c in tg.api.sent("editMessageText", CENTRAL)]
    assert any("Reporter: nobody any more" in card for card in cards)
    async with session_factory() as session:
        dump = json.dumps(
            [
                [dict(row) for row in (await session.execute(select(table))).mappings()]
                for table in Base.metadata.sorted_tables
            ],
            default=str,
            ensure_ascii=False,
        )
    for secret in (str(zoe.id), "zq_secret", "Zoë", "52.0907"):
        assert secret not in dump, dump[max(0, dump.find(secret) - 400) : dump.find(secret) + 50]

    await tg.send(zoe, "/start")  # a new resident: language and privacy notice again
    assert "Please choose your language" in tg.api.last("sendMessage", zoe.id).text


async def test_staff_cannot_answer_or_reopen_an_erased_case(
    tg: Harness, zoe: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, zoe)
    await report(tg, zoe)
    [case] = await cases(session_factory)
    await tg.send(zoe, "/forget")
    await tg.press(zoe, ForgetCb(sure=True))
    tg.api.clear()

    await tg.staff(CENTRAL, case.thread_id, officer, "Are you still there?")
    assert "This case is closed" in tg.api.last("sendMessage", CENTRAL).text
    await tg.staff(CENTRAL, case.thread_id, officer, "/reopen")
    assert "can no longer be answered" in tg.api.last("sendMessage", CENTRAL).text
    assert (await cases(session_factory))[0].status == "closed"
    assert tg.api.sent(chat_id=zoe.id) == []


async def test_a_ban_outlives_forget_and_is_lifted_from_its_case(
    tg: Harness, zoe: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, zoe)
    await report(tg, zoe, privacy="anonymous")
    [case] = await cases(session_factory)
    await tg.staff(CENTRAL, case.thread_id, officer, "/ban")
    await tg.feed(
        tg.updates.staff_callback(officer, CENTRAL, BanCb(case_id=case.id, yes=True).pack())
    )
    await tg.send(zoe, "/forget")
    await tg.press(zoe, ForgetCb(sure=True))
    [ban] = await rows(session_factory, CaseBan)
    assert ban.citizen_id is None and ban.sealed_person and str(zoe.id) not in ban.sealed_person

    await onboard(tg, zoe)  # the same person starts again as new
    await tg.send(zoe, "/report")
    assert "cannot make new reports" in tg.api.last("sendMessage", zoe.id).text

    await tg.staff(CENTRAL, case.thread_id, officer, "/unban")
    assert tg.api.last("sendMessage", zoe.id).text == "You can use Beatline again."
    await tg.send(zoe, "/report")
    assert "What is your report about?" in tg.api.last("sendMessage", zoe.id).text


async def test_a_partner_that_has_the_case_hears_it_closed_when_the_resident_forgets(
    tg: Harness, zoe: User, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, zoe)
    await report(tg, zoe)
    [case] = await cases(session_factory)
    await tg.staff(CENTRAL, case.thread_id, officer, "/refer housing")
    await tg.press(
        zoe,
        tg.api.last("sendMessage", zoe.id).params["reply_markup"]["inline_keyboard"][0][0][
            "callback_data"
        ],
    )
    tg.api.clear()

    await tg.send(zoe, "/forget")
    await tg.press(zoe, ForgetCb(sure=True))

    assert "closed" in tg.api.last("sendMessage", PARTNER).text


async def test_the_rights_are_in_the_menus_and_the_help(
    tg: Harness, zoe: User, i18n: I18n, network: Network
) -> None:
    await set_commands(tg.bot, i18n, network)
    private = [
        c for c in tg.api.sent("setMyCommands") if c.params["scope"]["type"] == "all_private_chats"
    ]
    coordinators = [
        c for c in tg.api.sent("setMyCommands") if c.params["scope"].get("chat_id") == COORDINATORS
    ]
    assert all(
        {"mydata", "forget"} <= {c["command"] for c in m.params["commands"]} for m in private
    )
    assert "audit_export" in {c["command"] for c in coordinators[0].params["commands"]}

    await onboard(tg, zoe)
    await tg.send(zoe, "/help")
    assert "/mydata shows everything Beatline keeps about you; /forget erases it." in (
        tg.api.last("sendMessage", zoe.id).text
    )
