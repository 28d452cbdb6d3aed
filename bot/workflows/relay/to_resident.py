"""Desk → citizen: staff messages delivered to the resident as the bot, headed by who speaks (the
police, never an officer's name, or a partner), and Beatline's own messages and reactions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiogram.methods import SendMessage, SetMessageReaction, TelegramMethod
from aiogram.types import InlineKeyboardMarkup, Message, ReactionTypeEmoji, ReplyKeyboardMarkup

from bot.ui.i18n import _
from bot.ui.long_text import TELEGRAM_TEXT_LIMIT, split_text
from bot.ui.mentions import flattened_html
from bot.ui.texts import quote
from bot.workflows.media import album_for_resident, copies
from bot.workflows.relay.base import TO_CITIZEN, TO_RESIDENT, RelayBase
from storage.models import Case, Citizen


class ToResident(RelayBase):
    """The relay from staff (and from Beatline itself) to the resident."""

    def to_citizen(
        self,
        case: Case,
        citizen: Citizen,
        messages: Sequence[Message],
        records: Sequence[int],
        header: str | None = None,
    ) -> None:
        """Deliver staff messages to the citizen as the bot, headed by who speaks (the police,
        never an officer's name, or a partner) and the case reference."""
        header = header or self.police_header(case, citizen)
        source = messages[0]
        data = {
            "records": list(records),
            "sources": [[m.chat.id, m.message_id] for m in messages],
            "thread": source.message_thread_id,
            "citizen_id": citizen.id,
        }
        methods: list[Any]
        if len(messages) > 1:
            methods = [
                SendMessage(chat_id=citizen.chat_id, text=header),
                *album_for_resident(citizen.chat_id, messages),
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
            methods = copies(citizen.chat_id, messages, header, flattened_html)
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
        message = SendMessage(chat_id=citizen.chat_id, text=text, reply_markup=markup)
        self.send_to_citizen(citizen, message, case)

    def send_to_citizen(
        self, citizen: Citizen, method: TelegramMethod[Any], case: Case | None = None
    ) -> None:
        """Any call of Beatline's own into the citizen's chat, recorded as `tell_citizen`."""
        self.outbox.send(method, case=case, effect=TO_RESIDENT, data={"citizen_id": citizen.id})

    def react(self, chat_id: int, message_id: int, emoji: str) -> None:
        self.outbox.send(
            SetMessageReaction(
                chat_id=chat_id, message_id=message_id, reaction=[ReactionTypeEmoji(emoji=emoji)]
            )
        )
