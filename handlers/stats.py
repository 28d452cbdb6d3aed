"""/stats in a desk group (that desk's figures) or in the coordinators' group (every desk), the
period buttons under it, and /report for the coordinators. The handlers only queue the request;
the figures are read and drawn when the outbox sends it (bot.workflows.insights)."""

from __future__ import annotations

from datetime import date

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InaccessibleMessage, Message
from aiogram.utils.i18n import I18n

from bot.clock import Clock
from bot.domain.stats import (
    Period,
    PeriodError,
    common_periods,
    last_weeks,
    month_period,
    parse_period,
)
from bot.network.schema import Network
from bot.telegram.outbox import Outbox
from bot.ui.charts import Names, period_problem_text
from bot.ui.i18n import _
from bot.ui.stats_menu import StatsCb, StatsChoice, report_usage
from bot.ui.texts import fmt
from bot.workflows.insights import Request, ask_for_report, ask_for_stats
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


async def cmd_stats(
    message: Message,
    outbox: Outbox,
    command: CommandObject,
    network: Network,
    clock: Clock,
    i18n: I18n,
) -> None:
    """`/stats`, `/stats 2026-11` or `/stats 2026-11-01 2026-11-30`."""
    try:
        period = parse_period(command.args or "", clock.now(), network.zone)
    except PeriodError as error:
        outbox.send(message.reply(period_problem_text(error)))
        return
    request = Request(period, i18n.current_locale, _thread(message), message.message_id)
    ask_for_stats(outbox, message.chat.id, request)


async def cmd_report(
    message: Message,
    outbox: Outbox,
    command: CommandObject,
    network: Network,
    clock: Clock,
    i18n: I18n,
) -> None:
    """`/report 2026-11 [language]`: the public PDF of a month (the last one if left out)."""
    words = (command.args or "").split()
    now = clock.now()
    if words:
        try:
            period: Period | None = parse_period(words[0], now, network.zone)
        except PeriodError:
            period = None
    else:
        _recent, _this_month, period = common_periods(now, network.zone)
    language = words[1] if len(words) > 1 else network.default_language
    if period is None or not period.is_month or len(words) > 2:
        outbox.send(message.reply(report_usage()))
        return
    if language not in i18n.available_locales:
        known = ", ".join(sorted(i18n.available_locales))
        text = fmt(
            _("There is no translation for {code}. Languages: {known}"), code=language, known=known
        )
        outbox.send(message.reply(text))
        return
    request = Request(period, language, _thread(message), message.message_id)
    ask_for_report(outbox, message.chat.id, request)


def _queue_from_button(
    query: CallbackQuery, outbox: Outbox, period: Period, network: Network, i18n: I18n
) -> None:
    message = query.message
    if message is None or isinstance(message, InaccessibleMessage):
        outbox.answer(query.answer(_("This button is no longer active."), show_alert=True))
        return
    names = Names(network, i18n.current_locale)
    outbox.answer(
        query.answer(_("Making the figures for {period} …").format(period=names.period(period)))
    )
    ask_for_stats(outbox, message.chat.id, Request(period, i18n.current_locale, _thread(message)))


async def cb_recent(
    query: CallbackQuery, outbox: Outbox, network: Network, clock: Clock, i18n: I18n
) -> None:
    """*Last 4 weeks*: up to today, whenever the button is pressed."""
    _queue_from_button(query, outbox, last_weeks(clock.now(), network.zone), network, i18n)


async def cb_month(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: StatsCb,
    network: Network,
    clock: Clock,
    i18n: I18n,
) -> None:
    """A month's button: that calendar month, as its label says."""
    year, month = divmod(callback_data.month, 100)
    today = clock.now().astimezone(network.zone).date()
    if not (2000 <= year <= today.year and 1 <= month <= 12) or date(year, month, 1) > today:
        await cb_stale(query, outbox)
        return
    _queue_from_button(query, outbox, month_period(year, month, network.zone), network, i18n)


async def cb_stale(query: CallbackQuery, outbox: Outbox) -> None:
    """A button this version no longer knows (or a month still to come): say so."""
    outbox.answer(query.answer(_("This button is no longer active."), show_alert=True))
