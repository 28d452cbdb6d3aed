"""The answers to the two questions a follow-up may raise (handlers.resident.followups): which
open case it is about, when the resident has several, and, in an anonymous case, whether to
send what may identify them after all."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.domain import bans
from bot.domain import cases as case_service
from bot.domain.triage import EmergencyDetector
from bot.ui import keyboards
from bot.ui.i18n import _
from bot.ui.texts import isolate, quote
from bot.workflows.casework import groups, relay_from_citizen, restore
from handlers.context import Context
from handlers.filters import Consented
from handlers.resident.followups import ACTIVE_CASE, PENDING, deliver
from handlers.resident.held import refused, take_held
from storage.messages import CaseMessages
from storage.models import Citizen


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.filter(Consented())
    router.callback_query.register(cb_pick_case, keyboards.PickCaseCb.filter())
    router.callback_query.register(cb_sensitive, keyboards.SensitiveCb.filter())
    return router


async def cb_pick_case(
    query: CallbackQuery,
    callback_data: keyboards.PickCaseCb,
    ctx: Context,
    citizen: Citizen,
    state: FSMContext,
    detector: EmergencyDetector,
) -> None:
    """Send the messages that waited for a case choice, and keep using that case."""
    pending: list[dict[str, Any]] = (await state.get_data()).get(PENDING, [])
    case = await case_service.open_case_by_id(ctx.session, citizen, callback_data.case_id)
    if case is None or not isinstance(query.message, Message):
        ctx.outbox.answer(
            query.answer(_("That case is closed or no longer yours."), show_alert=True)
        )
        if pending and isinstance(query.message, Message):
            # Never dropped: the waiting messages are offered the cases still open.
            open_ones = list(await case_service.open_cases(ctx.session, citizen))
            ctx.outbox.send(
                query.message.edit_text(
                    _("That case was closed meanwhile. Which report are your messages about?")
                    if open_ones
                    else _("That case was closed meanwhile, and no other report is open."),
                    reply_markup=keyboards.pick_case(
                        open_ones, ctx.network, ctx.i18n.current_locale
                    )
                    if open_ones
                    else keyboards.report_this(),
                )
            )
        return
    await state.update_data({ACTIVE_CASE: case.id, PENDING: []})
    waiting = [restore(item) for item in pending]
    fresh = [
        m for m in waiting if not await CaseMessages(ctx.session).exists(m.chat.id, m.message_id)
    ]
    for batch in groups(fresh):
        await deliver(batch, case, ctx, citizen, state, detector)
    ctx.outbox.answer(query.answer())
    ctx.outbox.send(
        query.message.edit_text(
            _(
                "Sent to <b>{ref}</b>. Your next messages go there too; reply to a message of "
                "another case to write about that one."
            ).format(ref=isolate(quote(case.ref)))
        )
    )


async def cb_sensitive(
    query: CallbackQuery,
    callback_data: keyboards.SensitiveCb,
    ctx: Context,
    citizen: Citizen,
    state: FSMContext,
    detector: EmergencyDetector,
) -> None:
    """The anonymous resident's answer to "this may identify you — send anyway?"."""
    pending = await take_held(query, ctx.outbox, state)
    if not pending or not callback_data.send or await bans.standing_against(ctx.session, citizen):
        refused(query, ctx.outbox, _("Not sent."))
        return
    case = await case_service.open_case_by_id(ctx.session, citizen, pending["case_id"])
    if case is None:
        return
    messages = [restore(item) for item in pending["messages"]]
    await relay_from_citizen(
        ctx.relay, ctx.session, case, citizen, messages, ctx.clock.now(), detector
    )
