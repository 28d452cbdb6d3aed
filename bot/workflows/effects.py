"""What each kind of message changes once Telegram answered: the courier calls these in the
transaction that records the result, so the relayed-message map, reactions and "not delivered"
notes are written exactly when the outcome is known."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiogram.methods import SendMessage, SetMessageReaction
from aiogram.types import ReactionTypeEmoji, ReplyParameters
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.domain.citizens import resident_of_case
from bot.domain.conversation import Crossing, record_message, resident_side
from bot.kinds import Direction
from bot.network.schema import Network
from bot.telegram.letters import Effect, Failed, Sent
from bot.telegram.outbox import Outbox
from bot.ui.i18n import _, speaking
from bot.ui.texts import fmt
from bot.workflows.relay import (
    DELIVERED,
    SYSTEM_RECORD,
    TO_CITIZEN,
    TO_DESK,
    TO_RESIDENT,
    UNDELIVERED,
)
from storage.cases import Cases
from storage.citizens import Citizens
from storage.messages import map_copy
from storage.models import Case, OutboxMessage
from storage.seals import Seals

logger = logging.getLogger(__name__)

NOT_MODIFIED = "message is not modified"


def _data(row: OutboxMessage) -> dict[str, Any]:
    return row.effect_data or {}


async def _case(session: AsyncSession, row: OutboxMessage) -> Case | None:
    return await Cases(session).by_id(row.case_id) if row.case_id is not None else None


async def _map_copies(sent: Sent, records: Sequence[int]) -> None:
    """Each record learns where its copy landed (an album: one copy per record); a copy in an
    anonymous resident's chat is recorded under its blind id, its message id masked. The cases
    were read for the whole batch (`_Relayed.prepare`); the records are written at the
    commit, all in one statement (`map_copy`)."""
    session, chat_id, message_ids = sent.session, sent.chat_id, sent.message_ids
    if not message_ids:
        return
    # Only a private chat's ids may need blinding (`resident_side`), so only then the case.
    case = await _case(session, sent.row) if chat_id > 0 else None
    for index, record_id in enumerate(records):
        target = message_ids[min(index, len(message_ids) - 1)]
        chat, message = (
            resident_side(session, case, chat_id, target)
            if case is not None
            else (chat_id, target)
        )
        map_copy(session, int(record_id), chat, message)


def _react(outbox: Outbox, chat_id: int, message_id: int, emoji: str) -> None:
    """👍 or 💔 on the message that was (or was not) passed on: a courtesy, not a letter."""
    outbox.courtesy(
        SetMessageReaction(
            chat_id=chat_id, message_id=message_id, reaction=[ReactionTypeEmoji(emoji=emoji)]
        )
    )


async def _mark_blocked(session: AsyncSession, citizen_id: int | None) -> None:
    if citizen_id is None:
        return
    citizen = await Citizens(session).by_id(citizen_id)
    if citizen is not None and not citizen.blocked_bot:
        citizen.blocked_bot = True
        logger.info("a resident has blocked the bot")  # never who: it may be a case's


@dataclass(frozen=True)
class _Relayed(ABC):
    """A message passed across the relay: each record learns where its copy landed, then the
    originals get 👍."""

    i18n: I18n
    network: Network

    async def prepare(self, session: AsyncSession, rows: Sequence[OutboxMessage]) -> object:
        """The cases of a whole batch, read at once for `_map_copies` (which needs a case
        only for a copy in a private chat: a lane above 0)."""
        return await Cases(session).load(
            {row.case_id for row in rows if row.case_id and row.lane > 0}
        )

    async def sent(self, sent: Sent) -> None:
        data = _data(sent.row)
        await _map_copies(sent, data.get("records", []))
        for source_chat, source_message in self._originals(data):
            _react(sent.outbox, int(source_chat), int(source_message), DELIVERED)

    @abstractmethod
    def _originals(self, data: dict[str, Any]) -> list[list[int]]:
        """The (chat, message) pairs of the originals that get 👍."""


class ToDesk(_Relayed):
    """A citizen's message copied into the case topic."""

    async def sent(self, sent: Sent) -> None:
        await super().sent(sent)
        sealed = _data(sent.row).get("react_sealed")
        case = await _case(sent.session, sent.row) if sealed else None
        if case is None:
            return
        # An anonymous case: the resident's chat is found through the seal, now.
        citizen = await resident_of_case(sent.session, case)
        if citizen is not None:
            message_id = Seals(sent.session).open_message_id(case.id, str(sealed))
            _react(sent.outbox, citizen.chat_id, message_id, DELIVERED)

    def _originals(self, data: dict[str, Any]) -> list[list[int]]:
        react = data.get("react")  # the resident sees their follow-up reached the desk
        return [react] if react else []

    async def failed(self, failed: Failed) -> None:
        """Staff learn something is missing; the citizen is asked to send it again."""
        session, outbox = failed.session, failed.outbox
        case = await _case(session, failed.row)
        if case is None:
            return
        with speaking(self.i18n, self.network.default_language):
            note = fmt(
                _("⚠️ A message from the citizen could not be shown here: {reason}"),
                reason=failed.failure.reason,
            )
        outbox.send(SendMessage(chat_id=case.staff_chat_id, text=note), case=case, into_topic=True)
        citizen = await resident_of_case(session, case)
        if citizen is None:
            return
        with speaking(self.i18n, citizen.language or self.network.default_language):
            ask = fmt(
                _(
                    "One of your messages about {ref} could not be passed on. "
                    "Please send it again."
                ),
                ref=case.ref,
            )
        outbox.send(
            SendMessage(chat_id=citizen.chat_id, text=ask),
            case=case,
            effect=TO_RESIDENT,
            data={"citizen_id": citizen.id},
        )


class ToCitizen(_Relayed):
    """A staff message delivered to the citizen: 👍 on the original, or 💔 and the reason
    (also when a further part of it, such as the rest of a long text, was refused)."""

    def _originals(self, data: dict[str, Any]) -> list[list[int]]:
        # A further part: the part that carries the words reacts.
        return [] if data.get("quiet") else list(data["sources"])

    async def failed(self, failed: Failed) -> None:
        data, failure = _data(failed.row), failed.failure
        source_chat, source_message = data["sources"][0]
        if failure.blocked:
            await _mark_blocked(failed.session, data.get("citizen_id"))
            if data.get("quiet"):  # the part that carries the words said so already
                return
        with speaking(self.i18n, self.network.default_language):
            reason = (
                _("the citizen has blocked the bot or deleted their account")
                if failure.blocked
                else fmt(_("Telegram refused it: {reason}"), reason=failure.reason)
            )
            text = _("⚠️ Not delivered: {reason}").format(reason=reason)
        _react(failed.outbox, source_chat, source_message, UNDELIVERED)
        failed.outbox.send(
            SendMessage(
                chat_id=source_chat,
                message_thread_id=data.get("thread"),
                text=text,
                reply_parameters=ReplyParameters(
                    message_id=source_message, allow_sending_without_reply=True
                ),
            )
        )


class ToResident:
    """Any message to a resident: a 403 means they blocked the bot."""

    async def sent(self, sent: Sent) -> None:
        return

    async def failed(self, failed: Failed) -> None:
        if failed.failure.blocked:
            await _mark_blocked(failed.session, _data(failed.row).get("citizen_id"))


@dataclass(frozen=True)
class SystemRecord(ToResident):
    """A message of Beatline's own in the citizen's chat that belongs to a case (the receipt),
    kept so that a reply to it lands in that case; a 403 means they blocked the bot."""

    clock: Clock

    async def sent(self, sent: Sent) -> None:
        session, message_ids = sent.session, sent.message_ids
        case = await _case(session, sent.row)
        if case is None or not message_ids:
            return
        receipt = Crossing(
            direction=Direction.SYSTEM,
            source_chat_id=sent.chat_id,
            source_message_id=message_ids[0],
            target_chat_id=None,
            target_message_id=None,
            kind="text",
            file_id=None,
            text=str(sent.row.payload.get("text", ""))[:4096],
        )
        await record_message(session, case, receipt, self.clock.now())


def case_effects(i18n: I18n, network: Network, clock: Clock) -> dict[str, Effect]:
    """The effects of case conversations, by the name their outbox rows carry."""
    return {
        TO_DESK: ToDesk(i18n, network),
        TO_CITIZEN: ToCitizen(i18n, network),
        TO_RESIDENT: ToResident(),
        SYSTEM_RECORD: SystemRecord(clock),
    }
