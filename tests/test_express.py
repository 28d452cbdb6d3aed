"""The express lane (bot.workflows.express): plain follow-ups on the database driver.

It must be invisible: the same conversation, run once with the lane and once without, makes
the same Bot API requests and leaves the same rows; and whatever is not a plain follow-up
still takes the full path (the lane's counter says which way each update went)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from aiogram.types import Update, User
from aiogram.utils.i18n import I18n
from sqlalchemy import String, cast, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app.composition import Services
from bot.config import Settings
from bot.domain.language.identifier import LanguageIdentifier
from bot.kinds import Guarantee, OutboxStatus, Priority
from bot.network.schema import parse_network
from bot.ui.texts import MENU_CASES
from handlers.express import EXPRESS_LANE
from storage.driver import Prepared
from storage.express_read import OUTBOX_KEYS
from storage.models import Base, CaseMessage, OutboxMessage
from tests.conftest import CENTRAL, NETWORK, Harness, make_harness
from tests.fakes import FakeClock, FakeTelegram
from tests.helpers import onboard, report

DUTCH = "De auto stond de hele nacht voor de deur met draaiende motor en niemand deed open."
LIMITED = parse_network(NETWORK + "\n[limits]\nfollowups_per_minute = 8\n")


async def conversation(tg: Harness, alice: User) -> list[Update]:
    """A resident's follow-ups of every plain kind, and a few that are not plain."""
    await onboard(tg, alice)
    await report(tg, alice)
    sent = [await tg.send(alice, "The car was blue, plate unknown.")]
    await tg.feed(sent[0])  # a redelivery: skipped, and no follow-up counted for it
    # A new @username: the general route updates the resident (and again when it changes back).
    sent.append(await tg.send(alice.model_copy(update={"username": "alice_new"}), "renamed"))
    sent += [
        await tg.send(alice, "<b>not bold</b> & 'quoted' <script>"),
        await tg.send(alice, "x" * 5000),  # split into two messages in the topic
    ]
    sent += [await tg.send(alice, DUTCH) for _ in range(3)]  # the third: the language offer
    sent.append(await tg.send(alice, "/unknown"))  # not plain: the full path
    sent.append(await tg.send(alice, "Help, there is a fire!"))  # not plain: 112 first
    sent += [await tg.send(alice, f"more {n}") for n in range(4)]  # over the limit of 8
    return sent


def requests(api: FakeTelegram) -> list[tuple[str, dict[str, Any]]]:
    return [(call.method, call.params) for call in api.calls]


async def rows(engine: AsyncEngine) -> tuple[list[Any], list[Any]]:
    """The conversation's rows; ids as counted from the first (PostgreSQL's sequences go on
    after the tables are emptied), so a gap in them shows."""
    async with engine.connect() as connection:
        messages = (
            await connection.execute(
                select(
                    CaseMessage.id,
                    CaseMessage.direction,
                    CaseMessage.kind,
                    CaseMessage.text,
                    CaseMessage.language,
                    CaseMessage.source_chat_id,
                    CaseMessage.source_message_id,
                    CaseMessage.target_chat_id,
                    CaseMessage.target_message_id,
                ).order_by(CaseMessage.id)
            )
        ).all()
        outbox = (
            await connection.execute(
                select(
                    OutboxMessage.id,
                    OutboxMessage.effect_data,
                    OutboxMessage.effect_data.is_(None),  # SQL NULL, or JSON null
                    OutboxMessage.lane,
                    OutboxMessage.method,
                    OutboxMessage.payload,
                    OutboxMessage.priority,
                    OutboxMessage.guarantee,
                    OutboxMessage.into_topic,
                    OutboxMessage.effect,
                    OutboxMessage.status,
                    OutboxMessage.possibly_repeated,
                ).order_by(OutboxMessage.id)
            )
        ).all()
    first_message, first_row = messages[0][0], outbox[0][0]

    def counted(data: Any) -> Any:
        if isinstance(data, dict) and "records" in data:
            return data | {"records": [n - first_message for n in data["records"]]}
        return data

    return (
        [(row[0] - first_message, *row[1:]) for row in messages],
        [(row[0] - first_row, counted(row[1]), *row[2:]) for row in outbox],
    )


async def wipe(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            await connection.execute(delete(table))


async def test_the_express_lane_changes_nothing_anyone_can_see(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    i18n: I18n,
    langid: LanguageIdentifier,
    engine: AsyncEngine,
    alice: User,
) -> None:
    seen = {}
    for express in (True, False):
        await wipe(engine)  # and a fresh clock and Bot API: the second run starts as the first
        services = Services(
            settings, LIMITED, session_factory, i18n, FakeClock(), langid, express_lane=express
        )
        tg = make_harness(services, FakeTelegram())
        await conversation(tg, alice)
        seen[express] = (requests(tg.api), await rows(engine), express_count(tg))
        await tg.bot.session.close()
    with_lane, without = seen[True], seen[False]
    assert with_lane[0] == without[0]
    assert with_lane[1] == without[1]
    # The lane took the plain ones: two, three in Dutch, and the four over the limit.
    assert with_lane[2] == 9
    assert without[2] == 0
    # And what the resident saw: the copies in the topic, the offer, 112, the limit.
    texts = [params.get("text", "") for method, params in with_lane[0] if method == "sendMessage"]
    assert any("&lt;b&gt;not bold&lt;/b&gt; &amp; 'quoted' &lt;script&gt;" in t for t in texts)
    assert any("Nederlands" in t for t in texts)  # the offer, in Dutch
    assert any("112" in t for t in texts)
    assert any("That is a lot of messages at once" in t for t in texts)
    topic = [
        params
        for method, params in with_lane[0]
        if method == "sendMessage" and params.get("chat_id") == CENTRAL
    ]
    assert any(params["text"].endswith("The car was blue, plate unknown.") for params in topic)


def express_count(tg: Harness) -> int:
    """How many updates took the express lane (0 when it is off)."""
    lane = tg.dp.workflow_data.get(EXPRESS_LANE)
    return int(lane.handled) if lane is not None else 0


async def test_anonymous_cases_never_take_the_express_lane(tg: Harness, zoe: User) -> None:
    await onboard(tg, zoe)
    await report(tg, zoe, privacy="anonymous")
    tg.api.clear()

    await tg.send(zoe, "The van is back, same place.")

    assert express_count(tg) == 0
    [copy] = tg.api.sent("sendMessage", CENTRAL)
    assert "The van is back" in copy.text and "Zoë" not in copy.text


async def test_what_is_not_plain_takes_the_full_path(tg: Harness, alice: User, i18n: I18n) -> None:
    await onboard(tg, alice)
    await report(tg, alice)
    plain = await tg.send(alice, "plain")
    assert express_count(tg) == 1 and plain.message is not None

    # A reply, a button label in another language than the resident's, a new @username.
    await tg.send(alice, "about that", reply_to=plain.message.message_id)
    await tg.send(alice, i18n.gettext(MENU_CASES, locale="nl"))
    renamed = alice.model_copy(update={"username": "alice_renamed"})
    await tg.send(renamed, "new name")
    assert express_count(tg) == 1
    assert "BL-" in tg.api.last("sendMessage", alice.id).text  # the list of cases

    # A second open case: which one is it about?
    await report(tg, alice, "Another thing.")
    tg.api.clear()
    await tg.send(alice, "which?")
    assert express_count(tg) == 1
    assert "Which one is this about?" in tg.api.last("sendMessage", alice.id).text


async def test_the_driver_stores_a_row_as_sqlalchemy_does(engine: AsyncEngine) -> None:
    """One outbox row written by SQLAlchemy and by storage.driver: the same stored values
    (a JSON None is JSON null, not NULL; the datetime in UTC; enums as their words)."""
    table = OutboxMessage.core_table()
    now = datetime(2026, 12, 1, 18, 30, tzinfo=timezone(timedelta(hours=1)))
    row = {
        "lane": 42,
        "method": "sendMessage",
        "payload": {"chat_id": 42, "text": "<b>ö</b>"},
        "priority": Priority.INTERACTIVE,
        "case_id": None,
        "into_topic": False,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "not_before": now,
        "possibly_repeated": False,
        "created_at": now,
        "guarantee": Guarantee.AT_LEAST_ONCE,
        "effect": None,
        "effect_data": None,
    }
    prepared = Prepared.of(insert(table), engine.dialect, OUTBOX_KEYS)
    async with engine.begin() as connection:
        await connection.execute(insert(table), [row])
        pooled = await connection.get_raw_connection()
        driver = pooled.driver_connection
        assert driver is not None
        parameters = prepared.parameters(row | {"lane": 43})
        if engine.dialect.name == "sqlite":
            driver.sqlite.execute(prepared.sql, parameters)
        else:
            await driver.execute(prepared.sql, *parameters)
    stored: list[Any] = [
        cast(OutboxMessage.effect_data, String),
        OutboxMessage.effect_data.is_(None),
        OutboxMessage.payload,
        OutboxMessage.status,
        OutboxMessage.guarantee,
        OutboxMessage.priority,
        OutboxMessage.not_before,
    ]
    async with engine.connect() as connection:
        found = (await connection.execute(select(*stored).order_by(OutboxMessage.lane))).all()
    assert len(found) == 2 and found[0] == found[1]
    assert found[0][1] is False and found[0][6] == now
