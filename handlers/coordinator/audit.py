"""/audit_export in the coordinators' group: the audit trail of a period as a CSV document."""

from __future__ import annotations

from datetime import timedelta

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.domain.stats import Period, PeriodError, parse_period
from bot.network.schema import Network
from bot.telegram.outbox import Outbox
from bot.ui.rights import audit_period_problem
from bot.workflows.rights import send_audit_export
from handlers.filters import Match

DEFAULT_DAYS = 30


def create_router(network: Network) -> Router:
    router = Router(name=__name__)
    router.message.filter(Match(F.chat.id == network.coordinators_chat_id))
    router.message.register(cmd_audit_export, Command("audit_export"))
    return router


async def cmd_audit_export(
    message: Message,
    outbox: Outbox,
    command: CommandObject,
    session: AsyncSession,
    network: Network,
    clock: Clock,
) -> None:
    """`/audit_export` (the last 30 days), `/audit_export 2026-11` or two dates."""
    now = clock.now()
    try:
        if command.args and command.args.strip():
            period = parse_period(command.args, now, network.zone)
        else:
            today = now.astimezone(network.zone).date()
            period = Period(today - timedelta(days=DEFAULT_DAYS - 1), today, network.zone)
    except PeriodError as error:
        outbox.send(message.reply(audit_period_problem(error)))
        return
    thread = message.message_thread_id if message.is_topic_message else None
    await send_audit_export(outbox, session, period, message.chat.id, thread)
