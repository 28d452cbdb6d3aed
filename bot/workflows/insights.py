"""/stats and /report as outbox messages composed when they are sent.

The update that asked only writes a `beatline.stats` or `beatline.report` row (the period and
the language); the figures are read in the composer's own short session and drawn in a worker
thread, so neither the update's transaction nor the event loop waits for them. Whose figures
they are follows from the chat the row goes to, never from the payload: a desk group only ever
gets its own desk's figures, and the coordinators' group the whole network's.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.domain.stats import Figures, Period, Scope, collect, scope_for_chat
from bot.logcontext import chat_for_log
from bot.network.schema import Network
from bot.telegram.letters import Call, Sender, Where
from bot.telegram.outbox import Outbox
from bot.ui import stats_menu
from bot.ui.charts import choose_language, render_report, render_stats
from bot.ui.i18n import speaking
from storage.models import OutboxMessage

logger = logging.getLogger(__name__)

Drawn = TypeVar("Drawn")

STATS = "stats"
REPORT = "report"


@dataclass(frozen=True)
class Request:
    """What was asked, as an outbox payload: the period, the language, where to answer."""

    period: Period
    language: str
    thread_id: int | None = None
    reply_to: int | None = None

    def payload(self) -> dict[str, Any]:
        return {
            "first_day": self.period.first_day.isoformat(),
            "last_day": self.period.last_day.isoformat(),
            "month": self.period.is_month,
            "language": self.language,
            "thread_id": self.thread_id,
            "reply_to": self.reply_to,
        }

    @classmethod
    def of(cls, payload: dict[str, Any], network: Network) -> Request:
        period = Period(
            date.fromisoformat(payload["first_day"]),
            date.fromisoformat(payload["last_day"]),
            network.zone,
            is_month=bool(payload["month"]),
        )
        return cls(period, str(payload["language"]), payload["thread_id"], payload["reply_to"])


def ask_for_stats(outbox: Outbox, chat_id: int, request: Request) -> None:
    """Queue the statistics of `request.period` for the staff chat `chat_id`."""
    outbox.compose(STATS, chat_id, request.payload())


def ask_for_report(outbox: Outbox, chat_id: int, request: Request) -> None:
    """Queue the monthly public report (PDF) for the coordinators' chat."""
    outbox.compose(REPORT, chat_id, request.payload())


@dataclass(frozen=True)
class _Composer:
    """Reads the figures of the chat's scope in a short session of its own."""

    session_factory: async_sessionmaker[AsyncSession]
    i18n: I18n
    network: Network
    clock: Clock

    async def drawn(
        self,
        row: OutboxMessage,
        request: Request,
        scope: Scope,
        render: Callable[[Figures, Network, I18n, str], Drawn],
    ) -> Drawn | None:
        """The figures of `scope` drawn by `render` in a worker thread (None if that failed)."""
        try:
            async with self.session_factory() as session:
                figures = await collect(
                    session, self.network, scope, request.period, self.clock.now()
                )
            return await asyncio.to_thread(
                render, figures, self.network, self.i18n, request.language
            )
        except Exception:
            logger.exception("%s for %s could not be made", row.method, chat_for_log(row.lane))
            return None

    def failed(self, row: OutboxMessage, request: Request) -> list[Call]:
        # Drawing is our code, not Telegram's: a failure here must not leave the row claimed
        # for ever, and the chat should know its request went nowhere.
        with speaking(self.i18n, choose_language(self.i18n, self.network, request.language)):
            message = stats_menu.failure_message(row.lane, request.thread_id, request.reply_to)
        return [Call(message)]


class StatsComposer(_Composer):
    """`beatline.stats`: the album of charts with its caption, then the CSV with buttons."""

    async def __call__(self, row: OutboxMessage, where: Where | None, send: Sender) -> list[Call]:
        request = Request.of(row.payload, self.network)
        scope = scope_for_chat(self.network, row.lane)
        if scope is None:  # the chat left the network file since it asked
            return []
        report = await self.drawn(row, request, scope, render_stats)
        if report is None:
            return self.failed(row, request)
        language = choose_language(self.i18n, self.network, request.language)
        with speaking(self.i18n, language):
            keyboard = stats_menu.periods_keyboard(self.network, language, self.clock.now())
            messages = stats_menu.stats_messages(
                row.lane, request.thread_id, request.reply_to, report, keyboard
            )
        return [Call(message) for message in messages]


class ReportComposer(_Composer):
    """`beatline.report`: the whole network's monthly report as a PDF document."""

    async def __call__(self, row: OutboxMessage, where: Where | None, send: Sender) -> list[Call]:
        request = Request.of(row.payload, self.network)
        if row.lane != self.network.coordinators_chat_id:
            return []
        report = await self.drawn(row, request, Scope(), render_report)
        if report is None:
            return self.failed(row, request)
        language = choose_language(self.i18n, self.network, request.language)
        with speaking(self.i18n, language):
            message = stats_menu.report_message(
                row.lane,
                request.thread_id,
                request.reply_to,
                report,
                self.network,
                language,
                request.period,
            )
        return [Call(message)]
