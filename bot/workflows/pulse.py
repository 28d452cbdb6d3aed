"""The trust pulse's timer: asks the residents who are due their question, in their language.

One transaction records who was asked and queues their question in the outbox, so a crash
leaves neither a question without its record (which would be asked again) nor a record without
its question. Answers are taken by handlers.resident.pulse.
"""

from __future__ import annotations

import logging

from bot.domain import pulse
from bot.kinds import Priority
from bot.telegram.outbox import Outbox
from bot.ui.i18n import speaking, supported
from bot.ui.pulse import question_message
from bot.workflows.timer_jobs import OutboxTimerJob
from storage.pulse import Pulses

logger = logging.getLogger(__name__)


class PulseAsker(OutboxTimerJob):
    """The trust pulse's timer job (every 10 minutes)."""

    async def run(self) -> int:
        """One tick: ask everyone who is due now; how many were asked."""
        now = self.clock.now()
        async with self.session_factory() as session:
            outbox = Outbox(session, self.bot, self.clock)
            askings = await pulse.due(session, self.network, now)
            for asking in askings:
                await Pulses(session).asked(asking.citizen.id, asking.question, asking.area, now)
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
