"""The trust pulse: residents who opted in in /alerts get one short question with 1–5 buttons, at
most every 30 days, within the asking hours and never in their quiet hours, in their language;
an answer is counted per area and month without the person, and /stats shows the trend."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from aiogram.types import User
from aiogram.utils.i18n import I18n
from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.kinds import PulseQuestion, SubscriptionKind
from bot.network.base import NetworkError
from bot.network.schema import Network, parse_network
from bot.ui.alerts_menu import AlertsAction, AlertsCb, SubCb
from bot.workflows.pulse import PulseAsker
from storage.models import Case, OutboxMessage, PulseAsk, PulseTally
from storage.pulse import Pulses
from tests.conftest import COORDINATORS, EAST, NETWORK, PARTNER, Harness
from tests.fakes import FakeClock
from tests.helpers import onboard, report
from tests.test_staff_workflow import ban_from

SAFETY = "How safe do you feel in your neighbourhood"
POLICE = "How much do you trust the local police?"


@pytest.fixture
def asker(
    tg: Harness,
    session_factory: async_sessionmaker[AsyncSession],
    i18n: I18n,
    network: Network,
    clock: FakeClock,
) -> PulseAsker:
    return PulseAsker(tg.bot, session_factory, i18n, network, clock, tg.courier.wake)


async def opt_in(tg: Harness, user: User, language: str = "en", area: str = "centre") -> None:
    await onboard(tg, user, language)
    await tg.send(user, "/alerts")
    await tg.press(user, SubCb(kind=SubscriptionKind.AREA, code=area))
    await tg.press(user, AlertsCb(action=AlertsAction.PULSE))


async def tick(tg: Harness, asker: PulseAsker) -> None:
    """The pulse timer fires; the outbox delivers what it queued."""
    await asker.run()
    await tg.courier.drain()


def questions_to(tg: Harness, user: User) -> list[str]:
    return [c.text for c in tg.api.sent("sendMessage", user.id) if "1 = " in c.text]


async def test_the_toggle_in_alerts_is_off_until_pressed_and_says_what_it_means(
    tg: Harness, alice: User
) -> None:
    await onboard(tg, alice)
    await tg.send(alice, "/alerts")
    assert "🔕 Monthly question" in tg.api.last("sendMessage", alice.id).buttons

    await tg.press(alice, AlertsCb(action=AlertsAction.PULSE))

    assert "🔔 Monthly question" in tg.api.last("editMessageText", alice.id).buttons
    toast = tg.api.last("answerCallbackQuery")
    assert "never with your name" in toast.params["text"] and toast.params["show_alert"]


async def test_nobody_is_asked_without_opting_in(
    tg: Harness, asker: PulseAsker, alice: User
) -> None:
    await onboard(tg, alice)
    await tg.send(alice, "/alerts")
    await tg.press(alice, SubCb(kind=SubscriptionKind.AREA, code="centre"))

    await tick(tg, asker)

    assert questions_to(tg, alice) == []


async def test_an_opted_in_resident_gets_one_question_about_their_area_in_their_language(
    tg: Harness, asker: PulseAsker, bram: User
) -> None:
    await opt_in(tg, bram, language="nl")

    await tick(tg, asker)

    [question] = [c for c in tg.api.sent("sendMessage", bram.id) if "1 = " in c.text]
    assert "(Centrum)" in question.text  # the area's Dutch name
    assert question.buttons == ["1", "2", "3", "4", "5"]


async def test_at_most_one_question_every_thirty_days_and_the_questions_take_turns(
    tg: Harness, asker: PulseAsker, alice: User, clock: FakeClock
) -> None:
    await opt_in(tg, alice)

    await tick(tg, asker)
    await tick(tg, asker)
    clock.advance(days=29)
    await tick(tg, asker)
    assert len(questions_to(tg, alice)) == 1
    assert SAFETY in questions_to(tg, alice)[0]

    clock.advance(days=1)
    await tick(tg, asker)

    assert len(questions_to(tg, alice)) == 2
    assert POLICE in questions_to(tg, alice)[1]


async def test_nobody_is_asked_in_their_quiet_hours(
    tg: Harness, asker: PulseAsker, alice: User, clock: FakeClock
) -> None:
    await opt_in(tg, alice)
    await tg.send(alice, "/quiet 09:00-12:00")  # it is 10:30 in Amsterdam

    await tick(tg, asker)
    assert questions_to(tg, alice) == []

    clock.advance(hours=2)  # 12:30
    await tick(tg, asker)
    assert len(questions_to(tg, alice)) == 1


async def test_nobody_banned_is_asked_not_even_from_an_anonymous_case(
    tg: Harness,
    asker: PulseAsker,
    alice: User,
    bram: User,
    officer: User,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await opt_in(tg, alice)
    await opt_in(tg, bram)
    await report(tg, alice, privacy="anonymous")
    async with session_factory() as session:
        case = await session.scalar(select(Case))
        assert case is not None
    await ban_from(tg, officer, case)

    await tick(tg, asker)

    assert questions_to(tg, alice) == []
    assert len(questions_to(tg, bram)) == 1


async def test_nobody_is_asked_outside_the_asking_hours(
    tg: Harness, asker: PulseAsker, alice: User, clock: FakeClock
) -> None:
    await opt_in(tg, alice)
    clock.current = datetime(2026, 3, 5, 21, 0, tzinfo=UTC)  # 22:00 in Amsterdam, no quiet hours

    await tick(tg, asker)
    assert questions_to(tg, alice) == []

    clock.advance(hours=12)  # 10:00 the next morning
    await tick(tg, asker)
    assert len(questions_to(tg, alice)) == 1


async def test_turning_it_off_stops_the_questions(
    tg: Harness, asker: PulseAsker, alice: User, clock: FakeClock
) -> None:
    await opt_in(tg, alice)
    await tick(tg, asker)
    await tg.press(alice, AlertsCb(action=AlertsAction.PULSE))  # off again

    clock.advance(days=31)
    await tick(tg, asker)

    assert len(questions_to(tg, alice)) == 1


async def test_an_answer_is_counted_once_for_the_area_and_month_without_the_person(
    tg: Harness,
    asker: PulseAsker,
    alice: User,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await opt_in(tg, alice)
    await tick(tg, asker)
    answer = "pulse:safety:4"

    await tg.press(alice, answer)
    await tg.press(alice, answer)  # a second tap

    thanked, refused = tg.api.sent("editMessageText", alice.id)[-2:]
    assert "counted without your name" in thanked.text and not thanked.buttons
    assert "answered already" in refused.text
    assert "answered already" in tg.api.last("answerCallbackQuery").params["text"]
    async with session_factory() as session:
        tallies = (await session.scalars(select(PulseTally))).all()
        [ask] = (await session.scalars(select(PulseAsk))).all()
    assert [(t.month, t.area, t.question, t.score, t.count) for t in tallies] == [
        (date(2026, 3, 1), "centre", "safety", 4, 1)
    ]
    assert not ask.waiting


async def test_the_stored_answers_carry_no_identity(
    tg: Harness,
    asker: PulseAsker,
    alice: User,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await opt_in(tg, alice)
    await tick(tg, asker)
    await tg.press(alice, "pulse:safety:2")

    # The answers' table has no column that could name a person or a moment.
    assert {c.key for c in inspect(PulseTally).columns} == {
        "month",
        "area",
        "question",
        "score",
        "count",
    }
    # What does name the resident holds no score: the question record and the messages.
    assert "score" not in {c.key for c in inspect(PulseAsk).columns}
    thanks = tg.api.last("editMessageText", alice.id)
    assert thanks.text == "Thank you. Your answer was counted without your name."
    assert "reply_markup" not in thanks.params
    async with session_factory() as session:
        rows = (await session.scalars(select(OutboxMessage))).all()
    # Once sent, a message to the resident keeps neither their chat nor its words.
    assert rows and not any(
        r.lane == alice.id or r.payload.get("text") for r in rows if r.lane >= 0
    )
    assert not any(r.method == "answerCallbackQuery" for r in rows)
    async with session_factory() as session:
        [counted] = (await session.scalars(select(PulseTally))).all()
    assert (counted.question, counted.score, counted.count) == ("safety", 2, 1)


async def test_a_button_of_a_question_never_asked_counts_nothing(
    tg: Harness, alice: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await opt_in(tg, alice)

    await tg.press(alice, "pulse:safety:5")
    assert "answered already" in tg.api.last("answerCallbackQuery").params["text"]
    await tg.press(alice, "pulse:safety:9")  # no such score: a forged button, never counted

    assert tg.api.last("answerCallbackQuery").params["text"] == "This button is no longer active."
    async with session_factory() as session:
        assert (await session.scalars(select(PulseTally))).all() == []


async def tally(
    factory: async_sessionmaker[AsyncSession],
    month: date,
    area: str,
    question: PulseQuestion,
    scores: dict[int, int],
) -> None:
    async with factory() as session:
        for score, times in scores.items():
            for _ in range(times):
                await Pulses(session).count(month, area, question, score)
        await session.commit()


def stats_csv(tg: Harness, chat_id: int) -> dict[tuple[str, str, str], str]:
    [call] = tg.api.sent("sendDocument", chat_id)
    rows = csv.DictReader(io.StringIO(call.upload(call.params["document"]).decode("utf-8-sig")))
    return {(r["figure"], r["group"], r["item"]): r["value"] for r in rows}


async def test_stats_show_the_trend_with_small_numbers_hidden(
    tg: Harness,
    officer: User,
    clock: FakeClock,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    clock.current = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    await tally(session_factory, date(2026, 10, 1), "centre", PulseQuestion.SAFETY, {3: 2, 4: 4})
    await tally(session_factory, date(2026, 11, 1), "centre", PulseQuestion.SAFETY, {4: 3, 5: 3})
    await tally(session_factory, date(2026, 11, 1), "east", PulseQuestion.SAFETY, {1: 2})
    await tally(session_factory, date(2026, 11, 1), "centre", PulseQuestion.POLICE, {2: 3})

    await tg.staff(COORDINATORS, None, officer, "/stats 2026-11")

    [album] = tg.api.sent("sendMediaGroup", COORDINATORS)
    assert len(album.params["media"]) == 7  # the six charts and the pulse
    caption = album.params["media"][0]["caption"]
    assert "Feeling safe: 3.6 of 5 in Nov 2026 (8 answers)" in caption
    table = stats_csv(tg, COORDINATORS)
    # October: (3·2 + 4·4) / 6; November over both areas: (4·3 + 5·3 + 1·2) / 8.
    assert table[("pulse", "2026-10", "safety_mean")] == "3.7"
    assert table[("pulse", "2026-11", "safety_answers")] == "8"
    assert table[("pulse", "2026-11", "safety_mean")] == "3.6"
    assert table[("pulse", "2026-11", "police_answers")] == "< 5"
    assert table[("pulse", "2026-11", "police_mean")] == ""
    assert table[("pulse_by_area", "centre", "safety_mean")] == "4.1"  # 49 / 12
    assert table[("pulse_by_area", "east", "safety_answers")] == "< 5"
    assert table[("pulse_by_area", "east", "safety_mean")] == ""


async def test_a_police_desk_sees_the_trend_of_its_areas_and_a_partner_none(
    tg: Harness,
    officer: User,
    clock: FakeClock,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    clock.current = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    await tally(session_factory, date(2026, 11, 1), "centre", PulseQuestion.SAFETY, {5: 6})
    await tally(session_factory, date(2026, 11, 1), "east", PulseQuestion.SAFETY, {2: 5})

    await tg.staff(EAST, None, officer, "/stats 2026-11")
    await tg.staff(PARTNER, None, officer, "/stats 2026-11")

    east = stats_csv(tg, EAST)
    assert east[("pulse", "2026-11", "safety_mean")] == "2.0"  # team East serves area east only
    assert not any(figure == "pulse_by_area" and group == "centre" for figure, group, _ in east)
    assert len(tg.api.last("sendMediaGroup", EAST).params["media"]) == 5
    assert not any(figure.startswith("pulse") for figure, _group, _item in stats_csv(tg, PARTNER))


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        ("every_days = 7", "pulse.every_days: must be 28 to 366"),
        ('hours = "19:00-10:00"', "pulse.hours: '19:00-10:00' must start before it ends"),
        ('questions = ["weather"]', "pulse.questions.0"),
        ("questions = []", "pulse.questions: needs at least one question"),
    ],
)
def test_the_pulse_settings_are_checked_like_the_rest_of_the_network_file(
    section: str, problem: str
) -> None:
    text = NETWORK.replace("[[areas]]", f"[pulse]\n{section}\n\n[[areas]]", 1)
    with pytest.raises(NetworkError, match=problem):
        parse_network(text)


def test_the_pulse_has_monthly_defaults() -> None:
    pulse = parse_network(NETWORK).pulse
    assert pulse.every_days == 30 and pulse.hours == "10:00-19:00"
    assert pulse.questions == (PulseQuestion.SAFETY, PulseQuestion.POLICE)
