"""The report wizard, one handler per step: category → privacy → location (a point, an address
in words, or none; rounded to about 500 m in an anonymous report unless the resident wants the
exact point) → area → description (text and media, several messages) → summary → send.
◀ Back and ✖ Cancel work at every step; *Edit* on the summary changes one step."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.methods import SendMessage
from aiogram.types import (
    CallbackQuery,
    InaccessibleMessage,
    InlineKeyboardMarkup,
    Message,
    ReactionTypeEmoji,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.domain.alerts import engine
from bot.domain.triage import EmergencyDetector
from bot.kinds import Privacy
from bot.network.geometry import round_location
from bot.network.schema import Network
from bot.telegram.outbox import Outbox
from bot.ui import keyboards, report_wizard
from bot.ui.i18n import _, n_
from bot.ui.report_wizard import BACK, ReportCb, Step, WizardAction
from bot.ui.texts import (
    CANCEL,
    MENU_LABELS,
    MENU_REPORT,
    SEND_REPORT,
    SKIP,
    cannot_pass_on,
    excerpt,
    fmt,
    isolate,
)
from bot.workflows import reports
from bot.workflows.anonymous import asks_first
from bot.workflows.casework import ask_before_revealing, restore, snapshot
from bot.workflows.relay import RELAYABLE, SYSTEM_RECORD, Relay
from bot.workflows.reports import Refusal, ReportDraft
from handlers.filters import AnyMenuButton, Consented, Match, MenuButton
from handlers.resident.unsent import UNSENT
from storage.models import Citizen

SENSITIVE = "sensitive"
LOCATION_NOTE_MAX = 500


class ReportForm(StatesGroup):
    category = State()
    privacy = State()
    location = State()
    precision = State()
    area = State()
    description = State()
    summary = State()


STEP_STATES = {
    Step.CATEGORY: ReportForm.category,
    Step.PRIVACY: ReportForm.privacy,
    Step.LOCATION: ReportForm.location,
    Step.AREA: ReportForm.area,
    Step.DESCRIPTION: ReportForm.description,
}
PREVIOUS = {
    Step.PRIVACY: Step.CATEGORY,
    Step.LOCATION: Step.PRIVACY,
    Step.AREA: Step.LOCATION,
    Step.DESCRIPTION: Step.AREA,
}


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(Consented())
    router.callback_query.filter(Consented())
    router.message.register(cmd_report, Command("report"))
    router.message.register(cmd_report, MenuButton(MENU_REPORT))
    router.callback_query.register(cb_report_this, keyboards.ReportThisCb.filter())
    router.callback_query.register(
        cb_alert_information, keyboards.AlertCb.filter(F.action == "info")
    )
    in_wizard = StateFilter(ReportForm)
    router.message.register(cmd_cancel, Command("cancel"), in_wizard)
    router.message.register(cmd_cancel, MenuButton(CANCEL), in_wizard)
    router.callback_query.register(cb_cancel, ReportCb.filter(F.action == WizardAction.CANCEL))
    router.message.register(on_back, MenuButton(BACK), in_wizard)
    router.callback_query.register(
        cb_back, ReportCb.filter(F.action == WizardAction.BACK), in_wizard
    )
    steps = (
        (WizardAction.CATEGORY, ReportForm.category, cb_category),
        (WizardAction.PRIVACY, ReportForm.privacy, cb_privacy),
        (WizardAction.PRECISION, ReportForm.precision, cb_precision),
        (WizardAction.AREA, ReportForm.area, cb_area),
        (WizardAction.SEND, ReportForm.summary, cb_send),
        (WizardAction.EDIT, ReportForm.summary, cb_edit),
    )
    for action, form_state, handler in steps:
        router.callback_query.register(
            handler, ReportCb.filter(F.action == action), StateFilter(form_state)
        )
    router.message.register(on_location, StateFilter(ReportForm.location), Match(F.location))
    router.message.register(on_skip_location, StateFilter(ReportForm.location), MenuButton(SKIP))
    router.message.register(
        on_location_note,
        StateFilter(ReportForm.location),
        Match(F.text & ~F.text.startswith("/")),
        ~AnyMenuButton(*MENU_LABELS),
    )
    for form_state in (ReportForm.description, ReportForm.summary):
        router.message.register(on_summary, StateFilter(form_state), MenuButton(SEND_REPORT))
    router.message.register(
        on_description,
        StateFilter(ReportForm.description),
        Match(F.content_type.in_(RELAYABLE)),
    )
    router.callback_query.register(
        cb_sensitive, keyboards.SensitiveCb.filter(), StateFilter(ReportForm.description)
    )
    router.message.register(on_unsupported, StateFilter(ReportForm.description))
    router.message.register(on_waiting_for_button, in_wizard)
    return router


# -- the draft and the questions ----------------------------------------------------------


async def _draft(state: FSMContext) -> ReportDraft:
    return ReportDraft.of(await state.get_data()) or ReportDraft()


async def _keep(state: FSMContext, draft: ReportDraft) -> None:
    await state.update_data(draft.saved())


def _say(
    outbox: Outbox,
    chat_id: int,
    text: str,
    markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None = None,
) -> None:
    outbox.send(SendMessage(chat_id=chat_id, text=text, reply_markup=markup))


def _answered(outbox: Outbox, query: CallbackQuery, text: str) -> None:
    """The step's question now shows the answer, without buttons."""
    outbox.answer(query.answer())
    if query.message is not None and not isinstance(query.message, InaccessibleMessage):
        outbox.send(query.message.edit_text(text, reply_markup=None))


async def _ask(
    step: Step,
    outbox: Outbox,
    chat_id: int,
    state: FSMContext,
    draft: ReportDraft,
    network: Network,
    i18n: I18n,
) -> None:
    await state.set_state(STEP_STATES[step])
    await _keep(state, draft)
    head = report_wizard.heading(step, draft.privacy)
    language = i18n.current_locale
    if step is Step.CATEGORY:
        markup = report_wizard.choices(
            network.categories, WizardAction.CATEGORY, network, language, back=False
        )
        about = (
            fmt(_("📢 About the alert: “{text}”"), text=excerpt(draft.alert_text, 120)) + "\n\n"
            if draft.alert_text
            else ""
        )
        _say(outbox, chat_id, head + about + _("What is your report about?"), markup)
    elif step is Step.PRIVACY:
        _say(outbox, chat_id, head + _privacy_question(), report_wizard.privacy())
    elif step is Step.LOCATION:
        _say(
            outbox,
            chat_id,
            head
            + _(
                "Where exactly did it happen? Share a location with the button below (the "
                "paperclip → Location picks a place on the map), write the address, or skip "
                "this step. A location you share may reveal where you are."
            ),
            report_wizard.location_keyboard(),
        )
    elif step is Step.AREA:
        suggested = (
            network.locate(draft.latitude, draft.longitude)
            if draft.latitude is not None and draft.longitude is not None
            else network.area(draft.area or "")
        )
        question = (
            fmt(
                _("That looks like {name}. Please confirm or choose another area:"),
                name=suggested.name(language, network.default_language),
            )
            if suggested
            else _("In which area did it happen?")
        )
        markup = report_wizard.choices(
            network.areas,
            WizardAction.AREA,
            network,
            language,
            suggested.code if suggested else None,
        )
        _say(outbox, chat_id, head + question, markup)
    else:
        _say(
            outbox,
            chat_id,
            head
            + _(
                "Describe what happened: what, when, where exactly, who was involved. "
                "You can send several messages, photos, videos, voice messages and files.\n"
                "Press “📨 Send report” when you are done."
            ),
            report_wizard.description_keyboard(),
        )


def _privacy_question() -> str:
    return _(
        "<b>Who may know this report is from you?</b>\n"
        "🔒 Confidential: the police see your first name only.\n"
        "👤 With my name: the police see your name and Telegram account, so they can "
        "contact you more easily.\n"
        "🕶 Anonymous: the police see no name at all. They can still answer you here."
    )


async def _next(
    step: Step,
    outbox: Outbox,
    chat_id: int,
    state: FSMContext,
    draft: ReportDraft,
    network: Network,
    i18n: I18n,
) -> None:
    """After answering `step`: the summary when editing from it, else the following step."""
    if draft.editing:
        await _show_summary(outbox, chat_id, state, draft, network, i18n)
        return
    following = {
        Step.CATEGORY: Step.PRIVACY,
        Step.PRIVACY: Step.LOCATION,
        Step.LOCATION: Step.AREA,
        Step.AREA: Step.DESCRIPTION,
    }[step]
    await _ask(following, outbox, chat_id, state, draft, network, i18n)


# -- starting ------------------------------------------------------------------------------


async def cmd_report(
    message: Message,
    outbox: Outbox,
    session: AsyncSession,
    state: FSMContext,
    network: Network,
    i18n: I18n,
    citizen: Citizen,
) -> None:
    """Start the wizard (again, if one was under way)."""
    await _start(outbox, message.chat.id, session, state, network, i18n, citizen, ReportDraft())


async def cb_report_this(
    query: CallbackQuery,
    outbox: Outbox,
    session: AsyncSession,
    state: FSMContext,
    network: Network,
    i18n: I18n,
    citizen: Citizen,
) -> None:
    """ "Report this": what the resident wrote before becomes the description."""
    kept = (await state.get_data()).get(UNSENT, [])
    outbox.answer(query.answer())
    draft = ReportDraft(items=list(kept))
    await _start(outbox, citizen.chat_id, session, state, network, i18n, citizen, draft)


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
    """ "I have information" under an alert: a report linked to that alert, which names it and
    suggests its area."""
    alert = await engine.alert_context(
        session, callback_data.delivery_id, citizen.chat_id, citizen.id, i18n.current_locale
    )
    outbox.answer(query.answer())
    draft = (
        ReportDraft(alert_id=alert.announcement_id, alert_text=alert.text, area=alert.area)
        if alert
        else ReportDraft()
    )
    await _start(outbox, citizen.chat_id, session, state, network, i18n, citizen, draft)


async def _start(
    outbox: Outbox,
    chat_id: int,
    session: AsyncSession,
    state: FSMContext,
    network: Network,
    i18n: I18n,
    citizen: Citizen,
    draft: ReportDraft,
) -> None:
    await state.clear()
    refused = await reports.refusal(session, citizen, network)
    if refused is not None:
        _say(outbox, chat_id, refusal_text(refused, network), keyboards.main_menu())
        return
    await _ask(Step.CATEGORY, outbox, chat_id, state, draft, network, i18n)


def refusal_text(refused: Refusal, network: Network) -> str:
    number = isolate(network.emergency.number)
    if refused is Refusal.BANNED:
        return _(
            "You cannot make new reports through Beatline at the moment. "
            "In an emergency call {number}."
        ).format(number=number)
    if refused is Refusal.TOO_MANY_OPEN:
        return fmt(
            n_(
                "You already have {count} open report, as many as one person can have. "
                "Write in it, or wait until it is closed. In an emergency call {number}.",
                "You already have {count} open reports, as many as one person can have. "
                "Write in one of them, or wait until one is closed. In an emergency call "
                "{number}.",
                network.limits.open_cases,
            ),
            count=network.limits.open_cases,
            number=network.emergency.number,
        )
    if refused is Refusal.ALREADY_SENT:
        return _("This report has been sent already.")
    return _("Please describe what happened first.")


# -- the steps -----------------------------------------------------------------------------


async def cb_category(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: ReportCb,
    state: FSMContext,
    network: Network,
    i18n: I18n,
    citizen: Citizen,
) -> None:
    category = network.category(callback_data.value)
    if category is None:
        outbox.answer(query.answer(_("This choice is no longer available."), show_alert=True))
        return
    draft = await _draft(state)
    draft.category = category.code
    name = category.name(i18n.current_locale, network.default_language)
    _answered(outbox, query, fmt(_("Category: {name}"), name=name))
    await _next(Step.CATEGORY, outbox, citizen.chat_id, state, draft, network, i18n)


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
    draft = await _draft(state)
    draft.privacy = tier
    _answered(outbox, query, fmt(_("Privacy: {tier}"), tier=report_wizard.privacy_label(tier)))
    if draft.anonymous and draft.latitude is not None and not draft.rounded:
        await _ask_precision(outbox, citizen.chat_id, state, draft)  # an exact point given earlier
        return
    await _next(Step.PRIVACY, outbox, citizen.chat_id, state, draft, network, i18n)


async def on_location(
    message: Message,
    outbox: Outbox,
    state: FSMContext,
    network: Network,
    i18n: I18n,
) -> None:
    """Keep the point (an anonymous report asks first how precisely), then suggest the area."""
    assert message.location is not None
    draft = await _draft(state)
    draft.latitude, draft.longitude = message.location.latitude, message.location.longitude
    draft.rounded = False
    _say(outbox, message.chat.id, _("📍 Location received."), ReplyKeyboardRemove())
    if draft.anonymous:
        await _ask_precision(outbox, message.chat.id, state, draft)
        return
    await _next(Step.LOCATION, outbox, message.chat.id, state, draft, network, i18n)


async def _ask_precision(
    outbox: Outbox, chat_id: int, state: FSMContext, draft: ReportDraft
) -> None:
    await state.set_state(ReportForm.precision)
    await _keep(state, draft)
    _say(
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
    draft = await _draft(state)
    if draft.latitude is None or draft.longitude is None:
        outbox.answer(query.answer(_("This button is no longer active."), show_alert=True))
        return
    if callback_data.value != "exact":
        draft.latitude, draft.longitude = round_location(draft.latitude, draft.longitude)
        draft.rounded = True
        _answered(outbox, query, _("The police will see the place to about 500 m."))
    else:
        _answered(outbox, query, _("The police will see the exact point."))
    await _next(Step.LOCATION, outbox, citizen.chat_id, state, draft, network, i18n)


async def on_skip_location(
    message: Message, outbox: Outbox, state: FSMContext, network: Network, i18n: I18n
) -> None:
    draft = await _draft(state)
    draft.latitude = draft.longitude = draft.location_note = None
    _say(outbox, message.chat.id, _("No location, that is fine."), ReplyKeyboardRemove())
    await _next(Step.LOCATION, outbox, message.chat.id, state, draft, network, i18n)


async def on_location_note(
    message: Message, outbox: Outbox, state: FSMContext, network: Network, i18n: I18n
) -> None:
    """An address or a description of the place, in the resident's words."""
    draft = await _draft(state)
    draft.location_note = (message.text or "").strip()[:LOCATION_NOTE_MAX]
    _say(outbox, message.chat.id, _("📍 Noted where it happened."), ReplyKeyboardRemove())
    await _next(Step.LOCATION, outbox, message.chat.id, state, draft, network, i18n)


async def cb_area(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: ReportCb,
    state: FSMContext,
    network: Network,
    i18n: I18n,
    citizen: Citizen,
) -> None:
    area = network.area(callback_data.value)
    if area is None:
        outbox.answer(query.answer(_("This choice is no longer available."), show_alert=True))
        return
    draft = await _draft(state)
    draft.area = area.code
    name = area.name(i18n.current_locale, network.default_language)
    _answered(outbox, query, fmt(_("Area: {name}"), name=name))
    await _next(Step.AREA, outbox, citizen.chat_id, state, draft, network, i18n)


async def on_description(
    message: Message,
    outbox: Outbox,
    state: FSMContext,
    album: list[Message] | None = None,
) -> None:
    """Collect text and media until the resident presses "Send report"."""
    messages = album or [message]
    draft = await _draft(state)
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
    await _keep(state, draft)
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
    await _add(outbox, state, await _draft(state), [restore(item) for item in held])


# -- summary and sending ---------------------------------------------------------------------


async def on_summary(
    message: Message, outbox: Outbox, state: FSMContext, network: Network, i18n: I18n
) -> None:
    """ "📨 Send report": first the summary, with *Edit* and *Send*."""
    draft = await _draft(state)
    if not draft.items:
        outbox.send(message.answer(_("Please describe what happened first.")))
        return
    await _show_summary(outbox, message.chat.id, state, draft, network, i18n)


async def _show_summary(
    outbox: Outbox,
    chat_id: int,
    state: FSMContext,
    draft: ReportDraft,
    network: Network,
    i18n: I18n,
) -> None:
    if not draft.items:  # an edit reached the summary before there was a description
        draft.editing = False
        await _ask(Step.DESCRIPTION, outbox, chat_id, state, draft, network, i18n)
        return
    draft.editing = False
    await state.set_state(ReportForm.summary)
    await _keep(state, draft)
    language = i18n.current_locale
    category = network.category(draft.category or "")
    area = network.area(draft.area or "")
    if draft.latitude is not None:
        place = _("yes, about 500 m") if draft.rounded else _("yes, the exact point")
    else:
        place = draft.location_note or _("no")
    texts, attachments = draft.counts()
    text = report_wizard.summary(
        category.name(language, network.default_language) if category else "—",
        area.name(language, network.default_language) if area else "—",
        draft.privacy or Privacy.CONFIDENTIAL,
        place,
        texts,
        attachments,
    )
    _say(outbox, chat_id, text, report_wizard.summary_keyboard())


async def cb_edit(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: ReportCb,
    state: FSMContext,
    network: Network,
    i18n: I18n,
    citizen: Citizen,
) -> None:
    """ "Edit": which step? Then that step, and back to the summary."""
    if not callback_data.value:
        outbox.answer(query.answer())
        if isinstance(query.message, Message):
            outbox.send(
                query.message.edit_text(
                    _("What would you like to change?"),
                    reply_markup=report_wizard.edit_keyboard(),
                )
            )
        return
    draft = await _draft(state)
    draft.editing = True
    _answered(outbox, query, _("What would you like to change?"))
    await _ask(Step(callback_data.value), outbox, citizen.chat_id, state, draft, network, i18n)


async def cb_send(
    query: CallbackQuery,
    outbox: Outbox,
    state: FSMContext,
    session: AsyncSession,
    citizen: Citizen,
    relay: Relay,
    network: Network,
    i18n: I18n,
    clock: Clock,
    settings: Settings,
    detector: EmergencyDetector,
) -> None:
    """Open the case; the resident gets the reference at once, the desk its topic soon."""
    draft = await _draft(state)
    outcome = await reports.send(
        relay,
        session,
        network,
        citizen,
        draft,
        detector,
        i18n.current_locale,
        clock.now(),
        settings.ref_prefix,
    )
    await state.clear()
    if isinstance(outcome, Refusal):
        _answered(outbox, query, refusal_text(outcome, network))
        _say(outbox, citizen.chat_id, _("Choose an option from the menu."), keyboards.main_menu())
        return
    _answered(outbox, query, _("📨 Sent."))
    # The receipt is kept with the case once sent, so a reply to it lands in this case.
    outbox.send(
        SendMessage(
            chat_id=citizen.chat_id,
            text=fmt(
                _(
                    "Thank you. Your report has been sent to the police.\n"
                    "Your reference is <b>{ref}</b>. You will get the answer here; "
                    "write here to add information."
                ),
                ref=outcome.ref,
            ),
            reply_markup=keyboards.main_menu(),
        ),
        case=outcome,
        effect=SYSTEM_RECORD,
        data={"citizen_id": citizen.id},
    )


# -- back, cancel and stray input ----------------------------------------------------------


async def _back(
    outbox: Outbox,
    chat_id: int,
    state: FSMContext,
    network: Network,
    i18n: I18n,
    remove_keyboard: bool,
) -> None:
    current = await state.get_state()
    draft = await _draft(state)
    draft.editing = False
    if current == ReportForm.summary.state:
        step = Step.DESCRIPTION
    elif current == ReportForm.precision.state:
        step = Step.LOCATION
    else:
        here = next((s for s, st in STEP_STATES.items() if st.state == current), Step.CATEGORY)
        step = PREVIOUS.get(here, Step.CATEGORY)
    if remove_keyboard:
        _say(outbox, chat_id, _("◀ One step back."), ReplyKeyboardRemove())
    await _ask(step, outbox, chat_id, state, draft, network, i18n)


async def on_back(
    message: Message, outbox: Outbox, state: FSMContext, network: Network, i18n: I18n
) -> None:
    await _back(outbox, message.chat.id, state, network, i18n, remove_keyboard=True)


async def cb_back(
    query: CallbackQuery,
    outbox: Outbox,
    state: FSMContext,
    network: Network,
    i18n: I18n,
    citizen: Citizen,
) -> None:
    _answered(outbox, query, _("◀ One step back."))
    await _back(outbox, citizen.chat_id, state, network, i18n, remove_keyboard=False)


async def _cancelled(outbox: Outbox, chat_id: int, state: FSMContext) -> None:
    await state.clear()
    _say(
        outbox,
        chat_id,
        _("Your report was cancelled. Nothing was sent."),
        keyboards.main_menu(),
    )


async def cmd_cancel(message: Message, outbox: Outbox, state: FSMContext) -> None:
    await _cancelled(outbox, message.chat.id, state)


async def cb_cancel(
    query: CallbackQuery, outbox: Outbox, state: FSMContext, citizen: Citizen
) -> None:
    if await state.get_state() is None:  # a button of a wizard that is over
        outbox.answer(query.answer(_("This button is no longer active."), show_alert=True))
        return
    outbox.answer(query.answer())
    if query.message is not None and not isinstance(query.message, InaccessibleMessage):
        outbox.send(query.message.edit_reply_markup(reply_markup=None))
    await _cancelled(outbox, citizen.chat_id, state)


async def on_unsupported(message: Message, outbox: Outbox) -> None:
    outbox.send(message.answer(cannot_pass_on()))


async def on_waiting_for_button(message: Message, outbox: Outbox) -> None:
    outbox.send(message.answer(_("Please use the buttons, or /cancel to stop this report.")))
