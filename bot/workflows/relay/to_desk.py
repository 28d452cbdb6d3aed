"""Citizen → desk: a resident's message or album into the case topic, headed by who wrote it
(copied, or re-sent from its content in an anonymous case), and a resident's answer into a
partner's referral topic."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiogram.methods import SendMessage
from aiogram.types import Message

from bot.kinds import Privacy
from bot.ui.case_card import resident_label
from bot.ui.dates import time_of_day
from bot.ui.i18n import _
from bot.ui.long_text import split_text
from bot.ui.mentions import flattened_html
from bot.ui.texts import quote
from bot.workflows.anonymous import Composed, Outgoing, resend, resend_all
from bot.workflows.media import CAPTIONED, copies
from bot.workflows.relay.base import TO_DESK
from bot.workflows.relay.topic import CaseTopic
from storage.models import Case, Citizen, Referral
from storage.seals import Seals


class ToDesk(CaseTopic):
    """The relay from the resident to the case topic and to partners."""

    def to_topic(
        self,
        case: Case,
        citizen: Citizen,
        messages: Sequence[Message],
        records: Sequence[int],
        react_to: bool = False,
    ) -> None:
        """Relay one message or one album into the case topic, headed by who wrote it
        ("👤 Resident C-7F3A-…" for an anonymous case); `records` get their copies' ids."""
        data: dict[str, Any] = {"records": list(records)}
        if react_to and case.privacy == Privacy.ANONYMOUS:
            # A desk group without rights keeps this row waiting: it names no chat, and the
            # effect finds the resident through the case's seal.
            sealed = Seals(self.transaction()).seal_message_id(case.id, messages[0].message_id)
            data["react_sealed"] = sealed
        elif react_to:
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
                else copies(chat, messages)
            )
            return SendMessage(chat_id=chat, text=who), items
        if case.privacy == Privacy.ANONYMOUS:
            return None, resend(chat, message, case.ref, header=who)
        if message.text is not None:
            words = split_text(f"{who}\n{message.html_text}")
            return None, [SendMessage(chat_id=chat, text=piece) for piece in words]
        return None, copies(chat, messages, who)

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

    def _time(self, message: Message) -> str:
        """When `message` was sent, as the staff language writes a time of day."""
        return time_of_day(message.date, self.network.zone, self.network.default_language)
