"""The summary and sending: *Send report* shows what will go out, *Edit* changes one step, *Send*
makes the case (once, however often it is pressed)."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.methods import SendMessage
from aiogram.types import (
    CallbackQuery,
    Message,
)
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.domain.triage import EmergencyDetector
from bot.network.schema import Network
from bot.telegram.outbox import Outbox
from bot.ui import keyboards, report_wizard
from bot.ui.i18n import _
from bot.ui.report_wizard import ReportCb, Step
from bot.ui.texts import (
    fmt,
)
from bot.workflows import reports
from bot.workflows.relay import SYSTEM_RECORD, Relay
from bot.workflows.reports import Refusal
from handlers.resident.report.flow import (
    answered,
    ask,
    draft_of,
    refusal_text,
    say,
    show_summary,
)
from storage.models import Citizen

# -- summary and sending ---------------------------------------------------------------------


async def on_summary(
    message: Message, outbox: Outbox, state: FSMContext, network: Network, i18n: I18n
) -> None:
    """ "📨 Send report": first the summary, with *Edit* and *Send*."""
    draft = await draft_of(state)
    if not draft.items:
        outbox.send(message.answer(_("Please describe what happened first.")))
        return
    await show_summary(outbox, message.chat.id, state, draft, network, i18n)


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
    draft = await draft_of(state)
    draft.editing = True
    answered(outbox, query, _("What would you like to change?"))
    await ask(Step(callback_data.value), outbox, citizen.chat_id, state, draft, network, i18n)


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
    draft = await draft_of(state)
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
        answered(outbox, query, refusal_text(outcome, network))
        say(outbox, citizen.chat_id, _("Choose an option from the menu."), keyboards.main_menu())
        return
    answered(outbox, query, _("📨 Sent."))
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
