"""Sent announcements published as CAP 1.2: every message follows the standard's rules (see
tests/cap_rules.py), carries every language and area, a cancellation publishes a Cancel that
refers to what it cancels, and the Atom feed and the documents are served over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiogram.types import User
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app.feeds import Feeds, add_routes
from bot.app.runtime import run
from bot.config import Settings
from bot.network.schema import Network, parse_network
from bot.ui.announcing import AnnounceStep, Pick, PickCb
from storage.models import Announcement, CapMessage
from tests import cap_rules
from tests.cap_rules import CapRuleError, find, text
from tests.conftest import ANONYMITY_KEY, COORDINATORS, NETWORK, Harness
from tests.fake_http import FakeBotApiServer
from tests.fakes import BOT_TOKEN, FakeClock
from tests.test_run import free_port

CAP_SETTINGS = """
[cap]
sender = "alerts.beatline.example"
sender_name = "Beatline Test Town"

[[topics]]
code = "burglary-wave"
names = { en = "Burglary wave", nl = "Inbraakgolf" }
cap_category = "Security"
"""
ATOM = "{http://www.w3.org/2005/Atom}"
CENTRE_RING = [(52.10, 5.10), (52.10, 5.14), (52.08, 5.14), (52.08, 5.10), (52.10, 5.10)]


@pytest.fixture
def network() -> Network:
    return parse_network(NETWORK + CAP_SETTINGS)


async def press(tg: Harness, coordinator: User, step: AnnounceStep, value: str) -> None:
    data = PickCb(step=step, value=value).pack()
    await tg.feed(tg.updates.staff_callback(coordinator, COORDINATORS, data))


async def announce(
    tg: Harness,
    coordinator: User,
    *texts: str,
    areas: tuple[str, ...] = ("centre", "east"),
    topics: tuple[str, ...] = ("burglary-wave",),
    urgent: bool = True,
    when: str = "now",
    until: str | None = None,
) -> None:
    """The coordinators' wizard from /announce to the confirmation."""

    async def say(words: str) -> None:
        await tg.staff(COORDINATORS, None, coordinator, words)

    await say("/announce")
    for area in areas:
        await press(tg, coordinator, AnnounceStep.AREAS, area)
    await press(tg, coordinator, AnnounceStep.AREAS, Pick.NEXT if areas else Pick.ALL)
    for topic in topics:
        await press(tg, coordinator, AnnounceStep.TOPICS, topic)
    await press(tg, coordinator, AnnounceStep.TOPICS, Pick.NEXT if topics else Pick.ALL)
    await press(tg, coordinator, AnnounceStep.PRIORITY, "urgent" if urgent else "normal")
    for words in texts:
        await say(words)
    await say("/done")
    await say("/skip")
    if when == "now":
        await press(tg, coordinator, AnnounceStep.WHEN, when)
    else:
        await say(when)
    if until is not None:
        await press(tg, coordinator, AnnounceStep.UNTIL, until)
    await press(tg, coordinator, AnnounceStep.CONFIRM, Pick.YES)


async def published(factory: async_sessionmaker[AsyncSession]) -> list[CapMessage]:
    async with factory() as session:
        return list((await session.scalars(select(CapMessage).order_by(CapMessage.id))).all())


async def cancel(tg: Harness, coordinator: User, number: int) -> None:
    await tg.staff(COORDINATORS, None, coordinator, f"/cancel_announcement {number}")
    data = PickCb(step=AnnounceStep.CANCEL, value=Pick.YES, number=number).pack()
    await tg.feed(tg.updates.staff_callback(coordinator, COORDINATORS, data))


@pytest.fixture
async def http(
    session_factory: async_sessionmaker[AsyncSession], network: Network, clock: FakeClock
) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    """The bot's HTTP routes for the feeds on a local test server."""
    app = web.Application()
    add_routes(app, Feeds(session_factory, network, clock, public_url="https://bl.example"))
    async with TestClient(TestServer(app)) as client:
        yield client


async def test_an_urgent_two_language_two_area_alert_is_valid_cap_with_every_language_and_area(
    tg: Harness, coordinator: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await announce(
        tg,
        coordinator,
        "en: Burglary wave in the centre tonight.\nLock doors and windows.",
        "nl: Inbraakgolf in het centrum vannacht.\nSluit deuren en ramen.",
    )
    assert not await published(session_factory)  # nothing before it is sent

    await tg.run_alerts()

    [message] = await published(session_factory)
    alert = cap_rules.check(message.xml)
    assert text(alert, "sender") == "alerts.beatline.example"
    assert (text(alert, "status"), text(alert, "msgType"), text(alert, "scope")) == (
        "Actual",
        "Alert",
        "Public",
    )
    assert text(alert, "sent") == "2026-03-05T09:30:00+00:00"
    infos = find(alert, "info")
    assert [text(info, "language") for info in infos] == ["en", "nl"]
    english, dutch = infos
    assert text(english, "headline") == "Burglary wave in the centre tonight."
    assert text(dutch, "description") == (
        "Inbraakgolf in het centrum vannacht.\nSluit deuren en ramen."
    )
    assert (text(dutch, "event"), text(dutch, "category")) == ("Inbraakgolf", "Security")
    for info in infos:
        assert (text(info, "urgency"), text(info, "severity"), text(info, "certainty")) == (
            "Immediate",
            "Severe",
            "Observed",
        )
        assert text(info, "effective") == "2026-03-05T09:30:00+00:00"
        assert text(info, "expires") == "2026-03-06T09:30:00+00:00"
        assert text(info, "senderName") == "Beatline Test Town"
        centre, east = find(info, "area")
        assert cap_rules.polygon(text(centre, "polygon")) == CENTRE_RING
        assert cap_rules.circle(text(east, "circle")) == ((52.09, 5.17), 1.0)
    assert [text(area, "areaDesc") for area in find(dutch, "area")] == ["Centrum", "Oost"]


async def test_an_advisory_to_every_area_maps_to_future_moderate_likely(
    tg: Harness, coordinator: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await announce(tg, coordinator, "en: Road works next week.", areas=(), topics=(), urgent=False)
    await tg.run_alerts()

    [message] = await published(session_factory)
    [info] = find(cap_rules.check(message.xml), "info")
    assert (text(info, "urgency"), text(info, "severity"), text(info, "certainty")) == (
        "Future",
        "Moderate",
        "Likely",
    )
    assert [text(area, "areaDesc") for area in find(info, "area")] == ["Centre", "East"]
    assert (text(info, "event"), text(info, "category")) == ("Neighbourhood alert", "Safety")


async def test_each_sending_is_published_once_and_a_later_one_updates_it(
    tg: Harness,
    coordinator: User,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    await announce(tg, coordinator, "en: Lock your bike.", when="daily 18:00", until="4w")
    clock.advance(hours=9)  # 18:30 in Amsterdam
    await tg.run_alerts()
    await tg.run_alerts()  # nothing new is due: nothing new is published
    [first] = await published(session_factory)
    clock.advance(days=1)
    await tg.run_alerts()

    first_again, second = await published(session_factory)
    assert first_again.id == first.id
    update = cap_rules.check(second.xml)
    assert text(update, "msgType") == "Update"
    assert text(update, "references") == (
        f"alerts.beatline.example,{first.identifier},2026-03-05T18:30:00+00:00"
    )
    # A recurring alert stays current until its end, four weeks on.
    assert text(update, "info/expires") == "2026-04-02T17:00:00+00:00"


async def test_cancelling_publishes_a_cancel_referring_to_every_message_of_it(
    tg: Harness,
    coordinator: User,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    await announce(tg, coordinator, "en: Lock your bike.", when="daily 18:00", until="4w")
    clock.advance(hours=9)
    await tg.run_alerts()
    clock.advance(days=1)
    await tg.run_alerts()
    first, second = await published(session_factory)
    number = first.announcement_id

    await cancel(tg, coordinator, number)

    assert "is cancelled" in tg.api.last("editMessageText", COORDINATORS).text
    *_, last = await published(session_factory)
    cancelled = cap_rules.check(last.xml)
    assert text(cancelled, "msgType") == "Cancel"
    assert text(cancelled, "sent") == "2026-03-06T18:30:00+00:00"
    assert text(cancelled, "references").split() == [
        f"alerts.beatline.example,{first.identifier},2026-03-05T18:30:00+00:00",
        f"alerts.beatline.example,{second.identifier},2026-03-06T18:30:00+00:00",
    ]


async def test_cancelling_an_announcement_never_sent_publishes_nothing(
    tg: Harness, coordinator: User, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await announce(tg, coordinator, "en: Road works next week.", when="2026-03-10 09:00")
    async with session_factory() as session:
        number = (await session.scalars(select(Announcement))).one().id

    await cancel(tg, coordinator, number)

    assert "is cancelled" in tg.api.last("editMessageText", COORDINATORS).text
    assert not await published(session_factory)


async def test_the_atom_feed_lists_current_alerts_only(
    tg: Harness,
    coordinator: User,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    http: TestClient[web.Request, web.Application],
) -> None:
    await announce(tg, coordinator, "en: Yesterday's warning.", when="now")
    await tg.run_alerts()
    clock.advance(hours=25)  # a one-off alert is current for 24 hours
    await announce(tg, coordinator, "en: Lock your bike.", when="daily 18:00", until="4w")
    clock.advance(hours=8)  # past 18:00: the recurring one is sent, then cancelled
    await tg.run_alerts()
    cancelled = (await published(session_factory))[-1].announcement_id
    await cancel(tg, coordinator, cancelled)
    await announce(tg, coordinator, "en: Missing child near the station.\nCall 112.")
    await tg.run_alerts()
    current = (await published(session_factory))[-1]

    response = await http.get("/cap/alerts.atom")

    assert response.status == 200
    assert response.content_type == "application/atom+xml"
    feed = ET.fromstring(await response.read())
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}id") == "https://bl.example/cap/alerts.atom"
    assert feed.findtext(f"{ATOM}updated") == "2026-03-06T18:30:00Z"
    [entry] = feed.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "Missing child near the station."
    assert entry.findtext(f"{ATOM}summary") == "Missing child near the station.\nCall 112."
    link = entry.find(f"{ATOM}link")
    assert link is not None
    assert link.get("href") == f"https://bl.example/cap/{current.id}.xml"
    assert link.get("type") == "application/cap+xml"


async def test_each_message_is_served_exactly_as_published(
    tg: Harness,
    coordinator: User,
    session_factory: async_sessionmaker[AsyncSession],
    http: TestClient[web.Request, web.Application],
) -> None:
    await announce(tg, coordinator, "en: Burglary wave <tonight> & tomorrow.")
    await tg.run_alerts()
    [message] = await published(session_factory)

    response = await http.get(f"/cap/{message.id}.xml")

    assert response.status == 200
    assert response.content_type == "application/cap+xml"
    body = await response.text()
    assert body == message.xml
    assert text(cap_rules.check(body), "info/headline") == "Burglary wave <tonight> & tomorrow."
    assert (await http.get(f"/cap/{message.id + 1000}.xml")).status == 404
    assert (await http.get("/cap/latest.xml")).status == 404


async def test_the_feed_is_empty_before_anything_was_sent(
    http: TestClient[web.Request, web.Application],
) -> None:
    feed = ET.fromstring(await (await http.get("/cap/alerts.atom")).read())
    assert feed.findall(f"{ATOM}entry") == []
    assert feed.findtext(f"{ATOM}updated") == "2026-03-05T09:30:00Z"


VALID = """<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>beatline-1-1</identifier>
  <sender>beatline</sender>
  <sent>2026-03-05T09:30:00+00:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <language>en</language>
    <category>Safety</category>
    <event>Neighbourhood alert</event>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Observed</certainty>
    <area>
      <areaDesc>Centre</areaDesc>
      <polygon>52.1,5.1 52.1,5.14 52.08,5.14 52.1,5.1</polygon>
      <circle>52.09,5.17 1</circle>
    </area>
  </info>
</alert>
"""


@pytest.mark.parametrize(
    ("good", "bad", "complaint"),
    [
        ("2026-03-05T09:30:00+00:00", "2026-03-05T09:30:00Z", "alert.sent"),
        ("<status>Actual", "<status>Real", "alert.status"),
        ("<msgType>Alert", "<msgType>Update", "must name what it refers to"),
        ("<scope>Public", "<scope>Restricted", "restriction"),
        ("<category>Safety", "<category>Crime", "category"),
        ("<urgency>Immediate", "<urgency>Now", "urgency"),
        ("<severity>Severe", "<severity>Bad", "severity"),
        ("<certainty>Observed", "<certainty>Sure", "certainty"),
        ("beatline-1-1", "beatline 1,1", "identifier"),
        (" 52.1,5.1</polygon>", "</polygon>", "four pairs"),
        ("52.08,5.14 52.1,5.1</polygon>", "52.08,5.14 52.08,5.1</polygon>", "first and last"),
        ("52.09,5.17 1</circle>", "52.09 5.17</circle>", "lat,lon radius"),
        (
            "<urgency>Immediate</urgency>\n    <severity>Severe</severity>",
            "<severity>Severe</severity>\n    <urgency>Immediate</urgency>",
            "out of order",
        ),
        ("<event>Neighbourhood alert</event>", "", "<event> is required"),
        ("<areaDesc>Centre</areaDesc>", "", "<areaDesc> is required"),
        (
            "urn:oasis:names:tc:emergency:cap:1.2",
            "urn:oasis:names:tc:emergency:cap:1.1",
            "namespace",
        ),
    ],
)
def test_the_rules_refuse_what_the_standard_forbids(good: str, bad: str, complaint: str) -> None:
    cap_rules.check(VALID)
    assert good in VALID
    with pytest.raises(CapRuleError, match=complaint):
        cap_rules.check(VALID.replace(good, bad, 1))


def test_the_date_time_rule_wants_seconds_and_a_numeric_offset() -> None:
    cap_rules.check(VALID.replace("+00:00", "+01:00"))
    with pytest.raises(CapRuleError, match=r"alert\.sent"):
        cap_rules.check(VALID.replace("T09:30:00+00:00", "T09:30+00:00"))


async def test_polling_mode_serves_the_feed_on_feeds_listen(tmp_path: Path, locales: Path) -> None:
    server = FakeBotApiServer()
    await server.start()
    network_file = tmp_path / "network.toml"
    network_file.write_text(NETWORK + CAP_SETTINGS)
    port = free_port()
    settings = Settings(
        _env_file=None,
        anonymity_key=ANONYMITY_KEY,
        bot_token=BOT_TOKEN,
        bot_api_url=server.url,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
        network_file=network_file,
        feeds_listen=f"127.0.0.1:{port}",
        public_url="https://bl.example/",
    )
    bot_task = asyncio.create_task(run(settings, BOT_TOKEN, locales))
    try:
        await server.wait_for("getUpdates")  # the feed server starts before polling does
        async with (
            aiohttp.ClientSession() as client,
            client.get(f"http://127.0.0.1:{port}/cap/alerts.atom") as response,
        ):
            assert response.status == 200
            feed = ET.fromstring(await response.read())
    finally:
        bot_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await bot_task
        await server.stop()
    assert feed.findtext(f"{ATOM}id") == "https://bl.example/cap/alerts.atom"
    assert feed.findtext(f"{ATOM}title") == "Beatline Test Town"


async def test_the_webhook_server_serves_the_feed_beside_the_hook(
    tmp_path: Path, locales: Path
) -> None:
    server = FakeBotApiServer()
    await server.start()
    network_file = tmp_path / "network.toml"
    network_file.write_text(NETWORK)
    port = free_port()
    settings = Settings(
        _env_file=None,
        anonymity_key=ANONYMITY_KEY,
        bot_token=BOT_TOKEN,
        bot_api_url=server.url,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'hook.db'}",
        network_file=network_file,
        webhook_url="https://beatline.example.org/telegram/hook",
        webhook_secret="a-long-shared-secret-123",
        webhook_listen=f"127.0.0.1:{port}",
    )
    bot_task = asyncio.create_task(run(settings, BOT_TOKEN, locales))
    try:
        await server.wait_for("setWebhook")
        async with aiohttp.ClientSession() as client:
            async with client.get(f"http://127.0.0.1:{port}/cap/alerts.atom") as response:
                assert response.status == 200
                feed = ET.fromstring(await response.read())
            async with client.get(f"http://127.0.0.1:{port}/cap/1.xml") as missing:
                assert missing.status == 404
    finally:
        bot_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await bot_task
        await server.stop()
    # Without PUBLIC_URL the links are made from the request's own address.
    assert feed.findtext(f"{ATOM}id") == f"http://127.0.0.1:{port}/cap/alerts.atom"
