"""/stats in a desk group (that desk's figures) or in the coordinators' group (every desk), the
period buttons under it, and /report for the coordinators. The handlers only queue the request;
the figures are read and drawn when the outbox sends it (bot.workflows.insights)."""

from __future__ import annotations

from datetime import date

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InaccessibleMessage, Message

from bot.domain.stats import (
    Period,
    PeriodError,
    common_periods,
    last_weeks,
    month_period,
    parse_period,
)
from bot.network.schema import Network
from bot.ui.charts import Names, period_problem_text
from bot.ui.i18n import _
from bot.ui.stats_menu import StatsCb, StatsChoice, report_usage
from bot.ui.texts import fmt
from bot.workflows.insights import Request, ask_for_report, ask_for_stats
from handlers.context import Context
from handlers.filters import Match, StaffOnly, WrittenByStaff


def create_router(network: Network) -> Router:
    router = Router(name=__name__)
    chats = set(network.staff_chat_ids)
    if network.coordinators_chat_id is not None:
        chats.add(network.coordinators_chat_id)
    router.message.filter(Match(F.chat.id.in_(chats)), WrittenByStaff(), StaffOnly())
    router.callback_query.filter(Match(F.message.chat.id.in_(chats)), StaffOnly())
    router.message.register(cmd_stats, Command("stats"))
    if network.coordinators_chat_id is not None:
        router.message.register(
            cmd_report, Command("report"), Match(F.chat.id == network.coordinators_chat_id)
        )
    router.callback_query.register(cb_recent, StatsCb.filter(F.choice == StatsChoice.RECENT))
    router.callback_query.register(cb_month, StatsCb.filter(F.choice == StatsChoice.MONTH))
    router.callback_query.register(cb_stale, Match(F.data.startswith(f"{StatsCb.__prefix__}:")))
    return router


def _thread(message: Message) -> int | None:
    """The forum topic to answer in (a reply thread of a plain group is not one)."""
    return message.message_thread_id if message.is_topic_message else None


async def cmd_stats(message: Message, command: CommandObject, ctx: Context) -> None:
    """`/stats`, `/stats 2026-11` or `/stats 2026-11-01 2026-11-30`."""
    try:
        period = parse_period(command.args or "", ctx.clock.now(), ctx.network.zone)
    except PeriodError as error:
        ctx.outbox.send(message.reply(period_problem_text(error)))
        return
    request = Request(period, ctx.i18n.current_locale, _thread(message), message.message_id)
    ask_for_stats(ctx.outbox, message.chat.id, request)


async def cmd_report(message: Message, command: CommandObject, ctx: Context) -> None:
    """`/report 2026-11 [language]`: the public PDF of a month (the last one if left out)."""
    words = (command.args or "").split()
    now, network, locales = ctx.clock.now(), ctx.network, ctx.i18n.available_locales
    if words:
        try:
            period: Period | None = parse_period(words[0], now, network.zone)
        except PeriodError:
            period = None
    else:
        _recent, _this_month, period = common_periods(now, network.zone)
    language = words[1] if len(words) > 1 else network.default_language
    if period is None or not period.is_month or len(words) > 2:
        ctx.outbox.send(message.reply(report_usage()))
        return
    if language not in locales:
        known = ", ".join(sorted(locales))
        text = fmt(
            _("There is no translation for {code}. Languages: {known}"), code=language, known=known
        )
        ctx.outbox.send(message.reply(text))
        return
    request = Request(period, language, _thread(message), message.message_id)
    ask_for_report(ctx.outbox, message.chat.id, request)


async def _queue_from_button(query: CallbackQuery, ctx: Context, period: Period) -> None:
    message = query.message
    if message is None or isinstance(message, InaccessibleMessage):
        await cb_stale(query, ctx)
        return
    language = ctx.i18n.current_locale
    names = Names(ctx.network, language)
    ctx.outbox.answer(
        query.answer(_("Making the figures for {period} …").format(period=names.period(period)))
    )
    ask_for_stats(ctx.outbox, message.chat.id, Request(period, language, _thread(message)))


async def cb_recent(query: CallbackQuery, ctx: Context) -> None:
    """*Last 4 weeks*: up to today, whenever the button is pressed."""
    await _queue_from_button(query, ctx, last_weeks(ctx.clock.now(), ctx.network.zone))


async def cb_month(query: CallbackQuery, callback_data: StatsCb, ctx: Context) -> None:
    """A month's button: that calendar month, as its label says."""
    year, month = divmod(callback_data.month, 100)
    zone = ctx.network.zone
    today = ctx.clock.now().astimezone(zone).date()
    if not (2000 <= year <= today.year and 1 <= month <= 12) or date(year, month, 1) > today:
        await cb_stale(query, ctx)
        return
    await _queue_from_button(query, ctx, month_period(year, month, zone))


async def cb_stale(query: CallbackQuery, ctx: Context) -> None:
    """A button this version no longer knows (or a month still to come): say so."""
    ctx.outbox.answer(query.answer(_("This button is no longer active."), show_alert=True))
