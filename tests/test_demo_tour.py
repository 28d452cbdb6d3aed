"""The guided tour ticks a step off from what the emulator saw, and only then."""

from __future__ import annotations

from demo import tour
from demo.botapi import BotApi
from demo.server import Emulator, create_app
from demo.state import State
from demo.world import load_world
from tests.conftest import ROOT

DESK = -1009000000001
PARTNER = -1009000000003
COORDINATORS = -1009000000009
ANNA, OFFICER, COORDINATOR = 7101, 7200, 7401


def emulator() -> Emulator:
    return create_app(load_world(ROOT / "network.demo.toml"))[1]


def done(state: State) -> dict[str, bool]:
    return {step["key"]: step["done"] for step in tour.progress(state)}


async def open_case(api: BotApi, reporter_line: str) -> int:
    topic = await api.call(
        "createForumTopic", {"chat_id": DESK, "name": "🆕 BL-26-00001 · Burglary · Old Town"}
    )
    thread = topic["message_thread_id"]
    card = f"🆕 <b>BL-26-00001</b>\nReporter: {reporter_line}"
    where = {"chat_id": DESK, "message_thread_id": thread}
    await api.call("sendMessage", {**where, "text": card, "parse_mode": "HTML"})
    return int(thread)


async def test_a_burglary_topic_that_names_nobody_counts_as_reported_anonymously() -> None:
    demo = emulator()

    await open_case(demo.api, "Citizen C-7F3A (anonymous)")

    assert done(demo.state) == {"report": True, "answer": False, "refer": False, "alert": False}


async def test_a_card_with_the_residents_name_does_not_count_as_anonymous() -> None:
    demo = emulator()

    await open_case(demo.api, "Anna")

    assert done(demo.state)["report"] is False


async def test_an_answer_counts_once_the_resident_gets_it_after_the_officer_wrote() -> None:
    demo = emulator()
    thread = await open_case(demo.api, "Citizen C-7F3A (anonymous)")
    demo.visitor.send_text(ANNA, ANNA, "/start")
    receipt = {"chat_id": ANNA, "text": "<b>BL-26-00001</b> received", "parse_mode": "HTML"}
    await demo.api.call("sendMessage", receipt)
    assert done(demo.state)["answer"] is False

    demo.visitor.send_text(OFFICER, DESK, "We are on our way.", thread)
    answer = {"chat_id": ANNA, "text": "<b>👮 Police</b> · BL-26-00001\nWe are on our way."}
    await demo.api.call("sendMessage", {**answer, "parse_mode": "HTML"})

    assert done(demo.state)["answer"] is True


async def test_a_partner_topic_and_a_delivered_alert_tick_the_last_steps() -> None:
    demo = emulator()
    demo.visitor.send_text(ANNA, ANNA, "/start")
    topic = {"chat_id": PARTNER, "name": "🤝 BL-26-00001 · Burglary"}
    await demo.api.call("createForumTopic", topic)
    demo.visitor.send_text(COORDINATOR, COORDINATORS, "en: Burglary wave tonight.")
    assert done(demo.state)["alert"] is False

    alert = {"chat_id": ANNA, "text": "📢 Alert\n\nBurglary wave tonight."}
    await demo.api.call("sendMessage", alert)

    assert done(demo.state)["refer"] is True and done(demo.state)["alert"] is True
