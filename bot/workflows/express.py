"""The express lane: a resident's plain follow-up in one transaction on the database driver.

Once a case is open, nearly everything a resident sends is a plain follow-up: a text in the
private chat to their one open case. The full path for it (aiogram's routers and about twenty
filter checks, a SQLAlchemy session, six statements through the ORM) cost about 2.9 ms of
Python; the work itself is a handful of statements and two rows. This lane does exactly what
the full path does for such a message (handlers.resident.followups.on_followup, with one open
named case: the same record, the same outbox rows from the same relay code, the same follow-up
limit and language offer) in one transaction on the driver (storage.express).

It takes only what it is sure of, and decides that before it changes anything; everything else
goes the full path, unchanged:

- the message: a text (no command, no button label of any language, no emergency words, not a
  reply, quote, forward or album) in a private chat;
- the conversation: no wizard step, no question pending (state data other than the language
  offer's counts);
- the resident: known, consented, speaking a language the bot has, with nothing to update
  (name, chat, the day last seen), without anonymous cases, and no ban standing that names them
  (or any kept sealed);
- the case: exactly one open case, named or confidential, whose desk is on duty.

Anonymous cases never take this lane: their rows are sealed, which takes the session's key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.types import Message, Update
from aiogram.utils.i18n import I18n

from bot.clock import Clock
from bot.domain.citizens import Profile, changes
from bot.domain.conversation import message_row
from bot.domain.followup_limit import FollowupLimit
from bot.domain.language.identifier import LanguageIdentifier
from bot.domain.triage import EmergencyDetector
from bot.kinds import Direction, Privacy
from bot.network.schema import Network
from bot.telegram.outbox import Outbox
from bot.workflows.casework import crossing, detected_language, off_duty
from bot.workflows.followups import held_text, verdict_hold
from bot.workflows.language_offer import DECLINED_LANGUAGES, FOREIGN_STREAK, maybe_offer
from bot.workflows.relay import Relay
from storage.express import ExpressRows, Unit
from storage.express_read import Found
from storage.models import Case, Citizen
from storage.sealing import Sealer

# Conversation data a plain follow-up may find (the language offer's own counts).
PLAIN_DATA = frozenset({FOREIGN_STREAK, DECLINED_LANGUAGES})
OPENED_KEPT = 10_000  # sealed lists whose opening is remembered


@dataclass
class Express:
    """Plain follow-ups, handled on the driver; None from `handle` means "the full path"."""

    rows: ExpressRows
    i18n: I18n
    network: Network
    clock: Clock
    detector: EmergencyDetector
    followup_limit: FollowupLimit
    sealer: Sealer | None
    langid: LanguageIdentifier | None
    labels: frozenset[str]  # every button label in every language (handlers.filters)
    _opened: dict[tuple[int, str], bool] = field(default_factory=dict, init=False)

    def plain(self, update: Update) -> Message | None:
        """The update's message if it is a plain text in a private chat (cheap checks only)."""
        message = update.message
        if message is None or message.chat.type != "private" or message.text is None:
            return None
        user = message.from_user
        if user is None or user.is_bot or message.text.startswith("/"):
            return None
        if message.text in self.labels or _not_plain(message):
            return None
        if self.detector.matches(message.text):  # what EmergencyMiddleware answers
            return None
        return message

    async def handle(
        self, update: Update, message: Message, bot: Bot, state: FSMContext
    ) -> Outbox | None:
        """Handle `message` and commit; its outbox (for the calls made after the commit), or
        None, with nothing changed, when it is not a plain follow-up after all."""
        if await state.get_state() is not None:
            return None
        if not set(await state.get_data()) <= PLAIN_DATA:
            return None
        user, now = message.from_user, self.clock.now()
        assert user is not None  # `plain` saw to it
        async with self.rows.unit() as unit:
            found = await unit.read(update.update_id, user.id, now)
            plain = None if found is None else self._plain_case(found, message, now)
            if plain is None:
                return None
            citizen, case = plain
            outbox = Outbox(None, bot, self.clock)
            relay = Relay(None, outbox, self.i18n, self.network, self.langid)
            with self.i18n.context(), self.i18n.use_locale(citizen.language or ""):
                await self._followup(unit, relay, citizen, case, message, state)
            if not await unit.write(outbox.rows):
                # Handled before after all: the full path says so in the log. (On PostgreSQL
                # a redelivery racing the first delivery in another process gets this far and
                # has taken a follow-up of the limit; the general route would not have.)
                return None
        return outbox

    def _plain_case(
        self, found: Found, message: Message, now: datetime
    ) -> tuple[Citizen, Case] | None:
        """The resident and their one open case, when both are plain (see the module)."""
        citizen = found.citizen
        if found.banned or citizen.consent_at is None:
            return None
        if citizen.language not in self.i18n.available_locales:
            return None
        assert message.from_user is not None
        profile = Profile.of(message.from_user, message.chat)
        if changes(citizen, profile, now) or self._has_anonymous_cases(citizen):
            return None
        if len(found.cases) != 1:
            return None
        [case] = found.cases
        if case.privacy == Privacy.ANONYMOUS or off_duty(self.network, case, now) is not None:
            return None
        return citizen, case

    def _has_anonymous_cases(self, citizen: Citizen) -> bool:
        """Whether the resident's sealed list names any case (opened once per sealed value:
        every change of the list seals it anew, so a value stands for one content)."""
        sealed = citizen.sealed_cases
        if sealed is None:
            return False
        if self.sealer is None:
            return True  # cannot tell without the key: the full path says why
        key = (citizen.id, sealed)
        known = self._opened.get(key)
        if known is None:
            known = bool(self.sealer.unseal_case_ids(sealed, citizen.id))
            if len(self._opened) >= OPENED_KEPT:
                self._opened.clear()
            self._opened[key] = known
        return known

    async def _followup(
        self,
        unit: Unit,
        relay: Relay,
        citizen: Citizen,
        case: Case,
        message: Message,
        state: FSMContext,
    ) -> None:
        """on_followup → deliver → relay_from_citizen for this one message and case (no
        emergency words to escalate, the desk on duty, no partner replied to)."""
        now = self.clock.now()
        limit = self.network.limits.followups_per_minute
        reason = verdict_hold(await self.followup_limit.take(citizen.id, limit, now))
        if reason is not None:
            text = held_text(reason, self.network)
            if text:
                relay.outbox.send(message.reply(text))
            return
        language = detected_language(relay, message, citizen)
        kept = crossing(message, Direction.CITIZEN, None, None, language)
        record = await unit.add_message(message_row(case, kept, now))
        relay.to_topic(case, citizen, [message], [record], react_to=True)
        await maybe_offer([language] if language else [], citizen, state, relay)


def _not_plain(message: Message) -> bool:
    """Anything that makes a text more than a plain follow-up to the resident's case."""
    extra: tuple[Any, ...] = (
        message.media_group_id,
        message.reply_to_message,
        message.quote,
        message.external_reply,
        message.forward_origin,
        message.via_bot,
        message.sender_chat,
    )
    return any(value is not None for value in extra)
