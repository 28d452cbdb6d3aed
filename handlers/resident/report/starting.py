"""Starting a report: /report and the menu button, *Report this* for words written before, and
*I have information* under an alert (the alert named, its area suggested)."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    Message,
)
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.alerts import engine
from bot.network.schema import Network
from bot.telegram.outbox import Outbox
from bot.ui import keyboards
from bot.workflows.reports import ReportDraft
from handlers.resident.report.flow import (
    start,
)
from handlers.resident.unsent import UNSENT
from storage.models import Citizen

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
    await start(outbox, message.chat.id, session, state, network, i18n, citizen, ReportDraft())


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
    await start(outbox, citizen.chat_id, session, state, network, i18n, citizen, draft)


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
    await start(outbox, citizen.chat_id, session, state, network, i18n, citizen, draft)
