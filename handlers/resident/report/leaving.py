"""◀ Back, ✖ Cancel and input the wizard cannot use."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InaccessibleMessage,
    Message,
    ReplyKeyboardRemove,
)
from aiogram.utils.i18n import I18n

from bot.network.schema import Network
from bot.telegram.outbox import Outbox
from bot.ui import keyboards
from bot.ui.i18n import _
from bot.ui.report_wizard import Step
from bot.ui.texts import (
    cannot_pass_on,
)
from handlers.resident.report.flow import (
    PREVIOUS,
    STEP_STATES,
    ReportForm,
    answered,
    ask,
    draft_of,
    say,
)
from storage.models import Citizen

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
    draft = await draft_of(state)
    draft.editing = False
    if current == ReportForm.summary.state:
        step = Step.DESCRIPTION
    elif current == ReportForm.precision.state:
        step = Step.LOCATION
    else:
        here = next((s for s, st in STEP_STATES.items() if st.state == current), Step.CATEGORY)
        step = PREVIOUS.get(here, Step.CATEGORY)
    if remove_keyboard:
        say(outbox, chat_id, _("◀ One step back."), ReplyKeyboardRemove())
    await ask(step, outbox, chat_id, state, draft, network, i18n)


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
    answered(outbox, query, _("◀ One step back."))
    await _back(outbox, citizen.chat_id, state, network, i18n, remove_keyboard=False)


async def _cancelled(outbox: Outbox, chat_id: int, state: FSMContext) -> None:
    await state.clear()
    say(
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
