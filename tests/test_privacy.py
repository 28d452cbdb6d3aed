"""Privacy tiers: what staff see of the reporter, and the guarantee that an anonymous report
never reveals who sent it, in any staff chat request or log line."""

from __future__ import annotations

import asyncio
import io
import logging
from datetime import UTC, datetime

import pytest
from aiogram.types import User
from PIL import Image
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app.logs import HideDatabaseDetails, quiet_parameter_loggers
from bot.ui.keyboards import RateCb, SensitiveCb
from storage.models import Case, Citizen
from tests.conftest import CENTRAL, EAST, PARTNER, Harness
from tests.helpers import onboard, report, send_report, start_report

STAFF_CHATS = {CENTRAL, EAST, PARTNER}
PHOTO = [{"file_id": "photo-anon", "file_unique_id": "pa", "width": 10, "height": 10}]


async def cases(factory: async_sessionmaker[AsyncSession]) -> list[Case]:
    async with factory() as session:
        return list((await session.scalars(select(Case).order_by(Case.id))).all())


async def test_anonymous_case_reveals_nothing_in_staff_chats_or_logs(
    tg: Harness,
    zoe: User,
    officer: User,
    session_factory: async_sessionmaker[AsyncSession],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    quiet_parameter_loggers()  # as `python -m bot` configures logging, even at DEBUG
    await onboard(tg, zoe)
    await start_report(tg, zoe, privacy="anonymous")
    await tg.send(zoe, "Dealing from the blue van every evening")
    await tg.send(zoe, None, photo=PHOTO, caption="the van")
    await send_report(tg, zoe)
    [case] = await cases(session_factory)

    # Follow-ups of every kind, an album, a contact of someone else and a location (confirmed).
    await tg.send(zoe, "It is there again now")
    album = [
        tg.updates.message(zoe, None, photo=PHOTO, media_group_id="z-album") for _ in range(2)
    ]
    await asyncio.gather(*(tg.feed(u) for u in album))
    await tg.send(zoe, None, contact={"phone_number": "+31611111111", "first_name": "Dealer"})
    await tg.press(zoe, SensitiveCb(send=True))
    await tg.send(zoe, None, location={"latitude": 52.37, "longitude": 4.89})
    await tg.press(zoe, SensitiveCb(send=True))
    # Staff work the case.
    await tg.staff(CENTRAL, case.thread_id, officer, "Thanks. Can you tell us the time?")
    await tg.staff(CENTRAL, case.thread_id, officer, "/take")
    await tg.staff(CENTRAL, case.thread_id, officer, "/close Arrest made")
    await tg.press(zoe, RateCb(case_id=case.id, stars=5))

    staff_requests = [c for c in tg.api.calls if c.chat_id in STAFF_CHATS]
    assert len(staff_requests) > 10
    card = next(c for c in staff_requests if c.method == "sendMessage")
    assert f"Citizen {case.pseudonym} (anonymous)" in card.text
    revealing = ("Zoë", "Quistelbaum", "zq_secret", str(zoe.id))
    for call in staff_requests:
        dump = call.dump()
        assert not any(secret in dump for secret in revealing), dump
    assert not tg.api.sent("copyMessage", CENTRAL), "anonymous content is re-sent, not copied"
    assert tg.api.sent("sendMediaGroup", CENTRAL)
    assert tg.api.sent("sendContact", CENTRAL)
    for record in caplog.records:
        line = record.getMessage()
        assert not any(secret in line for secret in revealing), line
    assert len(caplog.records) > 0


async def test_anonymous_citizen_is_asked_before_a_location_or_contact_is_sent(
    tg: Harness, zoe: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, zoe)
    await report(tg, zoe, privacy="anonymous")
    tg.api.clear()

    await tg.send(zoe, None, contact={"phone_number": "+31622222222", "first_name": "Zoë"})

    question = tg.api.last("sendMessage", zoe.id)
    assert question.text == "This may identify you, and your report is anonymous. Send it anyway?"
    assert question.buttons == ["Send anyway", "Do not send"]
    assert [c for c in tg.api.calls if c.chat_id in STAFF_CHATS] == []

    await tg.press(zoe, SensitiveCb(send=False))

    assert [c for c in tg.api.calls if c.chat_id in STAFF_CHATS] == []
    assert tg.api.last("sendMessage", zoe.id).text == "Not sent."


async def test_pseudonyms_differ_between_cases_of_one_citizen(
    tg: Harness, zoe: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, zoe)
    await report(tg, zoe, privacy="anonymous")
    await report(tg, zoe, privacy="anonymous")

    first, second = await cases(session_factory)
    assert first.pseudonym and second.pseudonym
    assert first.pseudonym != second.pseudonym
    assert first.pseudonym.startswith("C-")


async def test_identified_card_shows_name_username_and_id(
    tg: Harness, zoe: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, zoe)
    await report(tg, zoe, privacy="identified")

    card = tg.api.sent("sendMessage", CENTRAL)[0].text
    assert f"Reporter: Zoë @zq_secret (id {zoe.id})" in card
    assert "Privacy: identified" in card


async def test_confidential_card_shows_the_first_name_only(
    tg: Harness, zoe: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, zoe)
    await report(tg, zoe)

    staff = " ".join(c.dump() for c in tg.api.calls if c.chat_id in STAFF_CHATS)
    assert "Reporter: Zoë" in staff
    assert "zq_secret" not in staff and "Quistelbaum" not in staff


def camera_jpeg() -> bytes:
    """A small JPEG with the camera's EXIF block naming its owner and a position."""
    picture = Image.new("RGB", (8, 8), (200, 10, 10))
    exif = Image.Exif()
    exif[0x013B] = "Zoe Quistelbaum"  # Artist
    exif[0x010F] = "ZoePhone"  # Make
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


async def test_anonymous_files_reach_the_desk_without_their_name_or_camera_data(
    tg: Harness, zoe: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, zoe)
    await report(tg, zoe, privacy="anonymous")
    [case] = await cases(session_factory)
    original = camera_jpeg()
    tg.api.files["doc-zq"] = original
    tg.api.clear()
    document = {
        "file_id": "doc-zq",
        "file_unique_id": "dz",
        "file_name": "Zoe Quistelbaum - van photo.JPG",
        "mime_type": "image/jpeg",
        "file_size": len(original),
    }

    await tg.send(zoe, None, document=document, caption="the van, close up")
    question = tg.api.last("sendMessage", zoe.id).text
    assert "removes the file name" in question and "not what is inside" in question
    assert [c for c in tg.api.calls if c.chat_id in STAFF_CHATS] == []
    await tg.press(zoe, SensitiveCb(send=True))

    [upload] = tg.api.sent("sendDocument", CENTRAL)
    assert upload.thread_id == case.thread_id
    assert upload.params["caption"] == f"👤 Resident {case.pseudonym}\nthe van, close up"
    [(name, data)] = upload.uploads.values()
    assert name == f"{case.ref}.jpg"
    assert b"Quistelbaum" in original and b"Quistelbaum" not in data
    assert Image.open(io.BytesIO(data)).size == (8, 8)  # the picture itself is intact
    assert "doc-zq" not in upload.dump()  # not re-sent by file id


async def test_an_anonymous_file_too_large_to_clean_is_sent_only_with_consent_to_its_name(
    tg: Harness, zoe: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, zoe)
    await report(tg, zoe, privacy="anonymous")
    tg.api.clear()
    video = {
        "file_id": "big-video",
        "file_unique_id": "bv",
        "file_name": "IMG_2041.MOV",
        "width": 1920,
        "height": 1080,
        "duration": 60,
        "file_size": 80 * 1024 * 1024,
    }

    await tg.send(zoe, None, video=video)

    question = tg.api.last("sendMessage", zoe.id).text
    assert "too large" in question and "IMG_2041.MOV" in question
    await tg.press(zoe, SensitiveCb(send=True))
    assert tg.api.last("sendVideo", CENTRAL).params["video"] == "big-video"


async def test_an_anonymous_file_that_cannot_be_fetched_is_reported_not_lost(
    tg: Harness, zoe: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await onboard(tg, zoe)
    await report(tg, zoe, privacy="anonymous")
    tg.api.clear()
    tg.api.fail("getFile", description="Bad Request: file is too big")
    document = {"file_id": "gone", "file_unique_id": "g", "file_name": "a.pdf", "file_size": 10}

    await tg.send(zoe, None, document=document)
    await tg.press(zoe, SensitiveCb(send=True))

    assert not tg.api.sent("sendDocument", CENTRAL)
    assert "could not be shown here" in tg.api.last("sendMessage", CENTRAL).text
    assert "could not be passed on" in tg.api.last("sendMessage", zoe.id).text


async def test_a_database_error_is_logged_without_the_values_it_names(
    session_factory: async_sessionmaker[AsyncSession],
    zoe: User,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """On PostgreSQL an error text repeats the offending values; the log keeps only its kind."""
    caplog.handler.addFilter(HideDatabaseDetails())
    now = datetime(2026, 3, 5, tzinfo=UTC)
    person = {"telegram_id": zoe.id, "chat_id": zoe.id, "first_name": "Zoë Quistelbaum"}
    async with session_factory() as session:
        session.add(Citizen(**person, created_at=now, last_seen_at=now))
        await session.commit()
        session.add(Citizen(**person, created_at=now, last_seen_at=now))
        try:
            await session.commit()
        except IntegrityError as error:
            logging.getLogger("aiogram.event").exception(
                "Cause exception while process update id=%d: %s: %s", 1, type(error), error
            )

    [line] = [r for r in caplog.records if "Cause exception" in r.getMessage()]
    logged = caplog.text
    assert "details hidden" in logged and "IntegrityError" in logged
    for secret in (str(zoe.id), "Quistelbaum"):
        assert secret not in logged
    assert line.exc_info is not None


async def test_an_anonymous_residents_link_to_their_own_account_reaches_staff_as_plain_words(
    tg: Harness, zoe: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    from aiogram.types import MessageEntity

    await onboard(tg, zoe)
    await report(tg, zoe, privacy="anonymous")
    tg.api.clear()
    text = "Ask me, Zoe, anything"
    me = MessageEntity(type="text_mention", offset=7, length=3, user=zoe)
    link = MessageEntity(type="text_link", offset=12, length=8, url=f"tg://user?id={zoe.id}")

    await tg.send(zoe, text, entities=[me, link])
    await tg.send(zoe, None, photo=PHOTO, caption=text, caption_entities=[me])

    staff_requests = [c for c in tg.api.calls if c.chat_id in STAFF_CHATS]
    assert len(staff_requests) >= 2
    for call in staff_requests:
        assert str(zoe.id) not in call.dump() and "tg://" not in call.dump(), call.dump()
    relayed = tg.api.last("sendMessage", CENTRAL).text
    assert relayed.startswith("👤 Resident C-") and relayed.endswith(f"\n{text}")
