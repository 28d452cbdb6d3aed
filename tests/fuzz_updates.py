"""Hypothesis strategies for random and odd Telegram updates in a small world: residents with
cases, desk groups with case topics, a partner's referral topic, the coordinators' group, and
chats the bot knows nothing about. Only what Telegram itself could deliver is drawn (entities
never cross, texts are never blank), but within that anything goes: huge texts, right-to-left
marks, zero-width joiners, markup characters, forged callback data, unknown commands."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiogram.types import (
    CallbackQuery,
    Chat,
    ChatMemberRestricted,
    ChatMemberUpdated,
    Message,
    MessageEntity,
    MessageReactionUpdated,
    Update,
    User,
)
from hypothesis import strategies as st

from bot.ui.announcing import AnnounceStep, Pick, PickCb
from bot.ui.desk_keyboards import BanCb, Move, MoveCb, TakeOverCb
from bot.ui.keyboards import (
    AlertCb,
    ConsentCb,
    LanguageCb,
    PickCaseCb,
    RateCb,
    SensitiveCb,
    SolvedCb,
    SolvedSureCb,
    SwitchLanguageCb,
)
from bot.ui.pulse import PulseCb
from bot.ui.referrals import ReferralCb, ReferralWithCb
from bot.ui.report_wizard import ReportCb, WizardAction
from bot.ui.stats_menu import StatsCb, StatsChoice
from bot.ui.texts import CANCEL, MENU_LABELS, SEND_REPORT, SHARE_LOCATION, SKIP
from tests.conftest import CENTRAL, COORDINATORS, EAST, PARTNER
from tests.fakes import BOT_USER, administrator

UNKNOWN_GROUP = -1009999999999
BASIC_GROUP = -4242
DATE = datetime(2026, 3, 5, 9, 30, tzinfo=UTC)


@dataclass
class World:
    """What exists before the random updates arrive (filled in by the test)."""

    residents: list[User]
    staff: list[User]
    case_ids: list[int] = field(default_factory=list)
    threads: dict[int, list[int]] = field(default_factory=dict)  # staff chat: topic ids
    referral_ids: list[int] = field(default_factory=list)
    delivery_ids: list[int] = field(default_factory=list)


@dataclass
class Album:
    """Updates of one media group, delivered together."""

    updates: list[Update]


@dataclass
class Tick:
    """The alert timer fires (announcements the random coordinators scheduled go out)."""


Item = Update | Album | Tick

ODD_PIECES = [
    "\u200f",  # right-to-left mark
    "\u202e",  # right-to-left override
    "\u200d",  # zero-width joiner
    "\ufeff",
    "e\u0301",  # a combining accent
    "🚓",
    "👨‍👩‍👧",
    "🏳️‍🌈",
    "𝔘𝔫𝔦",
    "<b>",
    "</i>",
    "<a href='x'>",
    "&amp;",
    "&",
    "<",
    ">",
    "&#0;",
    "//",
    "/",
    "@agent_k",
    "#tag",
    "https://example.org/?a=1&b=2",
    "tg://user?id=900",
    "\n",
    " ",
    "\t",
    "يساعد",
    "中文",
    "Zoë",
    "112",
    "fire",
    "brand",
    "BL-26-00001",
    "{ref}",
    "%s",
]
CHARACTERS = st.characters(codec="utf-8", exclude_characters="\x00")


def _not_blank(text: str) -> str:
    return text if text.strip() else text + "x"


texts = st.one_of(
    st.text(CHARACTERS, min_size=1, max_size=60),
    st.lists(st.sampled_from(ODD_PIECES), min_size=1, max_size=25).map("".join),
    st.integers(1000, 4096).map(lambda n: ("Zoë ¡<b>&amp;</b> 🚓 fire\n" * 400)[:n]),
    st.sampled_from(["x" * 4096, "🚓" * 2048, "a\u0301" * 2000, ("word " * 900)[:4096]]),
).map(_not_blank)
captions = st.one_of(st.none(), texts.map(lambda t: t[:1024]), st.just("y" * 2000))

COMMANDS = [
    "/start",
    "/start area-centre",
    "/start area-nowhere",
    "/start topic-traffic",
    "/start " + "x" * 60,
    "/report",
    "/cases",
    "/status",
    "/status BL-26-00001",
    "/status BL-99-99999",
    "/status " + "9" * 40,
    "/help",
    "/language",
    "/alerts",
    "/quiet",
    "/cancel",
    "/done",
    "/skip",
    "/take",
    "/close",
    "/close solved & <done>",
    "/reopen",
    "/ban",
    "/unban",
    "/transfer",
    "/transfer east",
    "/transfer nowhere",
    "/refer",
    "/refer housing",
    "/refer housing please fix it 🚓",
    "/history",
    "/whereami",
    "/stats",
    "/stats 2026-13",
    "/report 2026-02",
    "/report 2026-13 xx",
    "/report 1999-01",
    "/announce",
    "/announcements",
    "/cancel_announcement",
    "/cancel_announcement 1",
    "/cancel_announcement " + "9" * 30,
    "/unknown",
    "/take@beatline_bot",
    "/take@other_bot",
]
BUTTONS = [*MENU_LABELS, SEND_REPORT, CANCEL, SKIP, SHARE_LOCATION]
WIZARD_VALUES = [
    *("", "burglary", "nuisance", "anonymous", "identified", "confidential", "centre", "east"),
    *("exact", "rounded", "category", "privacy", "area", "nowhere"),
]


def entities_for(text: str) -> st.SearchStrategy[list[MessageEntity] | None]:
    """Entities Telegram could attach to `text`: nested or apart, never crossing, on whole
    characters; with user mentions and links of every kind."""

    def units(end: int) -> int:
        return len(text[:end].encode("utf-16-le")) // 2

    @st.composite
    def build(draw: st.DrawFn) -> list[MessageEntity] | None:
        if not draw(st.booleans()):
            return None
        found: list[MessageEntity] = []
        start = 0
        while start < len(text) - 1 and len(found) < 8:
            start += draw(st.integers(0, max(0, len(text) // 3)))
            end = start + draw(st.integers(1, max(1, len(text) // 2)))
            if end > len(text):
                break
            kind = draw(
                st.sampled_from(
                    [
                        "bold",
                        "italic",
                        "underline",
                        "strikethrough",
                        "spoiler",
                        "code",
                        "pre",
                        "blockquote",
                        "expandable_blockquote",
                        "text_link",
                        "text_mention",
                        "mention",
                        "hashtag",
                        "url",
                        "custom_emoji",
                    ]
                )
            )
            extra: dict[str, Any] = {}
            if kind == "text_link":
                extra["url"] = draw(
                    st.sampled_from(
                        ["https://politie.nl/a?b=1&c=<2>", "tg://user?id=905", "http://x.y/\"'"]
                    )
                )
            elif kind == "text_mention":
                extra["user"] = User(id=905, is_bot=False, first_name="Sanne")
            elif kind == "pre":
                extra["language"] = draw(st.sampled_from(["python", "<x>", '"q"']))
            elif kind == "custom_emoji":
                extra["custom_emoji_id"] = "5368324170671202286"
            offset = units(start)
            found.append(
                MessageEntity(type=kind, offset=offset, length=units(end) - offset, **extra)
            )
            if (
                kind in ("bold", "italic", "blockquote")
                and end - start > 2
                and draw(st.booleans())
            ):
                inner = units(start + 1)
                found.append(
                    MessageEntity(type="underline", offset=inner, length=units(end - 1) - inner)
                )
            start = end
        return found or None

    return build()


FILE_PREFIXES = ("ph", "vi", "do", "vo", "au", "an", "st", "vn")
FILE_IDS = [f"{prefix}{n}" for prefix in FILE_PREFIXES for n in range(1, 7)]


def _file(prefix: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.integers(1, 6).map(lambda n: {"file_id": f"{prefix}{n}", "file_unique_id": f"u{n}"})


MEDIA: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "photo": _file("ph").map(lambda f: {"photo": [{**f, "width": 10, "height": 10}]}),
    "video": _file("vi").map(lambda f: {"video": {**f, "width": 1, "height": 1, "duration": 2}}),
    "document": st.tuples(_file("do"), st.text(CHARACTERS, max_size=30)).map(
        lambda fn: {"document": {**fn[0], "file_name": fn[1] or None, "file_size": 10}}
    ),
    "voice": _file("vo").map(lambda f: {"voice": {**f, "duration": 3}}),
    "audio": _file("au").map(lambda f: {"audio": {**f, "duration": 3, "title": "<t>"}}),
    "animation": _file("an").map(
        lambda f: {
            "animation": {**f, "width": 1, "height": 1, "duration": 1},
            "document": {**f, "file_name": "a.gif.mp4"},
        }
    ),
    "sticker": _file("st").map(
        lambda f: {
            "sticker": {
                **f,
                "type": "regular",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
            }
        }
    ),
    "video_note": _file("vn").map(lambda f: {"video_note": {**f, "length": 1, "duration": 1}}),
    "location": st.tuples(
        st.floats(-90, 90, allow_nan=False), st.floats(-180, 180, allow_nan=False)
    ).map(lambda p: {"location": {"latitude": p[0], "longitude": p[1]}}),
    "venue": st.just(
        {
            "venue": {
                "location": {"latitude": 52.09, "longitude": 5.12},
                "title": "Station <b>",
                "address": "Plein & 1",
            }
        }
    ),
    "contact": st.just({"contact": {"phone_number": "+31600000000", "first_name": "N<e>"}}),
    "dice": st.just({"dice": {"emoji": "🎲", "value": 3}}),
}
CAPTIONED = ("photo", "video", "document", "audio", "animation", "voice")


@st.composite
def content(draw: st.DrawFn, commands: bool = True) -> dict[str, Any]:
    """What a message carries: words (text, a command, a menu button) or media."""
    kinds = ["text"] * 4 + ["media"] * 3 + ["note", "announcement"]
    choice = draw(st.sampled_from(kinds + (["command", "button"] if commands else [])))
    if choice == "command":
        text = draw(st.sampled_from(COMMANDS))
        return {"text": text, "entities": [_command_entity(text)]}
    if choice == "button":
        return {"text": draw(st.sampled_from(BUTTONS))}
    if choice == "note":
        words = "//" + draw(texts)[:200]
        text = draw(st.sampled_from(["", "  ", "\n"])) + words
        return {"text": text}
    if choice == "announcement":  # a coordinator's text for one language of an alert
        language = draw(st.sampled_from(["en", "nl", "ar", "xx", "EN"]))
        return {"text": f"{language}: {draw(texts)}"[:4096]}
    if choice == "text":
        text = draw(texts)
        return {"text": text, "entities": draw(entities_for(text))}
    kind = draw(st.sampled_from(sorted(MEDIA)))
    media = dict(draw(MEDIA[kind]))
    if kind in CAPTIONED:
        caption = draw(captions)
        if caption is not None:
            media["caption"] = caption
            media["caption_entities"] = draw(entities_for(caption))
    return media


def _command_entity(text: str) -> MessageEntity:
    length = len(text.split()[0].encode("utf-16-le")) // 2
    return MessageEntity(type="bot_command", offset=0, length=length)


class Builder:
    """Turns drawn choices into real updates with fresh, increasing ids."""

    def __init__(self) -> None:
        self.update_id = 1_000_000
        self.message_ids: dict[int, int] = {}

    def next_update(self) -> int:
        self.update_id += 1
        return self.update_id

    def next_message(self, chat_id: int) -> int:
        self.message_ids[chat_id] = self.message_ids.get(chat_id, 5_000) + 1
        return self.message_ids[chat_id]

    def message(
        self,
        chat: Chat,
        sender: User | None,
        body: dict[str, Any],
        thread_id: int | None = None,
        reply_to: int | None = None,
        sender_chat: Chat | None = None,
        message_id: int | None = None,
        **extra: Any,
    ) -> Message:
        payload: dict[str, Any] = {
            "message_id": message_id or self.next_message(chat.id),
            "date": DATE,
            "chat": chat,
            **body,
            **extra,
        }
        if sender is not None:
            payload["from_user"] = sender
        if sender_chat is not None:
            payload["sender_chat"] = sender_chat
        if thread_id is not None:
            payload["message_thread_id"] = thread_id
            payload["is_topic_message"] = True
        if reply_to is not None:
            payload["reply_to_message"] = Message(message_id=reply_to, date=DATE, chat=chat)
        return Message.model_validate(payload)


def private(user: User) -> Chat:
    return Chat(id=user.id, type="private", first_name=user.first_name)


def group(chat_id: int) -> Chat:
    if chat_id == BASIC_GROUP:
        return Chat(id=chat_id, type="group", title="Neighbours")
    forum = chat_id in (CENTRAL, EAST, PARTNER, UNKNOWN_GROUP)
    return Chat(id=chat_id, type="supergroup", title="Some <group>", is_forum=forum or None)


def callback_data(world: World) -> st.SearchStrategy[str]:
    """Real buttons with real and unreal ids, forged strings, and garbage."""
    ids = st.one_of(
        st.sampled_from(world.case_ids or [1]),
        st.sampled_from(world.referral_ids or [1]),
        st.sampled_from(world.delivery_ids or [1]),
        st.integers(1, 50),
    )
    score = st.integers(1, 5)
    packed = st.one_of(
        st.builds(lambda c, s: RateCb(case_id=c, stars=s).pack(), ids, score),
        st.builds(lambda c: PickCaseCb(case_id=c).pack(), ids),
        st.builds(lambda c: SolvedCb(case_id=c).pack(), ids),
        st.builds(lambda c, b: SolvedSureCb(case_id=c, yes=b).pack(), ids, st.booleans()),
        st.builds(lambda r, b: ReferralCb(referral_id=r, agree=b).pack(), ids, st.booleans()),
        st.builds(
            lambda r, e: ReferralWithCb(referral_id=r, extra=e).pack(), ids, st.integers(0, 3)
        ),
        st.builds(
            lambda d, a: AlertCb(delivery_id=d, action=a).pack(),
            ids,
            st.sampled_from(["info", "useful", "not_useful"]),
        ),
        st.builds(lambda c, b: BanCb(case_id=c, yes=b).pack(), ids, st.booleans()),
        st.builds(lambda c, b: TakeOverCb(case_id=c, yes=b).pack(), ids, st.booleans()),
        st.builds(
            lambda c, m, d: MoveCb(case_id=c, move=m, desk=d).pack(),
            ids,
            st.sampled_from(list(Move)),
            st.sampled_from(["east", "central", "housing", "nowhere"]),
        ),
        st.builds(lambda b: SensitiveCb(send=b).pack(), st.booleans()),
        st.builds(lambda c: LanguageCb(code=c).pack(), st.sampled_from(["en", "nl", "ar", "xx"])),
        st.just(ConsentCb().pack()),
        st.builds(
            lambda c, b: SwitchLanguageCb(code=c, switch=b).pack(),
            st.sampled_from(["nl", "ar", "zz"]),
            st.booleans(),
        ),
        st.builds(
            lambda a, v: ReportCb(action=a, value=v).pack(),
            st.sampled_from(list(WizardAction)),
            st.sampled_from(WIZARD_VALUES),
        ),
        st.builds(
            lambda s, v, n: PickCb(step=s, value=v, number=n).pack(),
            st.sampled_from(list(AnnounceStep)),
            st.sampled_from([*(p.value for p in Pick), "centre", "east", "urgent", "now", "x"]),
            st.integers(0, 5),
        ),
        st.builds(
            lambda q, s: PulseCb(question=q, score=s).pack(),
            st.sampled_from(["safety", "police"]),
            score,
        ),
        st.builds(
            lambda c, m: StatsCb(choice=c, month=m).pack(),
            st.sampled_from(list(StatsChoice)),
            st.sampled_from([0, 202602, 202603, 202613, 190001, 999999]),
        ),
        st.sampled_from(["sub:area:centre", "sub:topic:traffic", "sub:pulse:x", "alerts:stop"]),
    )
    forged = st.one_of(
        st.sampled_from(
            [
                "rate:1:6",
                "rate:-1:3",
                "rate:" + "9" * 30 + ":1",
                "pick:" + str(2**31),
                "ann:cancel::" + "9" * 25,
                "pulse:safety:6",
                "stats:month:202613",
                "unknown:1",
                "::::",
                "x" * 64,
            ]
        ),
        st.text(CHARACTERS, min_size=1, max_size=20).map(
            lambda t: t.encode()[:64].decode(errors="ignore") or "x"
        ),
    )
    return st.one_of(packed, packed, forged)


def updates(world: World, builder: Builder) -> st.SearchStrategy[Item]:
    """Any one update (or album, or timer tick) in `world`."""
    residents = st.sampled_from(
        [
            *world.residents * 3,  # mostly residents with cases, sometimes a newcomer
            User(id=5001, is_bot=False, first_name="New <b>", language_code="ar"),
            User(id=5002, is_bot=False, first_name="\u202eRTL", language_code="zz-XX"),
        ]
    )
    staff = st.sampled_from(
        [
            *world.staff,
            User(id=951, is_bot=False, first_name="Member"),
            User(id=952, is_bot=True, first_name="OtherBot", username="other_bot"),
        ]
    )
    desk_chats = st.sampled_from([CENTRAL, EAST, PARTNER])
    any_group = st.sampled_from(
        [CENTRAL, EAST, PARTNER, COORDINATORS, COORDINATORS, UNKNOWN_GROUP, BASIC_GROUP]
    )

    def topic(chat_id: int) -> st.SearchStrategy[int | None]:
        known = world.threads.get(chat_id, [])
        return st.one_of(
            st.sampled_from(known) if known else st.none(),
            st.sampled_from(known) if known else st.none(),
            st.none(),
            st.integers(1, 3),
        )

    reply = st.one_of(st.none(), st.integers(1, 60))

    @st.composite
    def resident_message(draw: st.DrawFn) -> Update:
        user = draw(residents)
        message = builder.message(private(user), user, draw(content()), reply_to=draw(reply))
        return Update(update_id=builder.next_update(), message=message)

    @st.composite
    def group_message(draw: st.DrawFn) -> Update:
        chat_id = draw(st.one_of(desk_chats, desk_chats, any_group))
        chat = group(chat_id)
        thread = draw(topic(chat_id)) if chat.is_forum else None
        as_group = draw(st.integers(0, 9)) == 0
        sender = None if as_group else draw(staff)
        message = builder.message(
            chat,
            sender,
            draw(content()),
            thread_id=thread,
            reply_to=draw(reply),
            sender_chat=chat if as_group else None,
        )
        return Update(update_id=builder.next_update(), message=message)

    @st.composite
    def edit(draw: st.DrawFn) -> Update:
        if draw(st.booleans()):
            user = draw(residents)
            chat, sender, thread = private(user), user, None
        else:
            chat_id = draw(desk_chats)
            chat, sender = group(chat_id), draw(staff)
            thread = draw(topic(chat_id))
        # The world's messages, or one of the random ones before it (ids from 5,001 on).
        message_id = draw(st.one_of(st.integers(1, 40), st.integers(5_001, 5_200)))
        message = builder.message(
            chat,
            sender,
            draw(content(commands=False)),
            thread_id=thread,
            message_id=message_id,
            edit_date=1_772_700_500,
        )
        return Update(update_id=builder.next_update(), edited_message=message)

    @st.composite
    def album(draw: st.DrawFn) -> Album:
        size = draw(st.integers(2, 4))
        group_id = f"album-{builder.update_id}"
        kinds = draw(
            st.sampled_from(
                [["photo"] * size, ["photo", "video"] * 2, ["document"] * size, ["audio"] * size]
            )
        )[:size]
        if draw(st.booleans()):
            user = draw(residents)
            chat, sender, thread = private(user), user, None
        else:
            chat_id = draw(desk_chats)
            chat, sender = group(chat_id), draw(staff)
            thread = draw(topic(chat_id))
        items = []
        for kind in kinds:
            body = dict(draw(MEDIA[kind]))
            caption = draw(captions)
            if caption is not None:
                body["caption"] = caption
                body["caption_entities"] = draw(entities_for(caption))
            message = builder.message(
                chat, sender, body, thread_id=thread, media_group_id=group_id
            )
            items.append(Update(update_id=builder.next_update(), message=message))
        return Album(items)

    @st.composite
    def button(draw: st.DrawFn) -> Update:
        where = draw(st.sampled_from(["private", "private", "group", "inline"]))
        data = draw(callback_data(world))
        if where == "private":
            user = draw(residents)
            chat: Chat | None = private(user)
        else:
            user = draw(staff)
            chat = group(draw(any_group)) if where == "group" else None
        origin = (
            Message(
                message_id=draw(st.integers(1, 60)),
                date=DATE,
                chat=chat,
                from_user=User.model_validate(BOT_USER),
                text="…",
            )
            if chat is not None
            else None
        )
        query = CallbackQuery(
            id=str(builder.next_update()),
            from_user=user,
            chat_instance="ci",
            data=data,
            message=origin,
            inline_message_id=None if origin is not None else "inline-1",
        )
        return Update(update_id=builder.next_update(), callback_query=query)

    @st.composite
    def membership(draw: st.DrawFn) -> Update:
        chat = group(draw(any_group))
        person = draw(st.one_of(staff, residents, st.just(User.model_validate(BOT_USER))))
        statuses = ["left", "kicked", "member", "administrator", "restricted"]
        old, new = draw(st.sampled_from(statuses)), draw(st.sampled_from(statuses))
        event = ChatMemberUpdated.model_validate(
            {
                "chat": chat,
                "from": draw(staff),
                "date": DATE,
                "old_chat_member": _member(person, old),
                "new_chat_member": _member(person, new),
            }
        )
        mine = person.id == BOT_USER["id"]
        update_id = builder.next_update()
        if mine:
            return Update(update_id=update_id, my_chat_member=event)
        return Update(update_id=update_id, chat_member=event)

    @st.composite
    def reaction(draw: st.DrawFn) -> Update:
        if draw(st.booleans()):
            user = draw(residents)
            chat = private(user)
        else:
            user, chat = draw(staff), group(draw(any_group))
        event = MessageReactionUpdated.model_validate(
            {
                "chat": chat,
                "message_id": draw(st.integers(1, 60)),
                "user": user,
                "date": DATE,
                "old_reaction": [],
                "new_reaction": [{"type": "emoji", "emoji": draw(st.sampled_from(["👍", "💔"]))}],
            }
        )
        return Update(update_id=builder.next_update(), message_reaction=event)

    return st.one_of(
        resident_message(),
        resident_message(),
        resident_message(),
        group_message(),
        group_message(),
        group_message(),
        edit(),
        button(),
        button(),
        album(),
        membership(),
        reaction(),
        st.just(Tick()),
    )


def _member(user: User, status: str) -> dict[str, Any]:
    if status == "administrator":
        return {**administrator(user.id, can_manage_topics=False), "user": user}
    member: dict[str, Any] = {"status": status, "user": user}
    if status == "kicked":
        member["until_date"] = 0
    if status == "restricted":
        rights = [
            name
            for name, info in ChatMemberRestricted.model_fields.items()
            if info.is_required() and name.startswith(("can_", "is_"))
        ]
        member.update(dict.fromkeys(rights, True), until_date=0)
    return member
