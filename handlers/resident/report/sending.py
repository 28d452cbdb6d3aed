"""The summary and sending: *Send report* shows what will go out, *Edit* changes one step, *Send*
makes the case (once, however often it is pressed)."""

from __future__ import annotations

from aiogram.methods import SendMessage
from aiogram.types import CallbackQuery, Message

from bot.config import Settings
from bot.domain.triage import EmergencyDetector
from bot.ui import keyboards, report_wizard
from bot.ui.i18n import _
from bot.ui.report_wizard import ReportCb, Step
from bot.ui.texts import fmt
from bot.workflows import reports
from bot.workflows.relay import SYSTEM_RECORD
from bot.workflows.reports import Refusal
from handlers.resident.report.flow import ReportWizard, refusal_text
from storage.models import Citizen

# -- summary and sending ---------------------------------------------------------------------


async def on_summary(message: Message, wizard: ReportWizard) -> None:
    """ "📨 Send report": first the summary, with *Edit* and *Send*."""
    draft = await wizard.draft()
    if not draft.items:
        wizard.say(_("Please describe what happened first."))
        return
    await wizard.show_summary(draft)


async def cb_edit(query: CallbackQuery, callback_data: ReportCb, wizard: ReportWizard) -> None:
    """ "Edit": which step? Then that step, and back to the summary."""
    if not callback_data.value:
        wizard.outbox.answer(query.answer())
        if isinstance(query.message, Message):
            wizard.outbox.send(
                query.message.edit_text(
                    _("What would you like to change?"),
                    reply_markup=report_wizard.edit_keyboard(),
                )
            )
        return
    draft = await wizard.draft()
    draft.editing = True
    wizard.answered(query, _("What would you like to change?"))
    await wizard.ask(Step(callback_data.value), draft)


async def cb_send(
    query: CallbackQuery,
    wizard: ReportWizard,
    citizen: Citizen,
    settings: Settings,
    detector: EmergencyDetector,
) -> None:
    """Open the case; the resident gets the reference at once, the desk its topic soon."""
    network = wizard.network
    draft = await wizard.draft()
    outcome = await reports.send(
        wizard.relay,
        wizard.session,
        network,
        citizen,
        draft,
        detector,
        wizard.i18n.current_locale,
        wizard.clock.now(),
        settings.ref_prefix,
    )
    await wizard.state.clear()
    if isinstance(outcome, Refusal):
        wizard.answered(query, refusal_text(outcome, network))
        wizard.say(_("Choose an option from the menu."), keyboards.main_menu())
        return
    wizard.answered(query, _("📨 Sent."))
    # The receipt is kept with the case once sent, so a reply to it lands in this case.
    wizard.outbox.send(
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
