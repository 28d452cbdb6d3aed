"""/audit_export in the coordinators' group: the audit trail of a period as a CSV document."""

from __future__ import annotations

from datetime import timedelta

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.domain.stats import Period, PeriodError, parse_period
from bot.network.schema import Network
from bot.ui.rights import audit_period_problem
from bot.workflows.rights import send_audit_export
from handlers.context import Context
from handlers.filters import Match

DEFAULT_DAYS = 30


def create_router(network: Network) -> Router:
    router = Router(name=__name__)
    router.message.filter(Match(F.chat.id == network.coordinators_chat_id))
    router.message.register(cmd_audit_export, Command("audit_export"))
    return router


async def cmd_audit_export(message: Message, command: CommandObject, ctx: Context) -> None:
    """`/audit_export` (the last 30 days), `/audit_export 2026-11` or two dates."""
    now = ctx.clock.now()
    try:
        if command.args and command.args.strip():
            period = parse_period(command.args, now, ctx.network.zone)
        else:
            today = now.astimezone(ctx.network.zone).date()
            period = Period(today - timedelta(days=DEFAULT_DAYS - 1), today, ctx.network.zone)
    except PeriodError as error:
        ctx.outbox.send(message.reply(audit_period_problem(error)))
        return
    thread = message.message_thread_id if message.is_topic_message else None
    await send_audit_export(ctx.outbox, ctx.session, period, message.chat.id, thread)
