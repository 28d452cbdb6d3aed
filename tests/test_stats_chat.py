"""/stats and /report in Telegram: the album of charts and the CSV arrive in the chat that asked,
each chat sees only its own scope, the period buttons work (old ones are answered), and the
figures are made when the outbox sends them, not inside the update's transaction."""

from __future__ import annotations

import csv
import io

import pytest
from aiogram.types import User
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.kinds import OutboxStatus
from bot.ui.stats_menu import StatsCb, StatsChoice
from storage.models import OutboxMessage
from tests.conftest import CENTRAL, COORDINATORS, EAST, PARTNER, Harness
from tests.fakes import Call, FakeClock
from tests.stats_data import NOW, SECRET_NAME, seed

PHONE = (1080, 1350)


@pytest.fixture
async def seeded(
    tg: Harness, clock: FakeClock, session_factory: async_sessionmaker[AsyncSession]
) -> Harness:
    clock.current = NOW  # 5 December 2026: November is last month
    await seed(session_factory)
    return tg


def album(tg: Harness, chat_id: int) -> tuple[Call, list[bytes]]:
    [call] = tg.api.sent("sendMediaGroup", chat_id)
    return call, [call.upload(item["media"]) for item in call.params["media"]]


def csv_rows(tg: Harness, chat_id: int) -> list[dict[str, str]]:
    [call] = tg.api.sent("sendDocument", chat_id)
    data = call.upload(call.params["document"])
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def value(rows: list[dict[str, str]], figure: str, item: str, group: str = "") -> str:
    [found] = [r for r in rows if (r["figure"], r["item"], r["group"]) == (figure, item, group)]
    return found["value"]


async def test_a_desk_gets_an_album_of_its_charts_and_the_csv_in_its_group(
    seeded: Harness, officer: User
) -> None:
    update = await seeded.staff(CENTRAL, None, officer, "/stats 2026-11")

    call, pictures = album(seeded, CENTRAL)
    assert len(pictures) == 4
    for picture in pictures:
        with Image.open(io.BytesIO(picture)) as image:
            assert (image.format, image.size) == ("PNG", PHONE)
    caption = call.params["media"][0]["caption"]
    assert "Central desk" in caption and "November 2026" in caption
    assert "New cases: 9 · open at the end: 6 · closed: 5" in caption
    assert all("caption" not in item for item in call.params["media"][1:])
    assert update.message is not None
    assert call.params["reply_parameters"]["message_id"] == update.message.message_id
    rows = csv_rows(seeded, CENTRAL)
    assert {row["desk"] for row in rows} == {"central"}
    assert value(rows, "totals", "new") == "9"
    [document] = seeded.api.sent("sendDocument", CENTRAL)
    assert document.buttons == ["Last 4 weeks", "December 2026", "November 2026"]


async def test_a_desk_group_never_sees_another_desks_figures(
    seeded: Harness, officer: User
) -> None:
    await seeded.staff(EAST, None, officer, "/stats 2026-11")

    call, pictures = album(seeded, EAST)
    assert len(pictures) == 4
    rows = csv_rows(seeded, EAST)
    assert {row["desk"] for row in rows} == {"east"}
    assert value(rows, "totals", "new") == "5"
    assert not any(row["figure"] in {"desks", "alerts", "subscribers"} for row in rows)
    assert "Central" not in call.params["media"][0]["caption"]
    assert {c.chat_id for c in seeded.api.calls} == {EAST}


async def test_a_partner_sees_only_the_referrals_it_received(
    seeded: Harness, officer: User
) -> None:
    await seeded.staff(PARTNER, None, officer, "/stats 2026-11")

    rows = csv_rows(seeded, PARTNER)
    assert value(rows, "totals", "new") == "0"
    referrals = {(r["group"], r["item"]): r["value"] for r in rows if r["figure"] == "referrals"}
    # Five agreed to in November; the declined one never reached the partner.
    assert referrals == {
        ("housing", "waiting"): "0",
        ("housing", "accepted"): "5",
        ("housing", "declined"): "0",
    }


async def test_the_coordinators_get_every_desk_with_a_breakdown(
    seeded: Harness, officer: User
) -> None:
    await seeded.staff(COORDINATORS, None, officer, "/stats 2026-11")

    _call, pictures = album(seeded, COORDINATORS)
    assert len(pictures) == 6
    rows = csv_rows(seeded, COORDINATORS)
    assert value(rows, "desks", "new", "central") == "9"
    assert value(rows, "desks", "new", "east") == "5"
    assert SECRET_NAME not in str(rows)


async def test_the_answer_comes_in_the_topic_it_was_asked_in(
    seeded: Harness, officer: User
) -> None:
    await seeded.staff(CENTRAL, 77, officer, "/stats 2026-11-01 2026-11-14")

    call, _pictures = album(seeded, CENTRAL)
    assert call.thread_id == 77
    assert seeded.api.last("sendDocument", CENTRAL).thread_id == 77
    rows = csv_rows(seeded, CENTRAL)
    assert value(rows, "period", "first_day") == "2026-11-01"
    assert value(rows, "period", "last_day") == "2026-11-14"


@pytest.mark.parametrize(
    ("argument", "reason"),
    [
        ("november", "I could not read that period."),
        ("2026-11-30 2026-11-01", "The period ends before it starts."),
        ("2025-01-01 2026-11-30", "A period can be at most one year."),
    ],
)
async def test_a_period_that_cannot_be_used_is_answered_with_the_forms_that_work(
    seeded: Harness, officer: User, argument: str, reason: str
) -> None:
    await seeded.staff(CENTRAL, None, officer, f"/stats {argument}")

    answer = seeded.api.last("sendMessage", CENTRAL).text
    assert reason in answer and "/stats 2026-11" in answer
    assert seeded.api.sent("sendMediaGroup") == []


async def test_the_figures_are_made_when_the_outbox_sends_them(
    seeded: Harness, officer: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    seeded.auto_drain = False
    await seeded.staff(CENTRAL, None, officer, "/stats 2026-11")

    assert seeded.api.calls == []
    async with session_factory() as session:
        [row] = (await session.scalars(select(OutboxMessage))).all()
    assert (row.method, row.lane, row.attachment) == ("beatline.stats", CENTRAL, None)
    assert row.payload["first_day"] == "2026-11-01" and row.payload["language"] == "en"
    assert "desk" not in row.payload  # whose figures follows from the chat alone

    await seeded.courier.drain()
    assert len(album(seeded, CENTRAL)[1]) == 4


async def test_the_period_buttons_send_the_month_they_name(seeded: Harness, officer: User) -> None:
    press = StatsCb(choice=StatsChoice.MONTH, month=202611).pack()
    await seeded.feed(seeded.updates.staff_callback(officer, CENTRAL, press))

    toast = seeded.api.last("answerCallbackQuery")
    assert "November 2026" in toast.params["text"]
    rows = csv_rows(seeded, CENTRAL)
    assert value(rows, "period", "first_day") == "2026-11-01"
    assert value(rows, "period", "last_day") == "2026-11-30"


async def test_the_last_four_weeks_button_ends_today(seeded: Harness, officer: User) -> None:
    press = StatsCb(choice=StatsChoice.RECENT).pack()
    await seeded.feed(seeded.updates.staff_callback(officer, COORDINATORS, press))

    rows = csv_rows(seeded, COORDINATORS)
    assert value(rows, "period", "first_day") == "2026-11-08"
    assert value(rows, "period", "last_day") == "2026-12-05"


@pytest.mark.parametrize(
    "data",
    ["stats:week", "stats:month:0", "stats:month:203001", "stats:recent:1:2"],
    ids=["an older version's button", "no month", "a month to come", "extra fields"],
)
async def test_a_press_on_an_old_keyboard_is_answered(
    seeded: Harness, officer: User, data: str
) -> None:
    await seeded.feed(seeded.updates.staff_callback(officer, CENTRAL, data))

    [answer] = seeded.api.sent("answerCallbackQuery")
    assert answer.params["text"] == "This button is no longer active."
    assert answer.params["show_alert"] is True
    assert seeded.api.sent("sendMediaGroup") == []


async def test_a_failure_while_drawing_is_told_in_the_chat_and_leaves_nothing_hanging(
    seeded: Harness,
    officer: User,
    monkeypatch: pytest.MonkeyPatch,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("no fonts")

    monkeypatch.setattr("bot.workflows.insights.render_stats", broken)
    await seeded.staff(CENTRAL, None, officer, "/stats")

    assert "could not be made" in seeded.api.last("sendMessage", CENTRAL).text
    async with session_factory() as session:
        statuses = set((await session.scalars(select(OutboxMessage.status))).all())
    assert statuses == {OutboxStatus.SENT}


async def test_the_coordinators_get_the_public_report_as_a_pdf(
    seeded: Harness, officer: User
) -> None:
    await seeded.staff(COORDINATORS, None, officer, "/report 2026-11")

    [call] = seeded.api.sent("sendDocument", COORDINATORS)
    reader = PdfReader(io.BytesIO(call.upload(call.params["document"])))
    assert len(reader.pages) == 7
    assert "November 2026" in call.text
    assert SECRET_NAME not in "".join(page.extract_text() for page in reader.pages)


async def test_report_without_a_month_is_last_months_and_in_another_language_on_request(
    seeded: Harness, officer: User
) -> None:
    await seeded.staff(COORDINATORS, None, officer, "/report")
    await seeded.staff(COORDINATORS, None, officer, "/report 2026-10 nl")

    first, second = seeded.api.sent("sendDocument", COORDINATORS)
    assert "November 2026" in first.text
    assert "oktober 2026" in second.text


@pytest.mark.parametrize(
    ("argument", "answer"),
    [
        ("2026-11-01 2026-11-30", "Name a month: /report 2026-11"),
        ("soon", "Name a month: /report 2026-11"),
        ("2026-11 xx", "There is no translation for xx."),
    ],
)
async def test_report_refuses_what_is_not_a_month_it_can_write(
    seeded: Harness, officer: User, argument: str, answer: str
) -> None:
    await seeded.staff(COORDINATORS, None, officer, f"/report {argument}")

    assert seeded.api.sent("sendDocument") == []
    assert answer in seeded.api.last("sendMessage", COORDINATORS).text


async def test_report_is_for_the_coordinators_only(seeded: Harness, officer: User) -> None:
    await seeded.staff(CENTRAL, None, officer, "/report 2026-11")

    assert seeded.api.calls == []
