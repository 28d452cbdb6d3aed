"""The wizard's answers, one handler per step: category, privacy, location (a point, an address
in words, or none; rounded to about 500 m in an anonymous report unless the resident wants the
exact point), area and the description (text and media, several messages)."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    Message,
    ReactionTypeEmoji,
    ReplyKeyboardRemove,
)
from aiogram.utils.i18n import I18n

from bot.kinds import Privacy
from bot.network.areas import Area, Category
from bot.network.geometry import round_location
from bot.network.schema import Network
from bot.telegram.outbox import Outbox
from bot.ui import keyboards, report_wizard
from bot.ui.i18n import _
from bot.ui.report_wizard import ReportCb, Step, WizardAction
from bot.ui.texts import (
    fmt,
)
from bot.workflows.anonymous import asks_first
from bot.workflows.casework import ask_before_revealing, restore, snapshot
from bot.workflows.reports import ReportDraft
from handlers.resident.report.flow import (
    LOCATION_NOTE_MAX,
    SENSITIVE,
    ReportForm,
    answered,
    ask_next,
    draft_of,
    keep,
    say,
)
from storage.models import Citizen

# -- the steps -----------------------------------------------------------------------------


async def cb_choice(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: ReportCb,
    state: FSMContext,
    network: Network,
    i18n: I18n,
    citizen: Citizen,
) -> None:
    """A category or an area picked from the list: the question shows the choice (or a notice,
    for one the network no longer has), then the next step."""
    if callback_data.action == WizardAction.CATEGORY:
        step, label = Step.CATEGORY, _("Category: {name}")
        item: Category | Area | None = network.category(callback_data.value)
    else:
        step, label = Step.AREA, _("Area: {name}")
        item = network.area(callback_data.value)
    if item is None:
        outbox.answer(query.answer(_("This choice is no longer available."), show_alert=True))
        return
    name = item.name(i18n.current_locale, network.default_language)
    answered(outbox, query, fmt(label, name=name))
    draft = await draft_of(state)
    if step is Step.CATEGORY:
        draft.category = item.code
    else:
        draft.area = item.code
    await ask_next(step, outbox, citizen.chat_id, state, draft, network, i18n)


async def cb_privacy(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: ReportCb,
    state: FSMContext,
    network: Network,
    i18n: I18n,
    citizen: Citizen,
) -> None:
    try:
        tier = Privacy(callback_data.value)
    except ValueError:
        outbox.answer(query.answer(_("This choice is no longer available."), show_alert=True))
        return
    draft = await draft_of(state)
    draft.privacy = tier
    answered(outbox, query, fmt(_("Privacy: {tier}"), tier=report_wizard.privacy_label(tier)))
    if draft.anonymous and draft.latitude is not None and not draft.rounded:
        await _ask_precision(outbox, citizen.chat_id, state, draft)  # an exact point given earlier
        return
    await ask_next(Step.PRIVACY, outbox, citizen.chat_id, state, draft, network, i18n)


async def on_location(
    message: Message,
    outbox: Outbox,
    state: FSMContext,
    network: Network,
    i18n: I18n,
) -> None:
    """Keep the point (an anonymous report asks first how precisely), then suggest the area."""
    assert message.location is not None
    draft = await draft_of(state)
    draft.latitude, draft.longitude = message.location.latitude, message.location.longitude
    draft.rounded = False
    say(outbox, message.chat.id, _("📍 Location received."), ReplyKeyboardRemove())
    if draft.anonymous:
        await _ask_precision(outbox, message.chat.id, state, draft)
        return
    await ask_next(Step.LOCATION, outbox, message.chat.id, state, draft, network, i18n)


async def _ask_precision(
    outbox: Outbox, chat_id: int, state: FSMContext, draft: ReportDraft
) -> None:
    await state.set_state(ReportForm.precision)
    await keep(state, draft)
    say(
        outbox,
        chat_id,
        _(
            "Your report is anonymous, and an exact point may show where you live. Shall the "
            "police get the place to about 500 m, or the exact point?"
        ),
        report_wizard.precision(),
    )


async def cb_precision(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: ReportCb,
    state: FSMContext,
    network: Network,
    i18n: I18n,
    citizen: Citizen,
) -> None:
    draft = await draft_of(state)
    if draft.latitude is None or draft.longitude is None:
        outbox.answer(query.answer(_("This button is no longer active."), show_alert=True))
        return
    if callback_data.value != "exact":
        draft.latitude, draft.longitude = round_location(draft.latitude, draft.longitude)
        draft.rounded = True
        answered(outbox, query, _("The police will see the place to about 500 m."))
    else:
        answered(outbox, query, _("The police will see the exact point."))
    await ask_next(Step.LOCATION, outbox, citizen.chat_id, state, draft, network, i18n)


async def on_skip_location(
    message: Message, outbox: Outbox, state: FSMContext, network: Network, i18n: I18n
) -> None:
    draft = await draft_of(state)
    draft.latitude = draft.longitude = draft.location_note = None
    say(outbox, message.chat.id, _("No location, that is fine."), ReplyKeyboardRemove())
    await ask_next(Step.LOCATION, outbox, message.chat.id, state, draft, network, i18n)


async def on_location_note(
    message: Message, outbox: Outbox, state: FSMContext, network: Network, i18n: I18n
) -> None:
    """An address or a description of the place, in the resident's words."""
    draft = await draft_of(state)
    draft.location_note = (message.text or "").strip()[:LOCATION_NOTE_MAX]
    say(outbox, message.chat.id, _("📍 Noted where it happened."), ReplyKeyboardRemove())
    await ask_next(Step.LOCATION, outbox, message.chat.id, state, draft, network, i18n)


async def on_description(
    message: Message,
    outbox: Outbox,
    state: FSMContext,
    album: list[Message] | None = None,
) -> None:
    """Collect text and media until the resident presses "Send report"."""
    messages = album or [message]
    draft = await draft_of(state)
    if draft.anonymous and any(asks_first(m) for m in messages):
        await state.update_data({SENSITIVE: [snapshot(m) for m in messages]})
        ask_before_revealing(outbox, message)
        return
    await _add(outbox, state, draft, messages)


async def _add(
    outbox: Outbox, state: FSMContext, draft: ReportDraft, messages: list[Message]
) -> None:
    if not draft.add(messages):
        outbox.send(
            messages[0].answer(
                _(
                    "That is as much as one report can hold. Press “📨 Send report”; you can "
                    "send more afterwards."
                )
            )
        )
        return
    await keep(state, draft)
    for message in messages:
        outbox.send(message.react([ReactionTypeEmoji(emoji="✍")]))


async def cb_sensitive(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: keyboards.SensitiveCb,
    state: FSMContext,
) -> None:
    pending = (await state.get_data()).get(SENSITIVE)
    await state.update_data({SENSITIVE: None})
    outbox.answer(query.answer())
    if isinstance(query.message, Message):
        outbox.send(query.message.edit_reply_markup(reply_markup=None))
    if pending is None or not callback_data.send:
        if isinstance(query.message, Message):
            outbox.send(query.message.answer(_("Not added.")))
        return
    held = pending if isinstance(pending, list) else [pending]  # one message before 0.2
    await _add(outbox, state, await draft_of(state), [restore(item) for item in held])
