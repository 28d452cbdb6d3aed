"""The trust pulse's timer: asks the residents who are due their question, in their language.

One transaction records who was asked and queues their question in the outbox, so a crash
leaves neither a question without its record (which would be asked again) nor a record without
its question. Answers are taken by handlers.resident.pulse.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiogram import Bot
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.domain import pulse
from bot.kinds import Priority
from bot.network.schema import Network
from bot.telegram.outbox import Outbox
from bot.ui.i18n import speaking, supported
from bot.ui.pulse import question_message

logger = logging.getLogger(__name__)


class PulseAsker:
    def __init__(
        self,
        bot: Bot,
        session_factory: async_sessionmaker[AsyncSession],
        i18n: I18n,
        network: Network,
        clock: Clock,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self.bot = bot
        self.session_factory = session_factory
        self.i18n = i18n
        self.network = network
        self.clock = clock
        self.wake = wake

    async def run(self) -> int:
        """One tick: ask everyone who is due now; how many were asked."""
        now = self.clock.now()
        async with self.session_factory() as session:
            outbox = Outbox(session, self.bot, self.clock)
            askings = await pulse.due(session, self.network, now)
            for asking in askings:
                await pulse.asked(session, asking, now)
                language = (
                    supported(self.i18n, asking.citizen.language) or self.network.default_language
                )
                area = self.network.area(asking.area)
                with speaking(self.i18n, language):
                    name = area.name(language, self.network.default_language) if area else None
                    message = question_message(asking.citizen.chat_id, asking.question, name)
                # Behind anything a resident is waiting for, like an alert.
                outbox.send(message, priority=Priority.BROADCAST)
            await session.commit()
        if askings:
            logger.info("trust pulse: %d resident(s) asked", len(askings))
            self.wake()
        return len(askings)
