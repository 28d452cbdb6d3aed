"""Starting a report: /report and the menu button, *Report this* for words written before, and
*I have information* under an alert (the alert named, its area suggested)."""

from __future__ import annotations

from aiogram.types import CallbackQuery, Message

from bot.domain.alerts import engine
from bot.ui import keyboards
from bot.workflows.reports import ReportDraft
from handlers.resident.report.flow import ReportWizard
from handlers.resident.unsent import UNSENT
from storage.models import Citizen

# -- starting ------------------------------------------------------------------------------


async def cmd_report(message: Message, wizard: ReportWizard, citizen: Citizen) -> None:
    """Start the wizard (again, if one was under way)."""
    await wizard.start(citizen, ReportDraft())


async def cb_report_this(query: CallbackQuery, wizard: ReportWizard, citizen: Citizen) -> None:
    """ "Report this": what the resident wrote before becomes the description."""
    kept = (await wizard.state.get_data()).get(UNSENT, [])
    wizard.outbox.answer(query.answer())
    await wizard.start(citizen, ReportDraft(items=list(kept)))


async def cb_alert_information(
    query: CallbackQuery,
    callback_data: keyboards.AlertCb,
    wizard: ReportWizard,
    citizen: Citizen,
) -> None:
    """ "I have information" under an alert: a report linked to that alert, which names it and
    suggests its area."""
    alert = await engine.alert_context(
        wizard.session,
        callback_data.delivery_id,
        citizen.chat_id,
        citizen.id,
        wizard.i18n.current_locale,
    )
    wizard.outbox.answer(query.answer())
    draft = (
        ReportDraft(alert_id=alert.announcement_id, alert_text=alert.text, area=alert.area)
        if alert
        else ReportDraft()
    )
    await wizard.start(citizen, draft)
