"""A consented resident writing outside the wizard: follow-ups copied to their case's desk
(albums, edits, and in anonymous cases a check before revealing content); with several open
cases, the question which one (answered in handlers.resident.case_choice); with none, an offer
to report it; shortly after a case closed, into that case; and nothing at all from a banned
resident or a flood."""

from __future__ import annotations

from datetime import datetime

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.domain import bans
from bot.domain.followup_limit import FollowupLimit
from bot.domain.triage import EmergencyDetector
from bot.kinds import Privacy
from bot.ui import keyboards
from bot.ui.i18n import _
from bot.ui.texts import CANCEL, SEND_REPORT, SKIP, cannot_pass_on
from bot.workflows import followups
from bot.workflows.anonymous import asks_first
from bot.workflows.casework import ask_before_revealing, relay_from_citizen, snapshot
from bot.workflows.edits import resident_edited
from bot.workflows.language_offer import maybe_offer
from bot.workflows.relay import RELAYABLE
from handlers.context import Context
from handlers.filters import AnyMenuButton, Consented, Match
from handlers.resident.held import SENSITIVE
from handlers.resident.unsent import keep_unsent, offer_unsent
from storage.models import Case, Citizen

ACTIVE_CASE = "active_case_id"
PENDING = "pending_messages"


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(Consented())
    router.edited_message.filter(Consented())
    router.callback_query.filter(Consented())
    router.message.register(cmd_unknown, Match(F.text.startswith("/")))
    # Wizard buttons pressed after the wizard ended (a double tap) must not become follow-ups.
    router.message.register(on_leftover_button, AnyMenuButton(SEND_REPORT, CANCEL, SKIP))
    router.message.register(on_followup, StateFilter(None), Match(F.content_type.in_(RELAYABLE)))
    router.message.register(on_unsupported, StateFilter(None))
    router.edited_message.register(on_edit)
    return router


async def cmd_unknown(message: Message, ctx: Context) -> None:
    ctx.outbox.send(
        message.answer(
            _("I do not know that command. See /help."), reply_markup=keyboards.main_menu()
        )
    )


async def on_leftover_button(message: Message, ctx: Context) -> None:
    ctx.outbox.send(
        message.answer(_("Choose an option from the menu."), reply_markup=keyboards.main_menu())
    )


async def on_followup(
    message: Message,
    ctx: Context,
    citizen: Citizen,
    state: FSMContext,
    detector: EmergencyDetector,
    followup_limit: FollowupLimit,
    album: list[Message] | None = None,
) -> None:
    """Pass what the resident writes to the case it belongs to."""
    messages = album or [message]
    now = ctx.clock.now()
    reason = await followups.hold(ctx.session, citizen, ctx.network, followup_limit, now)
    if reason is not None:
        text = followups.held_text(reason, ctx.network)
        if text:
            ctx.outbox.send(message.reply(text))
        return
    data = await state.get_data()
    target = await followups.target(ctx.session, citizen, message, data.get(ACTIVE_CASE))
    if target is None:
        await _without_open_case(message, messages, ctx, citizen, state, detector, now)
        return
    if isinstance(target, list):
        await state.update_data({PENDING: [*data.get(PENDING, []), *map(snapshot, messages)]})
        # Asked again at every message, so a resident who overlooked the question sees it.
        ctx.outbox.send(
            message.reply(
                _("You have more than one open report. Which one is this about?"),
                reply_markup=keyboards.pick_case(target, ctx.network, ctx.i18n.current_locale),
            )
        )
        return
    if message.reply_to_message is not None:
        await state.update_data({ACTIVE_CASE: target.id})
    await deliver(messages, target, ctx, citizen, state, detector)


async def _without_open_case(
    message: Message,
    messages: list[Message],
    ctx: Context,
    citizen: Citizen,
    state: FSMContext,
    detector: EmergencyDetector,
    now: datetime,
) -> None:
    """Shortly after a case closed: into that case. Otherwise: offered as a new report."""
    if await followups.relay_after_closing(
        ctx.relay, ctx.session, citizen, messages, now, detector
    ):
        return
    if await keep_unsent(state, message):
        offer_unsent(ctx.outbox, message.chat.id)
        return
    ctx.outbox.send(
        message.answer(
            _("You have no open report. Press “📝 Report” to tell us about something."),
            reply_markup=keyboards.main_menu(),
        )
    )


async def deliver(
    messages: list[Message],
    case: Case,
    ctx: Context,
    citizen: Citizen,
    state: FSMContext,
    detector: EmergencyDetector,
) -> None:
    """Relay, unless an anonymous resident should first confirm a contact or location."""
    if case.privacy == Privacy.ANONYMOUS and any(asks_first(m) for m in messages):
        await state.update_data(
            {SENSITIVE: {"case_id": case.id, "messages": [snapshot(m) for m in messages]}}
        )
        ask_before_revealing(ctx.outbox, messages[0])
        return
    languages = await relay_from_citizen(
        ctx.relay, ctx.session, case, citizen, messages, ctx.clock.now(), detector
    )
    await followups.answer_partner(ctx.relay, ctx.session, case, messages)
    await maybe_offer(languages, citizen, state, ctx.relay)


async def on_edit(message: Message, ctx: Context, citizen: Citizen) -> None:
    """Show an edit of an already relayed message in the topic (never for a banned resident)."""
    if await bans.standing_against(ctx.session, citizen):
        return
    await resident_edited(ctx.relay, ctx.session, citizen, message, ctx.clock.now())


async def on_unsupported(message: Message, ctx: Context) -> None:
    ctx.outbox.send(message.answer(cannot_pass_on()))


async def cb_stale(query: CallbackQuery, ctx: Context) -> None:
    """Any button nothing else answers: a wizard or question that is over."""
    ctx.outbox.answer(query.answer(_("This button is no longer active."), show_alert=True))


def create_stale_router() -> Router:
    router = Router(name=f"{__name__}.stale")
    router.callback_query.register(cb_stale)
    return router
