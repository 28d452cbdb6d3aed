"""A resident's alerts: areas and topics as toggles, "stop all", quiet hours (shown, with a
button, and `/quiet 22-7`), and the "useful / not useful" buttons under each alert."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.alerts import engine, subscriptions
from bot.kinds import AlertFeedback, SubscriptionKind
from bot.network.schema import Network
from bot.ui import keyboards
from bot.ui.alerts_menu import AlertsAction, AlertsCb, Followed, SubCb, alerts_keyboard
from bot.ui.i18n import _
from bot.ui.pulse import pulse_explained
from bot.ui.texts import MENU_ALERTS, fmt
from handlers.context import Context
from handlers.filters import CommandOrButton, MenuButton, consented_router
from storage.alerts import Subscriptions
from storage.models import Citizen

DEFAULT_QUIET = ("22:00", "07:00")


def create_router() -> Router:
    router = consented_router(__name__)
    router.message.filter(CommandOrButton(MENU_ALERTS))  # what every message handler needs
    router.message.register(cmd_alerts, Command("alerts"))
    router.message.register(cmd_alerts, MenuButton(MENU_ALERTS))
    router.message.register(cmd_quiet, Command("quiet"))
    router.callback_query.register(cb_toggle, SubCb.filter())
    for action in MENU_ACTIONS:
        router.callback_query.register(cb_menu, AlertsCb.filter(F.action == action))
    router.callback_query.register(
        cb_alert_feedback,
        keyboards.AlertCb.filter(F.action.in_({AlertFeedback.USEFUL, AlertFeedback.NOT_USEFUL})),
    )
    return router


def _summary(network: Network, chosen: Followed, citizen: Citizen, language: str) -> str:
    def names(kind: SubscriptionKind) -> str:
        items = network.areas if kind == SubscriptionKind.AREA else network.topics
        picked = [
            i.name(language, network.default_language)
            for i in items
            if i.code in chosen.get(kind, set())
        ]
        return ", ".join(picked)

    areas, topics = names(SubscriptionKind.AREA), names(SubscriptionKind.TOPIC)
    lines = [_("<b>Alerts</b>")]
    lines.append(
        fmt(_("Areas: {names}"), names=areas)
        if areas
        else _("You follow no area, so you get no alerts.")
    )
    if network.topics:
        lines.append(fmt(_("Topics: {names}"), names=topics) if topics else _("Topics: all"))
    if citizen.quiet_start and citizen.quiet_end:
        lines.append(
            fmt(
                _("Quiet hours: {start}-{end} (urgent alerts still come through)"),
                start=citizen.quiet_start,
                end=citizen.quiet_end,
            )
        )
    else:
        lines.append(_("Quiet hours: off"))
    lines.append(_("Tap to switch an area or topic on or off. Other quiet hours: /quiet 22-7"))
    return "\n".join(lines)


async def _show(ctx: Context, citizen: Citizen) -> tuple[str, InlineKeyboardMarkup]:
    language = ctx.i18n.current_locale
    chosen = await Subscriptions(ctx.session).of_citizen(citizen.id)
    return (
        _summary(ctx.network, chosen, citizen, language),
        alerts_keyboard(ctx.network, chosen, bool(citizen.quiet_start), language),
    )


async def cmd_alerts(message: Message, ctx: Context, citizen: Citizen) -> None:
    text, markup = await _show(ctx, citizen)
    ctx.outbox.send(message.answer(text, reply_markup=markup))


async def cb_toggle(
    query: CallbackQuery, callback_data: SubCb, ctx: Context, citizen: Citizen
) -> None:
    known = ctx.network.area if callback_data.kind == SubscriptionKind.AREA else ctx.network.topic
    if known(callback_data.code) is None:
        ctx.outbox.answer(query.answer(_("This choice is no longer available."), show_alert=True))
        return
    await subscriptions.toggle(
        ctx.session, citizen, callback_data.kind, callback_data.code, ctx.clock.now()
    )
    await _refresh(query, ctx, citizen)


async def _stop_all(session: AsyncSession, citizen: Citizen, now: datetime) -> str | None:
    await Subscriptions(session).remove_all(citizen.id)
    return None


async def _switch_quiet(session: AsyncSession, citizen: Citizen, now: datetime) -> str | None:
    """Off when on; 22:00-07:00 when off."""
    if citizen.quiet_start:
        citizen.quiet_start = citizen.quiet_end = None
    else:
        citizen.quiet_start, citizen.quiet_end = DEFAULT_QUIET
    return None


async def _switch_pulse(session: AsyncSession, citizen: Citizen, now: datetime) -> str | None:
    """The trust pulse's question, on or off (off by default); switched on, it is explained."""
    kind = SubscriptionKind.PULSE
    on = await subscriptions.toggle(session, citizen, kind, kind, now)
    return pulse_explained() if on else None


# What each of the menu's own buttons changes, and what it says about it (if anything).
MENU_ACTIONS: dict[
    AlertsAction, Callable[[AsyncSession, Citizen, datetime], Awaitable[str | None]]
] = {
    AlertsAction.STOP_ALL: _stop_all,
    AlertsAction.QUIET: _switch_quiet,
    AlertsAction.PULSE: _switch_pulse,
}


async def cb_menu(
    query: CallbackQuery, callback_data: AlertsCb, ctx: Context, citizen: Citizen
) -> None:
    """Stop all, quiet hours or the trust pulse: the change, then the menu as it is now."""
    note = await MENU_ACTIONS[callback_data.action](ctx.session, citizen, ctx.clock.now())
    await _refresh(query, ctx, citizen, note)


async def _refresh(
    query: CallbackQuery, ctx: Context, citizen: Citizen, note: str | None = None
) -> None:
    text, markup = await _show(ctx, citizen)
    ctx.outbox.answer(query.answer(note, show_alert=True) if note else query.answer())
    if isinstance(query.message, Message):
        ctx.outbox.send(query.message.edit_text(text, reply_markup=markup))


async def cmd_quiet(
    message: Message, command: CommandObject, ctx: Context, citizen: Citizen
) -> None:
    """`/quiet 22:00-07:00` (or `/quiet 22-7`) holds non-urgent alerts; `/quiet off` ends that."""
    args = (command.args or "").strip().lower()
    if args == "off":
        citizen.quiet_start = citizen.quiet_end = None
        ctx.outbox.send(message.answer(_("Quiet hours are off: alerts arrive at any time.")))
        return
    parsed = subscriptions.parse_quiet(args)
    if parsed is None:
        ctx.outbox.send(
            message.answer(
                _(
                    "Send the hours like this: /quiet 22:00-07:00 or /quiet 22-7 (or /quiet "
                    "off). Urgent alerts always come through."
                )
            )
        )
        return
    citizen.quiet_start, citizen.quiet_end = parsed
    ctx.outbox.send(
        message.answer(
            fmt(
                _("Quiet hours set: {start}-{end}. Urgent alerts still come through."),
                start=parsed[0],
                end=parsed[1],
            )
        )
    )


async def cb_alert_feedback(
    query: CallbackQuery, callback_data: keyboards.AlertCb, ctx: Context, citizen: Citizen
) -> None:
    """ "Useful" / "Not useful" under an alert, counted in the delivery report."""
    if await engine.give_feedback(
        ctx.session, callback_data.delivery_id, citizen.chat_id, callback_data.action
    ):
        ctx.outbox.answer(query.answer(_("Thank you for your feedback.")))
    else:
        ctx.outbox.answer(query.answer(_("This button is no longer active."), show_alert=True))
