"""The dispatcher's middlewares: metrics, albums gathered, the citizen, their language, the
relay, and the emergency check before any router (one transaction and outbox per update:
handlers.transaction)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.fsm.context import FSMContext
from aiogram.types import Chat, Message, TelegramObject, Update, User
from aiogram.utils.i18n import I18n, I18nMiddleware
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.domain.citizens import Profile, touch
from bot.domain.language.identifier import LanguageIdentifier
from bot.domain.triage import EmergencyDetector
from bot.logcontext import current_update_id
from bot.metrics import Metrics
from bot.network.schema import Network
from bot.telegram.outbox import Outbox
from bot.ui.i18n import supported
from bot.workflows.casework import emergency_advice
from bot.workflows.relay import Relay
from storage.citizens import Citizens
from storage.models import Citizen

logger = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class UpdateMetrics(BaseMiddleware):
    """Counts updates by what became of them, and how long handling took (outermost); log
    lines written meanwhile carry the update's id (JSON logs)."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        started = time.perf_counter()
        result = "error"
        token = current_update_id.set(event.update_id if isinstance(event, Update) else None)
        try:
            outcome = await handler(event, data)
            result = "unhandled" if outcome is UNHANDLED else "handled"
            return outcome
        finally:
            kind = _update_type(event)
            self.metrics.count(
                "updates", "Updates received, per type and result", kind=kind, result=result
            )
            self.metrics.observe(
                "update_seconds",
                "Time from receiving an update to its commit",
                time.perf_counter() - started,
            )
            current_update_id.reset(token)


def _update_type(event: TelegramObject) -> str:
    if not isinstance(event, Update):
        return type(event).__name__
    try:
        return event.event_type
    except LookupError:  # a type newer than this aiogram knows
        return "other"


class CitizenMiddleware(BaseMiddleware):
    """Puts the known citizen of a private chat into `data["citizen"]` (None if unknown)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        chat: Chat | None = data.get("event_chat")
        user: User | None = data.get("event_from_user")
        data["citizen"] = None
        if chat is not None and chat.type == "private" and user is not None and not user.is_bot:
            session: AsyncSession = data["session"]
            citizen = await Citizens(session).by_telegram_id(user.id)
            if citizen is not None:
                touch(citizen, Profile.of(user, chat), self.clock.now())
            data["citizen"] = citizen
        return await handler(event, data)


async def chosen_language(data: dict[str, Any]) -> str | None:
    """The language a resident picked before consent (kept in the conversation state)."""
    state: FSMContext | None = data.get("state")
    if state is None or data.get("citizen") is not None:
        return None
    chosen = (await state.get_data()).get(CHOSEN_LANGUAGE)
    return str(chosen) if chosen else None


class AlbumMiddleware(BaseMiddleware):
    """Gathers an album's updates (one per photo/video) so handlers see it as one event.

    The first update of a media group waits `delay` seconds, then carries the whole group in
    `data["album"]`; the others end here. They are not lost if this process dies meanwhile:
    Telegram has delivered them, and relays are keyed by message, so a redelivery is harmless.
    """

    def __init__(self, delay: float = 1.0) -> None:
        self.delay = delay
        self._groups: dict[tuple[int, str], list[Message]] = {}

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        message = event.message if isinstance(event, Update) else None
        if message is None or message.media_group_id is None:
            return await handler(event, data)
        key = (message.chat.id, message.media_group_id)
        if key in self._groups:
            self._groups[key].append(message)
            return UNHANDLED
        self._groups[key] = [message]
        try:
            await asyncio.sleep(self.delay)
        finally:
            album = sorted(self._groups.pop(key), key=lambda m: m.message_id)
        data["album"] = album
        return await handler(event, data)


class RelayMiddleware(BaseMiddleware):
    """Gives handlers a `relay` bound to this update's transaction and outbox."""

    def __init__(
        self, i18n: I18n, network: Network, langid: LanguageIdentifier | None = None
    ) -> None:
        self.i18n = i18n
        self.network = network
        self.langid = langid

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        data["relay"] = Relay(
            data["session"], data["outbox"], self.i18n, self.network, self.langid
        )
        return await handler(event, data)


class EmergencyMiddleware(BaseMiddleware):
    """Every private message is checked for emergency words before anything else handles it.

    Whatever state the conversation is in (before the language is chosen, in any wizard step,
    with or without an open case), words like "fire" or "brand" get the emergency number at
    once; then the message goes on to its handler as usual. The answer is in the resident's
    language, else Telegram's, else the language of the words that matched, else in all the
    network's languages.
    """

    def __init__(self, detector: EmergencyDetector, i18n: I18n, network: Network) -> None:
        self.detector = detector
        self.i18n = i18n
        self.network = network

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if isinstance(event, Message) and event.chat.type == "private":
            messages: list[Message] = data.get("album") or [event]
            words = "\n".join(m.text or m.caption or "" for m in messages)
            matched = self.detector.languages(words)
            if matched:
                outbox: Outbox = data["outbox"]
                outbox.send(event.answer(await self._advice(data, matched)))
        return await handler(event, data)

    async def _advice(self, data: dict[str, Any], matched: set[str]) -> str:
        texts = []
        for language in await self.languages(data, matched):
            with self.i18n.use_locale(language):
                texts.append(emergency_advice(self.network))
        return "\n\n".join(texts)

    async def languages(self, data: dict[str, Any], matched: set[str]) -> list[str]:
        available = self.i18n.available_locales
        citizen = data.get("citizen")
        if citizen is not None and citizen.language in available:
            return [citizen.language]
        chosen = await chosen_language(data)
        if chosen in available:
            return [chosen]
        user: User | None = data.get("event_from_user")
        telegram = supported(self.i18n, user.language_code if user else None)
        if telegram is not None:
            return [telegram]
        ordered = [self.network.default_language, *self.network.languages]
        spoken = [code for code in ordered if code in matched and code in available]
        if len(spoken) == 1:
            return spoken
        return list(dict.fromkeys(code for code in ordered if code in available)) or [
            self.i18n.default_locale
        ]


class LocaleMiddleware(I18nMiddleware):
    """Citizens get their chosen language (else Telegram's), staff chats the network's language."""

    def __init__(self, i18n: I18n, network: Network) -> None:
        super().__init__(i18n)
        self.network = network

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        chat = data.get("event_chat")
        if chat is not None and chat.type != "private":
            return supported(self.i18n, self.network.default_language) or self.i18n.default_locale
        citizen: Citizen | None = data.get("citizen")
        if citizen is not None and citizen.language in self.i18n.available_locales:
            return citizen.language
        chosen = await chosen_language(data)
        if chosen in self.i18n.available_locales:
            return chosen
        user: User | None = data.get("event_from_user")
        guess = supported(self.i18n, user.language_code if user else None)
        return guess or self.i18n.default_locale


CHOSEN_LANGUAGE = "chosen_language"
