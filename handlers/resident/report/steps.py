"""The wizard's answers, one handler per step: category, privacy, location (a point, an address
in words, or none; rounded to about 500 m in an anonymous report unless the resident wants the
exact point), area and the description (text and media, several messages)."""

from __future__ import annotations

from aiogram.types import CallbackQuery, Message, ReactionTypeEmoji, ReplyKeyboardRemove

from bot.kinds import Privacy
from bot.network.areas import Area, Category
from bot.network.geometry import round_location
from bot.ui import keyboards, report_wizard
from bot.ui.i18n import _
from bot.ui.report_wizard import ReportCb, Step, WizardAction
from bot.ui.texts import fmt
from bot.workflows.anonymous import asks_first
from bot.workflows.casework import ask_before_revealing, restore, snapshot
from bot.workflows.reports import ReportDraft
from handlers.resident.held import SENSITIVE, refused, take_held
from handlers.resident.report.flow import LOCATION_NOTE_MAX, ReportForm, ReportWizard

# -- the steps -----------------------------------------------------------------------------


async def cb_choice(query: CallbackQuery, callback_data: ReportCb, wizard: ReportWizard) -> None:
    """A category or an area picked from the list: the question shows the choice (or a notice,
    for one the network no longer has), then the next step."""
    network = wizard.network
    if callback_data.action == WizardAction.CATEGORY:
        step, label = Step.CATEGORY, _("Category: {name}")
        item: Category | Area | None = network.category(callback_data.value)
    else:
        step, label = Step.AREA, _("Area: {name}")
        item = network.area(callback_data.value)
    if item is None:
        wizard.refuse(query, _("This choice is no longer available."))
        return
    name = item.name(wizard.i18n.current_locale, network.default_language)
    wizard.answered(query, fmt(label, name=name))
    draft = await wizard.draft()
    if step is Step.CATEGORY:
        draft.category = item.code
    else:
        draft.area = item.code
    await wizard.ask_next(step, draft)


async def cb_privacy(query: CallbackQuery, callback_data: ReportCb, wizard: ReportWizard) -> None:
    try:
        tier = Privacy(callback_data.value)
    except ValueError:
        wizard.refuse(query, _("This choice is no longer available."))
        return
    draft = await wizard.draft()
    draft.privacy = tier
    wizard.answered(query, fmt(_("Privacy: {tier}"), tier=report_wizard.privacy_label(tier)))
    if draft.anonymous and draft.latitude is not None and not draft.rounded:
        await _ask_precision(wizard, draft)  # an exact point given earlier
        return
    await wizard.ask_next(Step.PRIVACY, draft)


async def on_location(message: Message, wizard: ReportWizard) -> None:
    """Keep the point (an anonymous report asks first how precisely), then suggest the area."""
    assert message.location is not None
    draft = await wizard.draft()
    draft.latitude, draft.longitude = message.location.latitude, message.location.longitude
    draft.rounded = False
    wizard.say(_("📍 Location received."), ReplyKeyboardRemove())
    if draft.anonymous:
        await _ask_precision(wizard, draft)
        return
    await wizard.ask_next(Step.LOCATION, draft)


async def _ask_precision(wizard: ReportWizard, draft: ReportDraft) -> None:
    await wizard.state.set_state(ReportForm.precision)
    await wizard.keep(draft)
    wizard.say(
        _(
            "Your report is anonymous, and an exact point may show where you live. Shall the "
            "police get the place to about 500 m, or the exact point?"
        ),
        report_wizard.precision(),
    )


async def cb_precision(
    query: CallbackQuery, callback_data: ReportCb, wizard: ReportWizard
) -> None:
    draft = await wizard.draft()
    if draft.latitude is None or draft.longitude is None:
        wizard.refuse(query, _("This button is no longer active."))
        return
    if callback_data.value != "exact":
        draft.latitude, draft.longitude = round_location(draft.latitude, draft.longitude)
        draft.rounded = True
        wizard.answered(query, _("The police will see the place to about 500 m."))
    else:
        wizard.answered(query, _("The police will see the exact point."))
    await wizard.ask_next(Step.LOCATION, draft)


async def on_skip_location(message: Message, wizard: ReportWizard) -> None:
    draft = await wizard.draft()
    draft.latitude = draft.longitude = draft.location_note = None
    wizard.say(_("No location, that is fine."), ReplyKeyboardRemove())
    await wizard.ask_next(Step.LOCATION, draft)


async def on_location_note(message: Message, wizard: ReportWizard) -> None:
    """An address or a description of the place, in the resident's words."""
    draft = await wizard.draft()
    draft.location_note = (message.text or "").strip()[:LOCATION_NOTE_MAX]
    wizard.say(_("📍 Noted where it happened."), ReplyKeyboardRemove())
    await wizard.ask_next(Step.LOCATION, draft)


async def on_description(
    message: Message, wizard: ReportWizard, album: list[Message] | None = None
) -> None:
    """Collect text and media until the resident presses "Send report"."""
    messages = album or [message]
    draft = await wizard.draft()
    if draft.anonymous and any(asks_first(m) for m in messages):
        await wizard.state.update_data({SENSITIVE: [snapshot(m) for m in messages]})
        ask_before_revealing(wizard.outbox, message)
        return
    await _add(wizard, draft, messages)


async def _add(wizard: ReportWizard, draft: ReportDraft, messages: list[Message]) -> None:
    if not draft.add(messages):
        wizard.say(
            _(
                "That is as much as one report can hold. Press “📨 Send report”; you can "
                "send more afterwards."
            )
        )
        return
    await wizard.keep(draft)
    for message in messages:
        wizard.outbox.send(message.react([ReactionTypeEmoji(emoji="✍")]))


async def cb_sensitive(
    query: CallbackQuery, callback_data: keyboards.SensitiveCb, wizard: ReportWizard
) -> None:
    pending = await take_held(query, wizard.outbox, wizard.state)
    if pending is None or not callback_data.send:
        refused(query, wizard.outbox, _("Not added."))
        return
    held = pending if isinstance(pending, list) else [pending]  # one message before 0.2
    await _add(wizard, await wizard.draft(), [restore(item) for item in held])
