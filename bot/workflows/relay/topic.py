"""The case topic in its desk's supergroup, as the relay queues for it: opened with the case
card when missing (bot.workflows.topics creates it when sent), its card refreshed, reopened and
closed around a system line, and the lines and places put into it."""

from __future__ import annotations

from typing import Any

from aiogram.methods import CloseForumTopic, ReopenForumTopic, SendLocation, SendMessage

from bot.workflows.anonymous import Composed, Outgoing
from bot.workflows.relay.base import OPEN_TOPIC, REFRESH_CARD, RelayBase
from storage.models import Case
from storage.outbox import Outboxes


class CaseTopic(RelayBase):
    """The relay's calls into the case topic."""

    def open_topic(self, case: Case) -> None:
        """Make sure the case has its topic and card (the courier creates them if missing)."""
        self.outbox.compose(OPEN_TOPIC, case.staff_chat_id, {}, case=case, into_topic=True)

    async def refresh_card(self, case: Case) -> None:
        """Show the case's current state in the topic title and on the card (once queued)."""
        waiting = Outboxes(self.transaction())
        if await waiting.pending_for_case(case.id, f"beatline.{REFRESH_CARD}"):
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

    def location_to_topic(self, case: Case, latitude: float, longitude: float) -> None:
        self.outbox.send(
            SendLocation(chat_id=case.staff_chat_id, latitude=latitude, longitude=longitude),
            case=case,
            into_topic=True,
        )

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
