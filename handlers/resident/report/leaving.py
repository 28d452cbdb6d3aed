"""◀ Back, ✖ Cancel and input the wizard cannot use."""

from __future__ import annotations

from aiogram.types import CallbackQuery, InaccessibleMessage, Message, ReplyKeyboardRemove

from bot.ui import keyboards
from bot.ui.i18n import _
from bot.ui.report_wizard import Step
from bot.ui.texts import cannot_pass_on
from handlers.resident.report.flow import PREVIOUS, STEP_STATES, ReportForm, ReportWizard

# -- back, cancel and stray input ----------------------------------------------------------


async def _back(wizard: ReportWizard) -> None:
    current = await wizard.state.get_state()
    draft = await wizard.draft()
    draft.editing = False
    if current == ReportForm.summary.state:
        step = Step.DESCRIPTION
    elif current == ReportForm.precision.state:
        step = Step.LOCATION
    else:
        here = next((s for s, st in STEP_STATES.items() if st.state == current), Step.CATEGORY)
        step = PREVIOUS.get(here, Step.CATEGORY)
    await wizard.ask(step, draft)


async def on_back(message: Message, wizard: ReportWizard) -> None:
    wizard.say(_("◀ One step back."), ReplyKeyboardRemove())
    await _back(wizard)


async def cb_back(query: CallbackQuery, wizard: ReportWizard) -> None:
    wizard.answered(query, _("◀ One step back."))
    await _back(wizard)


async def _cancelled(wizard: ReportWizard) -> None:
    await wizard.state.clear()
    wizard.say(_("Your report was cancelled. Nothing was sent."), keyboards.main_menu())


async def cmd_cancel(message: Message, wizard: ReportWizard) -> None:
    await _cancelled(wizard)


async def cb_cancel(query: CallbackQuery, wizard: ReportWizard) -> None:
    if await wizard.state.get_state() is None:  # a button of a wizard that is over
        wizard.refuse(query, _("This button is no longer active."))
        return
    wizard.outbox.answer(query.answer())
    if query.message is not None and not isinstance(query.message, InaccessibleMessage):
        wizard.outbox.send(query.message.edit_reply_markup(reply_markup=None))
    await _cancelled(wizard)


async def on_unsupported(message: Message, wizard: ReportWizard) -> None:
    wizard.say(cannot_pass_on())


async def on_waiting_for_button(message: Message, wizard: ReportWizard) -> None:
    wizard.say(_("Please use the buttons, or /cancel to stop this report."))
