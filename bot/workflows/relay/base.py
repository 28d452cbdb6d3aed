"""What every part of the relay shares: the transaction it queues messages in, the kinds of
message it carries, and the names of the effects the courier runs once Telegram answered."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass

from aiogram.enums import ContentType
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.language.identifier import LanguageIdentifier
from bot.network.schema import Network
from bot.telegram.outbox import Outbox
from bot.ui.i18n import speaking

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

DELIVERED = "👍"
UNDELIVERED = "💔"

# Effects the courier runs once Telegram answered (see bot.workflows.effects).
TO_DESK = "to_desk"
TO_CITIZEN = "to_citizen"
TO_RESIDENT = "to_resident"
SYSTEM_RECORD = "system_record"

OPEN_TOPIC = "openTopic"
REFRESH_CARD = "refreshCard"


@dataclass
class RelayBase:
    """The Telegram side of a case for one transaction: queues messages, never sends them."""

    session: AsyncSession | None  # None: the express lane's relay (named cases, no reads)
    outbox: Outbox
    i18n: I18n
    network: Network
    langid: LanguageIdentifier | None = None

    def transaction(self) -> AsyncSession:
        """The update's session, for the few relay steps that read or seal."""
        if self.session is None:
            msg = "this relay has no session (the express lane relays named cases only)"
            raise RuntimeError(msg)
        return self.session

    def staff_language(self) -> AbstractContextManager[None]:
        """Texts for staff chats, also outside an update (e.g. from a timer)."""
        return speaking(self.i18n, self.network.default_language)
