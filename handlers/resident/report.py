"""The report wizard: category → location (optional; it suggests the area) → area → privacy →
description (text and media, several messages) → "Send report"; cancel works at every step."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, ReactionTypeEmoji, ReplyKeyboardRemove
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.domain.alerts import engine
from bot.domain.cases import NewReport
from bot.domain.triage import EmergencyDetector
from bot.kinds import Privacy
from bot.network.schema import Network
from bot.telegram.outbox import Outbox
from bot.ui import keyboards
from bot.ui.i18n import _
from bot.ui.texts import CANCEL, MENU_REPORT, SEND_REPORT, SKIP, cannot_pass_on, fmt, isolate
from bot.workflows.casework import (
    ask_before_revealing,
    restore,
    snapshot,
    submit_report,
)
from bot.workflows.relay import RELAYABLE, REVEALING, SYSTEM_RECORD, Relay
from handlers.filters import Consented, Match, MenuButton
from storage.models import Citizen

DESCRIPTION_MAX_ITEMS = 30
ITEMS = "items"


class ReportForm(StatesGroup):
    category = State()
    area = State()
    privacy = State()
    location = State()
    description = State()


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(Consented())
    router.callback_query.filter(Consented())
    router.message.register(cmd_report, Command("report"))
    router.message.register(cmd_report, MenuButton(MENU_REPORT))
    router.callback_query.register(
        cb_alert_information, keyboards.AlertCb.filter(F.action == "info")
    )
    router.message.register(cmd_cancel, Command("cancel"), StateFilter(ReportForm))
    router.message.register(cmd_cancel, MenuButton(CANCEL), StateFilter(ReportForm))
    router.callback_query.register(
        cb_cancel, keyboards.ReportCb.filter(F.action == "cancel"), StateFilter(ReportForm)
    )
    router.callback_query.register(
        cb_category,
        keyboards.ReportCb.filter(F.action == "category"),
        StateFilter(ReportForm.category),
    )
    router.callback_query.register(
        cb_area, keyboards.ReportCb.filter(F.action == "area"), StateFilter(ReportForm.area)
    )
    router.callback_query.register(
        cb_privacy,
        keyboards.ReportCb.filter(F.action == "privacy"),
        StateFilter(ReportForm.privacy),
    )
    router.message.register(on_location, StateFilter(ReportForm.location), Match(F.location))
    router.message.register(on_skip_location, StateFilter(ReportForm.location), MenuButton(SKIP))
    router.message.register(on_send, StateFilter(ReportForm.description), MenuButton(SEND_REPORT))
    router.message.register(
        on_description, StateFilter(ReportForm.description), Match(F.content_type.in_(RELAYABLE))
    )
    router.callback_query.register(
        cb_sensitive, keyboards.SensitiveCb.filter(), StateFilter(ReportForm.description)
    )
    router.message.register(on_unsupported, StateFilter(ReportForm.description))
    router.message.register(on_waiting_for_button, StateFilter(ReportForm))
    return router


async def cmd_report(
    message: Message,
    outbox: Outbox,
    state: FSMContext,
    network: Network,
    i18n: I18n,
    citizen: Citizen,
) -> None:
    """Start the wizard (again, if one was under way)."""
    await _start(outbox, message, state, network, i18n, citizen, alert_id=None)


async def cb_alert_information(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: keyboards.AlertCb,
    session: AsyncSession,
    state: FSMContext,
    network: Network,
    i18n: I18n,
    citizen: Citizen,
) -> None:
    """ "I have information" under an alert: a report linked to that alert."""
    alert_id = await engine.announcement_of_delivery(
        session, callback_data.delivery_id, citizen.chat_id
    )
    outbox.answer(query.answer())
    if isinstance(query.message, Message):
        await _start(outbox, query.message, state, network, i18n, citizen, alert_id=alert_id)


async def _start(
    outbox: Outbox,
    message: Message,
    state: FSMContext,
    network: Network,
    i18n: I18n,
    citizen: Citizen,
    alert_id: int | None,
) -> None:
    await state.clear()
    if citizen.banned:
        outbox.send(
            message.answer(
                _(
                    "You cannot make new reports through Beatline at the moment. "
                    "In an emergency call {number}."
                ).format(number=isolate(network.emergency.number)),
                reply_markup=keyboards.main_menu(),
            )
        )
        return
    await state.set_state(ReportForm.category)
    await state.update_data(alert_id=alert_id)
    outbox.send(
        message.answer(
            _("What is your report about?"),
            reply_markup=keyboards.categories(network, i18n.current_locale),
        )
    )


async def cb_category(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: keyboards.ReportCb,
    state: FSMContext,
    network: Network,
    i18n: I18n,
) -> None:
    category = network.category(callback_data.value)
    if category is None or not isinstance(query.message, Message):
        outbox.answer(query.answer(_("This choice is no longer available."), show_alert=True))
        return
    await state.update_data({"category": category.code, ITEMS: []})
    await state.set_state(ReportForm.location)
    outbox.answer(query.answer())
    outbox.send(
        query.message.edit_text(
            fmt(
                _("Category: {name}"),
                name=category.name(i18n.current_locale, network.default_language),
            )
        )
    )
    outbox.send(
        query.message.answer(
            _(
                "Where exactly did it happen? You can share a location with the button below "
                "(use the paperclip → Location to pick a place on the map), or skip this step. "
                "A location you share may reveal where you are."
            ),
            reply_markup=keyboards.location_step(),
        )
    )


async def on_location(
    message: Message, outbox: Outbox, state: FSMContext, network: Network, i18n: I18n
) -> None:
    """Keep the point, and suggest the area it lies in."""
    assert message.location is not None
    latitude, longitude = message.location.latitude, message.location.longitude
    await state.update_data(latitude=latitude, longitude=longitude)
    suggested = network.locate(latitude, longitude)
    outbox.send(message.answer(_("📍 Location received."), reply_markup=ReplyKeyboardRemove()))
    await _ask_area(outbox, message, state, network, i18n, suggested.code if suggested else None)


async def on_skip_location(
    message: Message, outbox: Outbox, state: FSMContext, network: Network, i18n: I18n
) -> None:
    outbox.send(
        message.answer(_("No location, that is fine."), reply_markup=ReplyKeyboardRemove())
    )
    await _ask_area(outbox, message, state, network, i18n, None)


async def _ask_area(
    outbox: Outbox,
    message: Message,
    state: FSMContext,
    network: Network,
    i18n: I18n,
    suggested: str | None,
) -> None:
    await state.set_state(ReportForm.area)
    area = network.area(suggested) if suggested else None
    question = (
        fmt(
            _("That looks like {name}. Please confirm or choose another area:"),
            name=area.name(i18n.current_locale, network.default_language),
        )
        if area
        else _("Where did it happen?")
    )
    outbox.send(
        message.answer(
            question, reply_markup=keyboards.areas(network, i18n.current_locale, suggested)
        )
    )


async def cb_area(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: keyboards.ReportCb,
    state: FSMContext,
    network: Network,
    i18n: I18n,
) -> None:
    area = network.area(callback_data.value)
    if area is None or not isinstance(query.message, Message):
        outbox.answer(query.answer(_("This choice is no longer available."), show_alert=True))
        return
    await state.update_data(area=area.code)
    await state.set_state(ReportForm.privacy)
    outbox.answer(query.answer())
    outbox.send(
        query.message.edit_text(
            fmt(_("Area: {name}"), name=area.name(i18n.current_locale, network.default_language))
            + "\n\n"
            + _(
                "<b>Who may know this report is from you?</b>\n"
                "🔒 Confidential: the police see your first name only.\n"
                "👤 With my name: the police see your name and Telegram account, so they can "
                "contact you more easily.\n"
                "🕶 Anonymous: the police see no name at all. They can still answer you here."
            ),
            reply_markup=keyboards.privacy(),
        )
    )


async def cb_privacy(
    query: CallbackQuery, outbox: Outbox, callback_data: keyboards.ReportCb, state: FSMContext
) -> None:
    try:
        tier = Privacy(callback_data.value)
    except ValueError:
        outbox.answer(query.answer(_("This choice is no longer available."), show_alert=True))
        return
    if not isinstance(query.message, Message):
        outbox.answer(query.answer())
        return
    await state.update_data(privacy=tier.value)
    outbox.answer(query.answer())
    outbox.send(query.message.edit_reply_markup(reply_markup=None))
    await _ask_description(outbox, query.message, state)


async def _ask_description(outbox: Outbox, message: Message, state: FSMContext) -> None:
    await state.set_state(ReportForm.description)
    outbox.send(
        message.answer(
            _(
                "Describe what happened: what, when, where exactly, who was involved. "
                "You can send several messages, photos, videos, voice messages and files.\n"
                "Press “📨 Send report” when you are done."
            ),
            reply_markup=keyboards.description_step(),
        )
    )


async def _add_items(
    outbox: Outbox,
    messages: list[Message],
    state: FSMContext,
    detector: EmergencyDetector,
    network: Network,
    relay: Relay,
) -> None:
    data = await state.get_data()
    items: list[dict[str, Any]] = data.get(ITEMS, [])
    if len(items) + len(messages) > DESCRIPTION_MAX_ITEMS:
        outbox.send(
            messages[0].answer(
                _(
                    "That is as much as one report can hold. Press “📨 Send report”; you can send "
                    "more afterwards."
                )
            )
        )
        return
    items += [snapshot(m) for m in messages]
    # The emergency number was already given (EmergencyMiddleware); here the report is flagged.
    urgent = data.get("urgent", False) or any(
        detector.matches(m.text or m.caption) for m in messages
    )
    await state.update_data({ITEMS: items, "urgent": urgent})
    for message in messages:
        outbox.send(message.react([ReactionTypeEmoji(emoji="✍")]))


async def on_description(
    message: Message,
    outbox: Outbox,
    state: FSMContext,
    detector: EmergencyDetector,
    network: Network,
    relay: Relay,
    album: list[Message] | None = None,
) -> None:
    """Collect text and media until the citizen presses "Send report"."""
    messages = album or [message]
    data = await state.get_data()
    if data.get("privacy") == Privacy.ANONYMOUS and message.content_type in REVEALING:
        await state.update_data(sensitive=snapshot(message))
        ask_before_revealing(outbox, message)
        return
    await _add_items(outbox, messages, state, detector, network, relay)


async def cb_sensitive(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: keyboards.SensitiveCb,
    state: FSMContext,
    detector: EmergencyDetector,
    network: Network,
    relay: Relay,
) -> None:
    data = await state.get_data()
    pending = data.get("sensitive")
    await state.update_data(sensitive=None)
    outbox.answer(query.answer())
    if isinstance(query.message, Message):
        outbox.send(query.message.edit_reply_markup(reply_markup=None))
    if pending is None or not callback_data.send:
        if isinstance(query.message, Message):
            outbox.send(query.message.answer(_("Not added.")))
        return
    await _add_items(outbox, [restore(pending)], state, detector, network, relay)


async def on_send(
    message: Message,
    outbox: Outbox,
    state: FSMContext,
    session: AsyncSession,
    citizen: Citizen,
    relay: Relay,
    network: Network,
    i18n: I18n,
    clock: Clock,
    settings: Settings,
) -> None:
    """Open the case, give it a topic in its desk's group and give the citizen the reference."""
    data = await state.get_data()
    items = [restore(item) for item in data.get(ITEMS, [])]
    if not items:
        outbox.send(message.answer(_("Please describe what happened first.")))
        return
    await state.clear()
    description = "\n\n".join(m.text for m in items if m.text)
    words = description or " ".join(m.caption for m in items if m.caption)
    detection = relay.langid.detect(words, citizen.language) if relay.langid else None
    report = NewReport(
        category=data["category"],
        area=data["area"],
        description=description,
        language=detection.code if detection else i18n.current_locale,
        language_guess=detection.guess if detection else None,
        privacy=Privacy(data.get("privacy", Privacy.CONFIDENTIAL)),
        latitude=data.get("latitude"),
        longitude=data.get("longitude"),
        urgent=bool(data.get("urgent")),
        alert_id=data.get("alert_id"),
    )
    case = await submit_report(
        relay, session, network, citizen, report, items, clock.now(), settings.ref_prefix
    )
    # The receipt is kept with the case once sent, so a reply to it lands in this case.
    outbox.send(
        message.answer(
            fmt(
                _(
                    "Thank you. Your report has been sent to the police.\n"
                    "Your reference is <b>{ref}</b>. You will get the answer here; "
                    "write here to add information."
                ),
                ref=case.ref,
            ),
            reply_markup=keyboards.main_menu(),
        ),
        case=case,
        effect=SYSTEM_RECORD,
        data={"citizen_id": citizen.id},
    )


async def _cancelled(outbox: Outbox, message: Message, state: FSMContext) -> None:
    await state.clear()
    if message.from_user is not None and message.from_user.is_bot:
        outbox.send(message.edit_reply_markup(reply_markup=None))
    outbox.send(
        message.answer(
            _("Your report was cancelled. Nothing was sent."), reply_markup=keyboards.main_menu()
        )
    )


async def cmd_cancel(message: Message, outbox: Outbox, state: FSMContext) -> None:
    await _cancelled(outbox, message, state)


async def cb_cancel(query: CallbackQuery, outbox: Outbox, state: FSMContext) -> None:
    outbox.answer(query.answer())
    if isinstance(query.message, Message):
        await _cancelled(outbox, query.message, state)


async def on_unsupported(message: Message, outbox: Outbox) -> None:
    outbox.send(message.answer(cannot_pass_on()))


async def on_waiting_for_button(message: Message, outbox: Outbox) -> None:
    outbox.send(message.answer(_("Please use the buttons, or /cancel to stop this report.")))
