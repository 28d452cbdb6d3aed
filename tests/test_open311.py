"""Referrals to a partner that is an Open311 GeoReport v2 endpoint, against a local fake of one
(tests/fake_georeport.py): the consent question lists what the system receives and exactly that
is posted, per privacy tier; the case keeps the request number; status changes reach the topic
and the closing reaches the resident; an outage delays the request but never loses it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiogram.types import User
from aiogram.utils.i18n import I18n
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app.cli import main
from bot.app.feeds import Feeds, add_routes
from bot.domain import open311 as requests_service
from bot.network.base import NetworkError
from bot.network.schema import Network, parse_network
from bot.ui.referrals import ReferralCb, ReferralWithCb
from bot.ui.report_wizard import ReportCb, WizardAction
from bot.ui.texts import SKIP
from bot.workflows.open311 import Open311Worker
from storage.models import AuditEvent, Case, Referral, ServiceRequest
from tests.conftest import ANONYMITY_KEY, CENTRAL, NETWORK, Harness
from tests.fake_georeport import FakeGeoReport
from tests.fakes import BOT_TOKEN, Call, FakeClock, FakeTelegram
from tests.helpers import onboard, send_report

KEY_VARIABLE = "BEATLINE_TEST_OPEN311_KEY"
PUBLIC = "https://bl.example"
PHOTO = [{"file_id": "ph-1", "file_unique_id": "ph-1", "width": 1, "height": 1}]
WHERE = {"latitude": 52.0912, "longitude": 5.1201}
IDENTIFYING = ("Alice", "alice_w", "111")


COUNCIL_GROUP = -1001000000044


def council(url: str, media: bool = True, chat_id: int | None = None) -> str:
    group = f"chat_id = {chat_id}\n" if chat_id is not None else ""
    return f"""
[[desks]]
code = "council"
kind = "partner"
names = {{ en = "City council", nl = "Gemeente" }}
{group}open311 = {{ url = "{url}", api_key_env = "{KEY_VARIABLE}", service_code = "graffiti", \
media = {str(media).lower()} }}
"""


class FileServingTelegram(FakeTelegram):
    """FakeTelegram that also serves files (getFile and the download)."""

    def answer(self, call: Call) -> Any:
        if call.method == "getFile":
            file_id = call.params["file_id"]
            return {"file_id": file_id, "file_unique_id": file_id, "file_path": "photos/p.jpg"}
        return super().answer(call)

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109 - BaseSession's signature
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        yield b"\xff\xd8 the photo"


@pytest.fixture
def api() -> FakeTelegram:
    return FileServingTelegram()


@pytest.fixture
async def georeport(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeGeoReport]:
    server = FakeGeoReport()
    await server.start()
    monkeypatch.setenv(KEY_VARIABLE, server.api_key)
    yield server
    await server.stop()


@pytest.fixture
def network(request: pytest.FixtureRequest, georeport: FakeGeoReport) -> Network:
    """The test network with the council as an Open311 endpoint (and, given as the fixture's
    parameter, a group of its own as well)."""
    group = getattr(request, "param", None)
    return parse_network(NETWORK + council(georeport.url, chat_id=group))


@pytest.fixture
def worker(
    tg: Harness,
    session_factory: async_sessionmaker[AsyncSession],
    i18n: I18n,
    network: Network,
    clock: FakeClock,
) -> Open311Worker:
    return Open311Worker(
        tg.bot, session_factory, i18n, network, clock, PUBLIC, tg.courier.wake, env_file=None
    )


async def report(
    tg: Harness,
    user: User,
    privacy: str,
    *,
    location: bool = True,
    photo: bool = True,
    precision: str = "exact",
) -> None:
    """The wizard with a shared location (optional; `precision` in an anonymous report) and a
    photo (optional)."""
    await tg.send(user, "/report")
    await tg.press(user, ReportCb(action=WizardAction.CATEGORY, value="burglary"))
    await tg.press(user, ReportCb(action=WizardAction.PRIVACY, value=privacy))
    if location:
        await tg.send(user, None, location=WHERE)
        if privacy == "anonymous":
            await tg.press(user, ReportCb(action=WizardAction.PRECISION, value=precision))
    else:
        await tg.send(user, SKIP)
    await tg.press(user, ReportCb(action=WizardAction.AREA, value="centre"))
    await tg.send(user, "Somebody sprayed tags on the school wall.")
    if photo:
        await tg.send(user, None, photo=PHOTO, caption="the wall")
    await send_report(tg, user)


async def one(factory: async_sessionmaker[AsyncSession], model: type[Any]) -> Any:
    async with factory() as session:
        return (await session.scalars(select(model))).one()


async def refer(tg: Harness, officer: User, factory: async_sessionmaker[AsyncSession]) -> Call:
    """/refer council in the case topic; the question the resident got."""
    case = await one(factory, Case)
    await tg.staff(CENTRAL, case.thread_id, officer, "/refer council")
    private = [c for c in tg.api.sent("sendMessage") if c.chat_id and c.chat_id > 0]
    return private[-1]


def topic_notes(tg: Harness, thread_id: int | None) -> list[str]:
    return [call.text for call in tg.api.sent("sendMessage", CENTRAL, thread_id)]


@pytest.mark.parametrize(
    ("privacy", "buttons", "posted", "lines"),
    [
        (
            "anonymous",
            [
                "✅ Yes, pass it on",
                "✅ Yes, with my location",
                "✅ Yes, with my photo",
                "✅ Yes, with location and photo",
                "✖ No",
            ],
            {"api_key", "service_code", "address_string", "description"},
            [
                "the name of the area, not an exact location",
                "not your name, your Telegram account or your Telegram id",
                "Only if you choose it: the exact location you shared.",
                "Only if you choose it: a link to your first photo.",
            ],
        ),
        (
            "confidential",
            ["✅ Yes, pass it on", "✅ Yes, with my photo", "✖ No"],
            {"api_key", "service_code", "lat", "long", "description"},
            [
                "the exact location you shared",
                "not your name, your Telegram account or your Telegram id",
                "Only if you choose it: a link to your first photo.",
            ],
        ),
        (
            "identified",
            ["✅ Yes, pass it on", "✅ Yes, with my photo", "✖ No"],
            {"api_key", "service_code", "lat", "long", "first_name", "description"},
            ["the exact location you shared", "your first name and Telegram username"],
        ),
    ],
)
async def test_the_consent_lists_what_the_system_receives_and_exactly_that_is_posted(
    tg: Harness,
    alice: User,
    officer: User,
    session_factory: async_sessionmaker[AsyncSession],
    georeport: FakeGeoReport,
    worker: Open311Worker,
    privacy: str,
    buttons: list[str],
    posted: set[str],
    lines: list[str],
) -> None:
    await onboard(tg, alice)
    await report(tg, alice, privacy)

    question = await refer(tg, officer, session_factory)

    assert question.chat_id == alice.id
    assert "City council's system (Open311) would receive:" in question.text
    for line in lines:
        assert line in question.text
    assert "would see:" not in question.text  # no Telegram group: nobody "sees" it there
    assert question.buttons == buttons
    assert not georeport.posted  # nothing before consent
    await worker.send_due()
    assert not georeport.posted

    await tg.press(
        alice, ReferralCb(referral_id=(await one(session_factory, Referral)).id, agree=True)
    )
    assert not georeport.posted  # the handler only queued it
    assert await worker.send_due() == 1

    [form] = georeport.posted
    assert set(form) == posted
    assert form["service_code"] == "graffiti"
    assert "Somebody sprayed tags on the school wall." in form["description"]
    assert "BL-26-00001" in form["description"]
    if privacy == "identified":
        assert form["first_name"] == "Alice"
        assert "Reported by Alice (@alice_w)" in form["description"]
        assert (form["lat"], form["long"]) == ("52.0912", "5.1201")
    else:
        dump = json.dumps(form)
        for word in IDENTIFYING:
            assert word not in dump
    if privacy == "anonymous":
        assert form["address_string"] == "Centre"


async def test_an_anonymous_resident_adds_location_and_photo_only_by_choosing_them(
    tg: Harness,
    alice: User,
    officer: User,
    session_factory: async_sessionmaker[AsyncSession],
    georeport: FakeGeoReport,
    worker: Open311Worker,
    network: Network,
    clock: FakeClock,
) -> None:
    await onboard(tg, alice)
    await report(tg, alice, "anonymous")
    await refer(tg, officer, session_factory)
    referral = await one(session_factory, Referral)

    await tg.press(alice, ReferralWithCb(referral_id=referral.id, extra=3))
    await worker.send_due()

    [form] = georeport.posted
    assert (form["lat"], form["long"]) == ("52.0912", "5.1201")
    assert "address_string" not in form
    assert form["media_url"].startswith(f"{PUBLIC}/open311/media/")
    for word in IDENTIFYING:
        assert word not in json.dumps(form)
    app = web.Application()
    add_routes(app, Feeds(session_factory, network, clock, tg.bot, PUBLIC))
    async with TestClient(TestServer(app)) as http:
        path = form["media_url"].removeprefix(PUBLIC)
        photo = await http.get(path)
        assert photo.status == 200
        assert photo.content_type == "image/jpeg"
        assert await photo.read() == b"\xff\xd8 the photo"
        assert tg.api.last("getFile").params["file_id"] == "ph-1"
        assert (await http.get("/open311/media/guessed-token")).status == 404

        request = await one(session_factory, ServiceRequest)
        georeport.set_status(str(request.service_request_id), "closed", "Cleaned")
        clock.advance(minutes=10)
        await worker.check_statuses()
        assert (await http.get(path)).status == 404  # served only while the request is open


async def test_a_rounded_anonymous_location_is_offered_and_sent_rounded(
    tg: Harness,
    alice: User,
    officer: User,
    session_factory: async_sessionmaker[AsyncSession],
    georeport: FakeGeoReport,
    worker: Open311Worker,
) -> None:
    await onboard(tg, alice)
    await report(tg, alice, "anonymous", photo=False, precision="rounded")
    case = await one(session_factory, Case)
    assert case.location_rounded and (case.latitude, case.longitude) != tuple(WHERE.values())

    question = await refer(tg, officer, session_factory)

    assert "Only if you choose it: the location you shared, rounded to about 500 m." in (
        question.text
    )
    assert question.buttons == ["✅ Yes, pass it on", "✅ Yes, with my location", "✖ No"]
    referral = await one(session_factory, Referral)
    await tg.press(alice, ReferralWithCb(referral_id=referral.id, extra=1))
    await worker.send_due()
    [form] = georeport.posted
    assert (form["lat"], form["long"]) == (str(case.latitude), str(case.longitude))


async def test_a_choice_that_was_never_offered_adds_nothing(
    tg: Harness,
    alice: User,
    officer: User,
    session_factory: async_sessionmaker[AsyncSession],
    georeport: FakeGeoReport,
    worker: Open311Worker,
) -> None:
    """A forged "with photo" button in a case without a photo sends no photo link, and a
    forged "with location" in a confidential case changes nothing either."""
    await onboard(tg, alice)
    await report(tg, alice, "anonymous", location=False, photo=False)
    question = await refer(tg, officer, session_factory)
    assert question.buttons == ["✅ Yes, pass it on", "✖ No"]

    referral = await one(session_factory, Referral)
    await tg.press(alice, ReferralWithCb(referral_id=referral.id, extra=3))
    await worker.send_due()

    [form] = georeport.posted
    assert set(form) == {"api_key", "service_code", "address_string", "description"}


@pytest.mark.parametrize("network", [COUNCIL_GROUP], indirect=True)
async def test_a_partner_with_a_group_and_an_endpoint_gets_both(
    tg: Harness,
    alice: User,
    officer: User,
    session_factory: async_sessionmaker[AsyncSession],
    georeport: FakeGeoReport,
    worker: Open311Worker,
) -> None:
    await onboard(tg, alice)
    await report(tg, alice, "confidential", photo=False)

    question = await refer(tg, officer, session_factory)

    assert "City council would see: what you wrote and the category, area and time" in (
        question.text
    )
    assert "They would not see: your name, your Telegram account" in question.text
    assert "They cannot write to you" not in question.text
    assert "City council's system (Open311) would receive:" in question.text
    referral = await one(session_factory, Referral)
    await tg.press(alice, ReferralCb(referral_id=referral.id, agree=True))
    await worker.send_due()

    assert [c.method for c in tg.api.sent(chat_id=COUNCIL_GROUP)] == [
        "createForumTopic",
        "sendMessage",
    ]
    [form] = georeport.posted
    assert set(form) == {"api_key", "service_code", "lat", "long", "description"}


async def test_a_declined_referral_sends_nothing(
    tg: Harness,
    alice: User,
    officer: User,
    session_factory: async_sessionmaker[AsyncSession],
    georeport: FakeGeoReport,
    worker: Open311Worker,
) -> None:
    await onboard(tg, alice)
    await report(tg, alice, "confidential")
    await refer(tg, officer, session_factory)
    referral = await one(session_factory, Referral)

    await tg.press(alice, ReferralCb(referral_id=referral.id, agree=False))
    await worker.send_due()

    assert not georeport.posted
    async with session_factory() as session:
        assert not (await session.scalars(select(ServiceRequest))).all()


async def test_the_case_keeps_the_request_number_and_status_changes_reach_topic_and_resident(
    tg: Harness,
    bram: User,
    officer: User,
    session_factory: async_sessionmaker[AsyncSession],
    georeport: FakeGeoReport,
    worker: Open311Worker,
    clock: FakeClock,
) -> None:
    await onboard(tg, bram, language="nl")
    await report(tg, bram, "confidential")
    await refer(tg, officer, session_factory)
    referral = await one(session_factory, Referral)
    await tg.press(bram, ReferralCb(referral_id=referral.id, agree=True))
    case = await one(session_factory, Case)
    tg.api.clear()

    await worker.send_due()
    await tg.courier.drain()

    request = await one(session_factory, ServiceRequest)
    assert (request.service_request_id, request.status) == ("1001", "submitted")
    assert topic_notes(tg, case.thread_id) == [
        "🏛 Sent to City council (Open311) as service request 1001."
    ]
    async with session_factory() as session:
        trail = (await session.scalars(select(AuditEvent.detail))).all()
    assert "council: service request 1001" in trail

    tg.api.clear()
    await worker.check_statuses()  # not due yet: nothing is asked
    assert georeport.lookups == 0
    clock.advance(minutes=10)
    await worker.check_statuses()
    await tg.courier.drain()
    assert georeport.lookups == 1
    assert topic_notes(tg, case.thread_id) == ["🏛 City council: request 1001 is now “open”."]

    georeport.set_status("1001", "open", "Crew booked for Friday")
    clock.advance(minutes=10)
    await worker.check_statuses()
    await tg.courier.drain()
    assert topic_notes(tg, case.thread_id)[-1] == (
        "🏛 City council: request 1001 is now “open”.\nTheir notes: Crew booked for Friday"
    )
    assert not tg.api.sent("sendMessage", bram.id)  # the resident hears of the closing only

    georeport.set_status("1001", "closed", "Wall cleaned")
    clock.advance(minutes=10)
    await worker.check_statuses()
    await tg.courier.drain()
    assert topic_notes(tg, case.thread_id)[-1] == (
        "🏛 City council: request 1001 is now “closed”.\nTheir notes: Wall cleaned"
    )
    [closing] = tg.api.sent("sendMessage", bram.id)
    # In the resident's language, with the partner's Dutch name.
    assert closing.text == (
        "Gemeente heeft het werk aan uw melding BL-26-00001 afgerond.\n"
        "Hun opmerkingen: Wall cleaned"
    )

    clock.advance(hours=1)
    await worker.check_statuses()
    assert georeport.lookups == 3  # a closed request is not asked about again


async def test_an_outage_delays_the_request_but_never_loses_it(
    tg: Harness,
    alice: User,
    officer: User,
    session_factory: async_sessionmaker[AsyncSession],
    georeport: FakeGeoReport,
    worker: Open311Worker,
    clock: FakeClock,
) -> None:
    await onboard(tg, alice)
    await report(tg, alice, "confidential")
    await refer(tg, officer, session_factory)
    await tg.press(
        alice, ReferralCb(referral_id=(await one(session_factory, Referral)).id, agree=True)
    )
    case = await one(session_factory, Case)
    await georeport.stop()
    tg.api.clear()

    assert await worker.send_due() == 0
    await tg.courier.drain()
    [warning] = topic_notes(tg, case.thread_id)
    assert warning.startswith("⚠️ City council's system did not take the referral yet (")
    assert "Beatline keeps trying; nothing is lost." in warning

    clock.advance(seconds=20)  # the first retry waits 30 seconds
    assert await worker.send_due() == 0
    request = await one(session_factory, ServiceRequest)
    assert request.attempts == 1
    clock.advance(seconds=10)
    await worker.send_due()  # still down: tried, and not shown a second time
    await georeport.start()
    georeport.refuse.append((400, "service_code graffiti is not active"))
    clock.advance(seconds=60)
    await worker.send_due()  # a 4xx is retried too
    request = await one(session_factory, ServiceRequest)
    assert (request.attempts, request.status) == (3, "queued")
    assert request.last_error == "HTTP 400: service_code graffiti is not active"
    clock.advance(seconds=119)
    assert await worker.send_due() == 0  # backoff: 2 minutes after the third failure
    clock.advance(seconds=1)
    assert await worker.send_due() == 1
    await tg.courier.drain()

    assert len(georeport.posted) == 1
    assert topic_notes(tg, case.thread_id) == [
        warning,
        "🏛 Sent to City council (Open311) as service request 1001.",
    ]
    request = await one(session_factory, ServiceRequest)
    assert (request.status, request.service_request_id) == ("submitted", "1001")


async def test_a_post_cut_short_by_a_crash_is_sent_again_and_marked(
    tg: Harness,
    alice: User,
    officer: User,
    session_factory: async_sessionmaker[AsyncSession],
    georeport: FakeGeoReport,
    worker: Open311Worker,
) -> None:
    await onboard(tg, alice)
    await report(tg, alice, "confidential")
    await refer(tg, officer, session_factory)
    await tg.press(
        alice, ReferralCb(referral_id=(await one(session_factory, Referral)).id, agree=True)
    )
    request = await one(session_factory, ServiceRequest)
    async with session_factory() as session:
        assert await requests_service.claim(session, request.id) is not None
        await session.commit()  # … and the process died before the answer was recorded
    assert await worker.send_due() == 0  # a row being sent is nobody else's

    await worker.recover()
    assert await worker.send_due() == 1
    await tg.courier.drain()

    assert "It may have arrived twice" in tg.api.last("sendMessage", CENTRAL).text


async def test_a_token_answer_is_followed_until_the_number_is_known(
    tg: Harness,
    alice: User,
    officer: User,
    session_factory: async_sessionmaker[AsyncSession],
    georeport: FakeGeoReport,
    worker: Open311Worker,
    clock: FakeClock,
) -> None:
    georeport.tokens_only = True
    await onboard(tg, alice)
    await report(tg, alice, "confidential")
    await refer(tg, officer, session_factory)
    await tg.press(
        alice, ReferralCb(referral_id=(await one(session_factory, Referral)).id, agree=True)
    )

    await worker.send_due()
    await tg.courier.drain()
    assert "waiting for its request number" in tg.api.last("sendMessage", CENTRAL).text
    clock.advance(minutes=10)
    await worker.check_statuses()
    assert (await one(session_factory, ServiceRequest)).service_request_id is None

    number = georeport.assign("tok-1")
    clock.advance(minutes=10)
    await worker.check_statuses()
    await tg.courier.drain()

    assert (await one(session_factory, ServiceRequest)).service_request_id == number
    assert tg.api.last("sendMessage", CENTRAL).text.startswith(
        f"🏛 City council gave the referral the request number {number}."
    )


# -- the network file and the command line ------------------------------------------------------
@pytest.mark.parametrize(
    ("desk", "expected"),
    [
        (
            'code = "council"\nkind = "partner"\nnames = { en = "Council" }',
            "desks.3.chat_id: Field required",
        ),
        (
            'code = "council"\nkind = "police"\nnames = { en = "Council" }\n'
            "chat_id = -1001000000077\n"
            'open311 = { url = "https://311.example.org/v2/", service_code = "x" }',
            "desks.3.open311: only a partner desk can be an Open311 endpoint",
        ),
        (
            'code = "council"\nkind = "partner"\nnames = { en = "Council" }\n'
            'open311 = { url = "311.example.org", service_code = "x" }',
            "desks.3.open311.url: must be the endpoint's http(s):// address",
        ),
        (
            'code = "council"\nkind = "partner"\nnames = { en = "Council" }\n'
            'open311 = { url = "https://311.example.org/v2/", service_code = "" }',
            "desks.3.open311.service_code",
        ),
        (
            'code = "council"\nkind = "partner"\nnames = { en = "Council" }\n'
            'open311 = { url = "https://311.example.org/v2/", service_code = "x", key = "k" }',
            "desks.3.open311.key: Extra inputs are not permitted",
        ),
    ],
)
def test_open311_settings_are_checked_with_the_field_named(desk: str, expected: str) -> None:
    with pytest.raises(NetworkError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        parse_network(NETWORK + "\n[[desks]]\n" + desk + "\n")


def test_a_partner_may_be_an_open311_endpoint_beside_its_group() -> None:
    housing_names = 'names = { en = "Housing corporation", nl = "Woningcorporatie" }'
    assert housing_names in NETWORK
    endpoint = 'open311 = { url = "https://311.example.org/v2", service_code = "housing" }'
    network = parse_network(NETWORK.replace(housing_names, housing_names + "\n" + endpoint))
    housing = network.desk("housing")
    assert housing.open311 is not None and housing.open311.url == "https://311.example.org/v2/"
    assert housing.groups == (-1001000000003,)
    only_endpoint = parse_network(NETWORK + council("https://311.example.org/v2/")).desk("council")
    assert only_endpoint.groups == ()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("BOT_TOKEN", "DATABASE_URL", "NETWORK_FILE", "PUBLIC_URL", KEY_VARIABLE):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("ANONYMITY_KEY", ANONYMITY_KEY)
    return tmp_path


async def test_check_config_shows_the_endpoint_and_wants_its_key_and_public_url(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "network.toml").write_text(NETWORK + council("https://311.example.org/v2/"))

    assert main(["check-config"]) == 2
    captured = capsys.readouterr()
    assert (
        "council              partner  open311 https://311.example.org/v2/ service graffiti"
        in (captured.out)
    )
    assert f"desks.3.open311.api_key_env: {KEY_VARIABLE} is not set" in captured.err
    assert "desks.3.open311.media: needs PUBLIC_URL" in captured.err

    (project / ".env").write_text(f"{KEY_VARIABLE}=from-the-env-file\nPUBLIC_URL={PUBLIC}\n")
    assert main(["check-config"]) == 0
    assert "configuration OK" in capsys.readouterr().out


async def test_open311_services_lists_the_endpoints_services(
    project: Path,
    capsys: pytest.CaptureFixture[str],
    georeport: FakeGeoReport,
) -> None:
    (project / "network.toml").write_text(NETWORK + council(georeport.url))

    # The command runs its own event loop; the fake endpoint keeps answering on this one.
    assert await asyncio.to_thread(main, ["open311-services", "council"]) == 0
    out = capsys.readouterr().out
    assert "2 services" in out
    assert (
        " * graffiti         Graffiti removal [Street] — Paint on walls or street furniture" in out
    )
    assert "   lighting         Street light out [Street]" in out

    assert await asyncio.to_thread(main, ["open311-services", "housing"]) == 2
    assert "desks: council" in capsys.readouterr().err
    await georeport.stop()
    assert await asyncio.to_thread(main, ["open311-services", "council"]) == 2
    assert "cannot reach the endpoint" in capsys.readouterr().err
