"""A citizen's alerts: areas and topics as toggles, "stop all", quiet hours, and the
"useful / not useful" buttons under each alert."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.domain import alerts
from bot.network.schema import Network
from bot.telegram.outbox import Outbox
from bot.ui import keyboards
from bot.ui.i18n import _
from bot.ui.texts import MENU_ALERTS, fmt
from handlers.filters import Consented, MenuButton
from storage.models import Citizen


class SubCb(CallbackData, prefix="sub"):
    kind: str  # area | topic | none
    code: str


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(Consented())
    router.callback_query.filter(Consented())
    router.message.register(cmd_alerts, Command("alerts"))
    router.message.register(cmd_alerts, MenuButton(MENU_ALERTS))
    router.message.register(cmd_quiet, Command("quiet"))
    router.callback_query.register(cb_toggle, SubCb.filter(F.kind.in_({"area", "topic"})))
    router.callback_query.register(cb_none, SubCb.filter(F.kind == "none"))
    router.callback_query.register(
        cb_alert_feedback, keyboards.AlertCb.filter(F.action.in_({"useful", "not_useful"}))
    )
    return router


def _keyboard(
    network: Network, chosen: dict[str, set[str]], language: str
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for kind, items in ((alerts.AREA, network.areas), (alerts.TOPIC, network.topics)):
        for item in items:
            mark = "🔔" if item.code in chosen.get(kind, set()) else "🔕"
            builder.button(
                text=f"{mark} {item.name(language, network.default_language)}",
                callback_data=SubCb(kind=kind, code=item.code),
            )
    builder.button(text=_("Stop all alerts"), callback_data=SubCb(kind="none", code="*"))
    builder.adjust(2)
    return builder.as_markup()


def _summary(network: Network, chosen: dict[str, set[str]], language: str) -> str:
    def names(kind: str) -> str:
        items = network.areas if kind == alerts.AREA else network.topics
        picked = [
            i.name(language, network.default_language)
            for i in items
            if i.code in chosen.get(kind, set())
        ]
        return ", ".join(picked)

    areas, topics = names(alerts.AREA), names(alerts.TOPIC)
    lines = [_("<b>Alerts</b>")]
    lines.append(
        fmt(_("Areas: {names}"), names=areas)
        if areas
        else _("You follow no area, so you get no alerts.")
    )
    if network.topics:
        lines.append(fmt(_("Topics: {names}"), names=topics) if topics else _("Topics: all"))
    lines.append(_("Tap to switch an area or topic on or off. Quiet hours: /quiet 22:00-07:00"))
    return "\n".join(lines)


async def cmd_alerts(
    message: Message,
    outbox: Outbox,
    session: AsyncSession,
    citizen: Citizen,
    network: Network,
    i18n: I18n,
) -> None:
    chosen = await alerts.subscriptions(session, citizen)
    outbox.send(
        message.answer(
            _summary(network, chosen, i18n.current_locale),
            reply_markup=_keyboard(network, chosen, i18n.current_locale),
        )
    )


async def cb_toggle(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: SubCb,
    session: AsyncSession,
    citizen: Citizen,
    network: Network,
    i18n: I18n,
    clock: Clock,
) -> None:
    known = network.area if callback_data.kind == alerts.AREA else network.topic
    if known(callback_data.code) is None:
        outbox.answer(query.answer(_("This choice is no longer available."), show_alert=True))
        return
    await alerts.toggle(session, citizen, callback_data.kind, callback_data.code, clock.now())
    await _refresh(outbox, query, session, citizen, network, i18n)


async def cb_none(
    query: CallbackQuery,
    outbox: Outbox,
    session: AsyncSession,
    citizen: Citizen,
    network: Network,
    i18n: I18n,
) -> None:
    await alerts.unsubscribe_all(session, citizen)
    await _refresh(outbox, query, session, citizen, network, i18n)


async def _refresh(
    outbox: Outbox,
    query: CallbackQuery,
    session: AsyncSession,
    citizen: Citizen,
    network: Network,
    i18n: I18n,
) -> None:
    chosen = await alerts.subscriptions(session, citizen)
    outbox.answer(query.answer())
    if isinstance(query.message, Message):
        outbox.send(
            query.message.edit_text(
                _summary(network, chosen, i18n.current_locale),
                reply_markup=_keyboard(network, chosen, i18n.current_locale),
            )
        )


async def cmd_quiet(
    message: Message, outbox: Outbox, command: CommandObject, citizen: Citizen
) -> None:
    """`/quiet 22:00-07:00` holds non-urgent alerts at night; `/quiet off` ends that."""
    args = (command.args or "").strip().lower()
    if args == "off":
        citizen.quiet_start = citizen.quiet_end = None
        outbox.send(message.answer(_("Quiet hours are off: alerts arrive at any time.")))
        return
    parsed = alerts.parse_quiet(args)
    if parsed is None:
        outbox.send(
            message.answer(
                _(
                    "Send the hours like this: /quiet 22:00-07:00 (or /quiet off). "
                    "Urgent alerts always come through."
                )
            )
        )
        return
    citizen.quiet_start, citizen.quiet_end = parsed
    outbox.send(
        message.answer(
            fmt(
                _("Quiet hours set: {start}-{end}. Urgent alerts still come through."),
                start=parsed[0],
                end=parsed[1],
            )
        )
    )


async def cb_alert_feedback(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: keyboards.AlertCb,
    session: AsyncSession,
    citizen: Citizen,
) -> None:
    """ "Useful" / "Not useful" under an alert, counted in the delivery report."""
    if await alerts.give_feedback(
        session, callback_data.delivery_id, citizen.chat_id, callback_data.action
    ):
        outbox.answer(query.answer(_("Thank you for your feedback.")))
    else:
        outbox.answer(query.answer(_("This button is no longer active."), show_alert=True))
