"""The demo's Bot API emulator answers the way Telegram does: every result parses as the aiogram
type of its method, and refusals come back as Telegram's errors through aiogram's own checks."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.types import (
    ChatMemberAdministrator,
    File,
    ForumTopic,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
    MessageId,
    ReactionTypeEmoji,
    Update,
    User,
)
from aiohttp import web

from bot.app.composition import create_bot
from demo import pictures
from demo.limits import Limits
from demo.server import Emulator, create_app
from demo.world import DEMO_TOKEN, load_world
from tests.conftest import ROOT

NETWORK = ROOT / "network.demo.toml"
DESK = -1009000000001
COORDINATORS = -1009000000009
ANNA = 7101
OFFICER = 7200


@dataclass
class FakeTime:
    """The limits' clock, moved by the test."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Running:
    url: str
    emulator: Emulator
    bot: Bot
    time: FakeTime

    async def raw(self, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
        """A request as JSON, and the answer's status and body as Telegram would give them."""
        async with (
            aiohttp.ClientSession() as client,
            client.post(f"{self.url}/bot{DEMO_TOKEN}/{method}", json=params) as response,
        ):
            return response.status, await response.json()


async def start(tmp_path: Path, state_file: Path | None = None) -> tuple[web.AppRunner, Running]:
    time = FakeTime()
    app, emulator = create_app(load_world(NETWORK), state_file, limits=Limits(clock=time))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    url = f"http://127.0.0.1:{port}"
    return runner, Running(url, emulator, create_bot(DEMO_TOKEN, url), time)


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[Running]:
    runner, running = await start(tmp_path)
    yield running
    await running.bot.session.close()
    await runner.cleanup()


def anna_writes(demo: Running, text: str = "/start") -> None:
    demo.emulator.visitor.send_text(ANNA, ANNA, text)


async def test_a_sent_message_parses_as_a_message_with_the_html_turned_into_entities(
    demo: Running,
) -> None:
    anna_writes(demo)
    status, body = await demo.raw(
        "sendMessage",
        chat_id=ANNA,
        text="Your reference is <b>BL-26-00001</b> 👮 &lt;ok&gt;",
        parse_mode="HTML",
        reply_markup={"inline_keyboard": [[{"text": "Yes", "callback_data": "refer:1:1"}]]},
    )

    assert status == 200 and body["ok"] is True
    message = Message.model_validate(body["result"])
    assert message.text == "Your reference is BL-26-00001 👮 <ok>"
    assert message.entities is not None and message.entities[0].type == "bold"
    assert message.entities[0].extract_from(message.text) == "BL-26-00001"
    assert message.html_text == "Your reference is <b>BL-26-00001</b> 👮 &lt;ok&gt;"
    assert message.reply_markup is not None
    assert message.from_user is not None and message.from_user.is_bot


async def test_an_unescaped_name_is_refused_as_telegram_refuses_it(demo: Running) -> None:
    anna_writes(demo)

    with pytest.raises(TelegramBadRequest, match="can't parse entities") as error:
        await demo.bot.send_message(ANNA, "Reporter: <Bob")

    assert 'Unsupported start tag "bob"' in error.value.message


async def test_topics_are_created_renamed_closed_and_reopened_with_service_messages(
    demo: Running,
) -> None:
    topic = await demo.bot.create_forum_topic(DESK, "🆕 BL-26-00001 · Burglary · Old Town")
    card = await demo.bot.send_message(DESK, "card", message_thread_id=topic.message_thread_id)
    await demo.bot.edit_forum_topic(DESK, topic.message_thread_id, name="🟢 BL-26-00001")
    await demo.bot.close_forum_topic(DESK, topic.message_thread_id)
    await demo.bot.reopen_forum_topic(DESK, topic.message_thread_id)

    assert isinstance(topic, ForumTopic)
    assert card.message_thread_id == topic.message_thread_id and card.is_topic_message
    stored = demo.emulator.state.topics[DESK][topic.message_thread_id]
    assert stored.name == "🟢 BL-26-00001" and not stored.closed
    services = [
        key
        for s in demo.emulator.state.messages[DESK].values()
        for key in s.data
        if key.startswith("forum_topic_")
    ]
    assert services == [
        "forum_topic_created",
        "forum_topic_edited",
        "forum_topic_closed",
        "forum_topic_reopened",
    ]
    with pytest.raises(TelegramBadRequest, match="TOPIC_NOT_MODIFIED"):
        await demo.bot.reopen_forum_topic(DESK, topic.message_thread_id)


async def test_a_deleted_topic_answers_thread_not_found(demo: Running) -> None:
    topic = await demo.bot.create_forum_topic(DESK, "BL-26-00002")
    await demo.bot.delete_forum_topic(DESK, topic.message_thread_id)

    with pytest.raises(TelegramBadRequest, match="thread not found"):
        await demo.bot.send_message(DESK, "hello", message_thread_id=topic.message_thread_id)


async def test_a_resident_who_blocked_the_bot_or_never_wrote_gets_403(demo: Running) -> None:
    with pytest.raises(TelegramForbiddenError, match="can't initiate conversation"):
        await demo.bot.send_message(ANNA, "hello")
    anna_writes(demo)
    demo.emulator.visitor.set_blocked(ANNA, blocked=True)

    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await demo.bot.send_message(ANNA, "hello")


async def test_a_private_chat_takes_a_short_burst_then_429_with_retry_after(
    demo: Running,
) -> None:
    anna_writes(demo)
    for number in range(3):
        await demo.bot.send_message(ANNA, f"burst {number}")

    with pytest.raises(TelegramRetryAfter) as error:
        await demo.bot.send_message(ANNA, "one too many")

    assert error.value.retry_after >= 1
    demo.time.now += error.value.retry_after
    await demo.bot.send_message(ANNA, "after waiting")


async def test_a_group_takes_twenty_messages_a_minute(demo: Running) -> None:
    for number in range(20):
        demo.time.now += 0.1
        await demo.bot.send_message(COORDINATORS, f"line {number}")

    with pytest.raises(TelegramRetryAfter) as error:
        await demo.bot.send_message(COORDINATORS, "twenty-one")

    assert 55 <= error.value.retry_after <= 60
    demo.time.now += error.value.retry_after
    await demo.bot.send_message(COORDINATORS, "a minute later")


async def test_photos_by_file_id_and_an_album_copied_whole(demo: Running) -> None:
    anna_writes(demo)
    album = demo.emulator.visitor.send_pictures(ANNA, ANNA, ["window", "car"], "They broke in")
    topic = await demo.bot.create_forum_topic(DESK, "BL-26-00003")

    copies = await demo.bot.copy_messages(
        DESK, ANNA, [s.data["message_id"] for s in album], topic.message_thread_id
    )
    photo = await demo.bot.send_photo(
        DESK, pictures.CATALOGUE[1].file_ids()[1], message_thread_id=topic.message_thread_id
    )
    group = await demo.bot.send_media_group(
        ANNA,
        [
            InputMediaPhoto(media=p.file_ids()[0], caption="<i>Seen</i>")
            for p in pictures.CATALOGUE
        ],
    )

    assert all(isinstance(c, MessageId) for c in copies) and len(copies) == 2
    copied = [demo.emulator.state.message(DESK, c.message_id) for c in copies]
    assert copied[0] is not None and copied[1] is not None
    assert copied[0].data["caption"] == "They broke in"
    assert copied[0].data["media_group_id"] == copied[1].data["media_group_id"]
    assert photo.photo is not None and photo.photo[-1].width == pictures.SIZE[0]
    assert len({m.media_group_id for m in group}) == 1 and len(group) == len(pictures.CATALOGUE)
    assert group[0].caption == "Seen" and group[0].caption_entities is not None
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await demo.bot.send_photo(DESK, "no-such-file")


async def test_long_polling_hands_over_the_visitors_updates_until_confirmed(
    demo: Running,
) -> None:
    anna_writes(demo, "/report")
    sent = await demo.bot.send_message(
        ANNA,
        "Which category?",
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Burglary", callback_data="rep:c:b")]]
        ),
    )
    demo.emulator.visitor.press_inline(ANNA, ANNA, sent.message_id, 0, 0)

    updates = await demo.bot.get_updates(timeout=1)
    again = await demo.bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)

    assert [u.event_type for u in updates] == ["message", "callback_query"]
    assert all(isinstance(u, Update) for u in updates)
    query = updates[1].callback_query
    assert query is not None and query.data == "rep:c:b"
    assert isinstance(query.message, Message) and query.message.message_id == sent.message_id
    assert again == []
    await demo.bot.answer_callback_query(query.id, "Thank you.")
    assert demo.emulator.state.notices[-1].text == "Thank you."
    with pytest.raises(TelegramBadRequest, match="query ID is invalid"):
        await demo.bot.answer_callback_query(query.id, "twice")


async def test_a_second_poller_is_told_there_is_a_conflict(demo: Running) -> None:
    status, _ = await demo.raw("setWebhook", url="https://example.org/hook")
    assert status == 200

    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await demo.bot.get_updates(timeout=0)


async def test_edits_reactions_and_pins_answer_like_telegram(demo: Running) -> None:
    anna_writes(demo)
    sent = await demo.bot.send_message(
        ANNA,
        "Pick one",
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="A", callback_data="a")]]
        ),
    )
    edited = await demo.bot.edit_message_text(
        "Category: <b>Burglary</b>", chat_id=ANNA, message_id=sent.message_id
    )

    assert isinstance(edited, Message) and edited.edit_date is not None
    assert edited.reply_markup is None  # an edit without a keyboard takes the keyboard away
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await demo.bot.edit_message_text(
            "Category: <b>Burglary</b>", chat_id=ANNA, message_id=sent.message_id
        )
    assert await demo.bot.set_message_reaction(
        ANNA, sent.message_id, [ReactionTypeEmoji(emoji="👍")]
    )
    with pytest.raises(TelegramBadRequest, match="REACTION_INVALID"):
        await demo.bot.set_message_reaction(ANNA, sent.message_id, [ReactionTypeEmoji(emoji="🚓")])
    assert await demo.bot.pin_chat_message(ANNA, sent.message_id)
    assert demo.emulator.state.pinned[ANNA] == [sent.message_id]


async def test_the_bot_is_an_administrator_that_may_manage_topics(demo: Running) -> None:
    me = await demo.bot.get_me()
    member = await demo.bot.get_chat_member(DESK, me.id)
    officer = await demo.bot.get_chat_member(DESK, OFFICER)

    assert isinstance(me, User) and me.username == "beatline_demo_bot"
    assert isinstance(member, ChatMemberAdministrator) and member.can_manage_topics
    assert officer.status == "member"


async def test_a_photo_downloads_from_the_file_path(demo: Running) -> None:
    file = await demo.bot.get_file(pictures.CATALOGUE[0].file_ids()[1])

    assert isinstance(file, File) and file.file_path is not None
    async with (
        aiohttp.ClientSession() as client,
        client.get(f"{demo.url}/file/bot{DEMO_TOKEN}/{file.file_path}") as response,
    ):
        body = await response.read()
    assert response.status == 200 and body == pictures.CATALOGUE[0].path.read_bytes()


async def test_a_wrong_token_is_unauthorized_and_an_unknown_method_not_found(
    demo: Running,
) -> None:
    async with aiohttp.ClientSession() as client:
        async with client.post(f"{demo.url}/bot1:wrong/getMe") as response:
            assert response.status == 401
        async with client.post(f"{demo.url}/bot{DEMO_TOKEN}/sendTelepathy") as response:
            assert response.status == 404
            assert (await response.json())["ok"] is False


async def test_a_restarted_emulator_keeps_the_chats_and_never_reuses_an_update_id(
    tmp_path: Path,
) -> None:
    state_file = tmp_path / "emulator.json"
    runner, first = await start(tmp_path, state_file)
    anna_writes(first)
    await first.bot.send_message(ANNA, "Welcome")
    first.emulator.state.save()
    await first.bot.session.close()
    await runner.cleanup()

    runner, second = await start(tmp_path, state_file)
    try:
        anna_writes(second, "/report")
        updates = await second.bot.get_updates(timeout=0)
        texts = [s.data.get("text") for s in second.emulator.state.messages[ANNA].values()]
    finally:
        await second.bot.session.close()
        await runner.cleanup()

    assert texts == ["/start", "Welcome", "/report"]
    assert [u.update_id for u in updates] == [1, 2]
    assert json.loads(state_file.read_text())["next_update_id"] == 2
