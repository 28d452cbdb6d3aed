"""Moving messages between a citizen's private chat and the case topic in a desk's supergroup.

Everything here writes to the outbox; nothing waits for Telegram (the courier sends after the
update's transaction commits). Identified and confidential cases are relayed with
copyMessage(s), which never shows a "forwarded from" header. Anonymous cases are re-sent from
their content (text, file ids, coordinates), so no request to a staff chat even names the
citizen's chat. Messages `into_topic` reach the case's current topic; the courier creates it,
with the case card, when the case has none (or staff deleted it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from aiogram.enums import ContentType
from aiogram.methods import (
    CloseForumTopic,
    CopyMessage,
    CopyMessages,
    ReopenForumTopic,
    SendLocation,
    SendMessage,
    SetMessageReaction,
)
from aiogram.types import (
    InlineKeyboardMarkup,
    Message,
    ReactionTypeEmoji,
    ReplyKeyboardMarkup,
)
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.language.identifier import LanguageIdentifier
from bot.kinds import Privacy
from bot.network.schema import Network
from bot.telegram.outbox import Outbox
from bot.ui.dates import time_of_day
from bot.ui.i18n import _, speaking
from bot.ui.long_text import (
    TELEGRAM_CAPTION_LIMIT,
    TELEGRAM_TEXT_LIMIT,
    shown_length,
    split_text,
    telegram_length,
)
from bot.ui.mentions import flattened_html, mentions_a_person
from bot.ui.texts import quote, resident_label
from bot.workflows.anonymous import Composed, Outgoing, media_group, resend, resend_all
from storage.models import Case, CaseMessage, Citizen, Referral
from storage.outbox import Outboxes

# What can be carried from a citizen to a desk and back.
RELAYABLE = frozenset(
    {
        ContentType.TEXT,
        ContentType.PHOTO,
        ContentType.VIDEO,
        ContentType.VOICE,
        ContentType.AUDIO,
        ContentType.DOCUMENT,
        ContentType.ANIMATION,
        ContentType.VIDEO_NOTE,
        ContentType.LOCATION,
        ContentType.VENUE,
        ContentType.CONTACT,
        ContentType.STICKER,
    }
)
CAPTIONED = frozenset(
    {
        ContentType.PHOTO,
        ContentType.VIDEO,
        ContentType.AUDIO,
        ContentType.DOCUMENT,
        ContentType.ANIMATION,
        ContentType.VOICE,
    }
)
DELIVERED = "👍"
UNDELIVERED = "💔"

# Effects the courier runs once Telegram answered (see bot.workflows.effects).
TO_DESK = "to_desk"
TO_CITIZEN = "to_citizen"
TO_RESIDENT = "to_resident"
SYSTEM_RECORD = "system_record"

OPEN_TOPIC = "openTopic"
REFRESH_CARD = "refreshCard"


def kind_and_file(message: Message) -> tuple[str, str | None]:
    """The message's kind (e.g. "photo") and the Telegram file id of its media, if any."""
    kind = ContentType(message.content_type).value
    media = getattr(message, kind, None)
    if isinstance(media, list) and media:  # photos come in several sizes; keep the largest
        media = media[-1]
    return kind, getattr(media, "file_id", None)


@dataclass
class Relay:
    """The Telegram side of a case for one transaction: queues messages, never sends them."""

    session: AsyncSession
    outbox: Outbox
    i18n: I18n
    network: Network
    langid: LanguageIdentifier | None = None

    def staff_language(self) -> AbstractContextManager[None]:
        """Texts for staff chats, also outside an update (e.g. from a timer)."""
        return speaking(self.i18n, self.network.default_language)

    # -- the topic -------------------------------------------------------------------------
    def open_topic(self, case: Case) -> None:
        """Make sure the case has its topic and card (the courier creates them if missing)."""
        self.outbox.compose(OPEN_TOPIC, case.staff_chat_id, {}, case=case, into_topic=True)

    async def refresh_card(self, case: Case) -> None:
        """Show the case's current state in the topic title and on the card (once queued)."""
        if await Outboxes(self.session).pending_for_case(case.id, f"beatline.{REFRESH_CARD}"):
            return  # the waiting refresh reads the case when it is sent
        self.outbox.compose(REFRESH_CARD, case.staff_chat_id, {}, case=case, into_topic=True)

    def reopen_topic(self, case: Case) -> None:
        if case.thread_id is not None:
            self.outbox.send(
                ReopenForumTopic(chat_id=case.staff_chat_id, message_thread_id=case.thread_id),
                case=case,
                into_topic=True,
            )

    def note(self, case: Case, text: str) -> None:
        """A system line in the case topic (already translated and escaped)."""
        self.outbox.send(
            SendMessage(chat_id=case.staff_chat_id, text=text), case=case, into_topic=True
        )

    def note_in_closed(self, case: Case, text: str) -> None:
        """A system line for a closed case's topic: reopened for it, then closed again, since a
        closed topic takes messages only from administrators allowed to manage topics."""
        if case.thread_id is None:
            self.note(case, text)
            return
        self.reopen_topic(case)
        self.note(case, text)
        self.outbox.send(
            CloseForumTopic(chat_id=case.staff_chat_id, message_thread_id=case.thread_id),
            case=case,
            into_topic=True,
        )

    # -- citizen → desk --------------------------------------------------------------------
    def to_topic(
        self,
        case: Case,
        citizen: Citizen,
        messages: Sequence[Message],
        records: Sequence[CaseMessage],
        react_to: bool = False,
    ) -> None:
        """Relay one message or one album into the case topic, headed by who wrote it
        ("👤 Resident C-7F3A-…" for an anonymous case); `records` get their copies' ids."""
        data: dict[str, Any] = {"records": [r.id for r in records]}
        if react_to:
            data["react"] = [messages[0].chat.id, messages[0].message_id]
        with self.staff_language():
            who = resident_label(case, citizen)
        heading, outgoing = self._headed(case, messages, who, case.staff_chat_id)
        if heading is not None:
            self._to_topic(case, heading)
        first, *rest = outgoing
        message = messages[0]
        if message.text is not None and len(messages) == 1 and not rest:
            merged = flattened_html(message)  # stands in for the copy, and for a re-send
            data["merge"] = {"head": f"{who} · {self._time(message)}", "html": merged}
        self._to_topic(case, first, effect=TO_DESK, data=data)
        for item in rest:  # no map or reaction of their own, but a refusal is told all the same
            self._to_topic(case, item, effect=TO_DESK, data={"records": []})

    def _headed(
        self, case: Case, messages: Sequence[Message], who: str, chat: int
    ) -> tuple[SendMessage | None, list[Outgoing]]:
        """A resident's message or album for a staff chat, headed by `who`: the header goes in
        the words where there are any, else first on its own (albums, stickers, places)."""
        [message, *more] = messages
        if more or (message.text is None and message.content_type not in CAPTIONED):
            items = (
                resend_all(chat, messages, case.ref)
                if case.privacy == Privacy.ANONYMOUS
                else self._copy(chat, messages)
            )
            return SendMessage(chat_id=chat, text=who), items
        if case.privacy == Privacy.ANONYMOUS:
            return None, resend(chat, message, case.ref, header=who)
        if message.text is not None:
            words = split_text(f"{who}\n{message.html_text}")
            return None, [SendMessage(chat_id=chat, text=piece) for piece in words]
        return None, self._copy(chat, messages, who)

    def to_partner(self, case: Case, referral: Referral, messages: Sequence[Message]) -> None:
        """The resident's answer to a partner, into the partner's topic, headed "👤 The
        resident" (no name: the partner sees what the referral let them see). A file of an
        anonymous case stays with the police, and the partner reads that it does."""
        chat, thread = referral.partner_chat_id, referral.thread_id
        if chat is None:
            return
        with self.staff_language():
            who = quote(_("👤 The resident"))
            kept = _("📎 The resident also sent a file; the police have it.")
        heading, outgoing = self._headed(case, messages, who, chat)
        for item in [*([heading] if heading else []), *outgoing]:
            method = SendMessage(chat_id=chat, text=kept) if isinstance(item, Composed) else item
            self.outbox.send(method.model_copy(update={"message_thread_id": thread}), case=case)

    def _to_topic(
        self,
        case: Case,
        item: Outgoing,
        effect: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        if isinstance(item, Composed):
            self.outbox.compose(
                item.name,
                case.staff_chat_id,
                item.payload,
                case=case,
                into_topic=True,
                effect=effect,
                data=data,
            )
        else:
            self.outbox.send(item, case=case, into_topic=True, effect=effect, data=data)

    def location_to_topic(self, case: Case, latitude: float, longitude: float) -> None:
        self.outbox.send(
            SendLocation(chat_id=case.staff_chat_id, latitude=latitude, longitude=longitude),
            case=case,
            into_topic=True,
        )

    def _time(self, message: Message) -> str:
        """When `message` was sent, as the staff language writes a time of day."""
        return time_of_day(message.date, self.network.zone, self.network.default_language)

    def _copy(
        self,
        chat_id: int,
        messages: Sequence[Message],
        header: str = "",
        render: Render | None = None,
    ) -> list[Any]:
        """Copies of one message or album. A single message's caption is headed by `header`;
        with `render`, it is always given anew as `render` writes it (see `_caption`)."""
        source = messages[0].chat.id
        if len(messages) > 1:
            return [
                CopyMessages(
                    chat_id=chat_id,
                    from_chat_id=source,
                    message_ids=[m.message_id for m in messages],
                )
            ]
        [message] = messages
        caption, overflow = _caption(message, header, render)
        copy = CopyMessage(
            chat_id=chat_id, from_chat_id=source, message_id=message.message_id, caption=caption
        )
        return [copy, *(SendMessage(chat_id=chat_id, text=piece) for piece in overflow)]

    # -- desk → citizen --------------------------------------------------------------------
    def _album_to_resident(self, chat_id: int, messages: Sequence[Message]) -> list[Any]:
        """A staff album, copied as it is unless a caption links to someone's account: then
        it is sent again by file id with those links flattened (see bot.ui.mentions)."""
        if not any(mentions_a_person(m) for m in messages):
            return self._copy(chat_id, messages)
        group = media_group(chat_id, messages, flattened_html)
        if group is not None:
            return group
        return [call for m in messages for call in self._copy(chat_id, [m], "", flattened_html)]

    def to_citizen(
        self,
        case: Case,
        citizen: Citizen,
        messages: Sequence[Message],
        records: Sequence[CaseMessage],
        header: str | None = None,
    ) -> None:
        """Deliver staff messages to the citizen as the bot, headed by who speaks (the police,
        never an officer's name, or a partner) and the case reference."""
        header = header or self.police_header(case, citizen)
        source = messages[0]
        data = {
            "records": [r.id for r in records],
            "sources": [[m.chat.id, m.message_id] for m in messages],
            "thread": source.message_thread_id,
            "citizen_id": citizen.id,
        }
        methods: list[Any]
        if len(messages) > 1:
            methods = [
                SendMessage(chat_id=citizen.chat_id, text=header),
                *self._album_to_resident(citizen.chat_id, messages),
            ]
            data["records_at"] = 1
        elif source.text is not None:
            room = TELEGRAM_TEXT_LIMIT - len(header) - 1  # tags counted too: to spare
            pieces = split_text(flattened_html(source), room)
            methods = [
                SendMessage(
                    chat_id=citizen.chat_id, text=f"{header}\n{piece}" if i == 0 else piece
                )
                for i, piece in enumerate(pieces)
            ]
        else:
            methods = self._copy(citizen.chat_id, messages, header, flattened_html)
        # Only the message that carries the words records the map and gets the reaction; a
        # refusal of any part is shown to staff all the same.
        carrier = data.pop("records_at", 0)
        for index, method in enumerate(methods):
            self.outbox.send(
                method,
                case=case,
                effect=TO_CITIZEN,
                data=data if index == carrier else {**data, "records": [], "quiet": True},
            )

    def police_header(self, case: Case, citizen: Citizen) -> str:
        """ "👮 Police · BL-26-00001" in the resident's language."""
        with self.i18n.use_locale(citizen.language or self.i18n.default_locale):
            label = _("👮 Police")
        return f"<b>{quote(label)}</b> · {quote(case.ref)}"

    def tell_citizen(
        self,
        citizen: Citizen,
        text: str,
        markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = None,
        case: Case | None = None,
    ) -> None:
        """A message from Beatline itself; a 403 marks the citizen as having blocked the bot."""
        self.outbox.send(
            SendMessage(chat_id=citizen.chat_id, text=text, reply_markup=markup),
            case=case,
            effect=TO_RESIDENT,
            data={"citizen_id": citizen.id},
        )

    def react(self, chat_id: int, message_id: int, emoji: str) -> None:
        self.outbox.send(
            SetMessageReaction(
                chat_id=chat_id, message_id=message_id, reaction=[ReactionTypeEmoji(emoji=emoji)]
            )
        )


Render = Callable[[Message], str]


def _caption(message: Message, header: str, render: Render | None) -> tuple[str | None, list[str]]:
    """The caption to use (None keeps the original, entities and all) and text to send after
    the media. Without a header or `render`, the original caption is kept when it fits."""
    if message.content_type not in CAPTIONED:
        return None, []
    body = message.caption or ""
    if telegram_length(body) + shown_length(header) + 1 <= TELEGRAM_CAPTION_LIMIT:
        if not header and render is None:
            return None, []
        words = (render or html_of)(message) if body else ""
        return "\n".join(part for part in (header, words) if part), []
    # Too long for a caption: the media goes bare (or with the header) and the words follow.
    return header, split_text(quote(body)) if body else []


def html_of(message: Message) -> str:
    return message.html_text
