"""A citizen's own cases: the list, /status and /help, closing a case themselves, rating the
handling, and answering a referral question."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.domain import bans
from bot.domain import cases as case_service
from bot.kinds import CaseStatus, ReferralStatus
from bot.network.schema import Network
from bot.ui import keyboards
from bot.ui.i18n import _
from bot.ui.referrals import ReferralCb, ReferralWithCb
from bot.ui.texts import (
    MENU_CASES,
    MENU_HELP,
    banned_text,
    case_line,
    case_list,
    case_status,
    fmt,
    isolate,
    quote,
)
from bot.workflows import handling, referrals
from handlers.context import Context
from handlers.filters import CommandOrButton, MenuButton, consented_router
from storage.messages import CaseMessages
from storage.models import Case, Citizen
from storage.referrals import Referrals


def create_router() -> Router:
    router = consented_router(__name__)
    router.message.filter(CommandOrButton(MENU_CASES, MENU_HELP))  # what every handler needs
    router.message.register(cmd_cases, Command("cases"))
    router.message.register(cmd_cases, MenuButton(MENU_CASES))
    router.message.register(cmd_status, Command("status"))
    router.message.register(cmd_help, Command("help"))
    router.message.register(cmd_help, MenuButton(MENU_HELP))
    router.callback_query.register(cb_rate, keyboards.RateCb.filter())
    router.callback_query.register(cb_solved, keyboards.SolvedCb.filter())
    router.callback_query.register(cb_solved_sure, keyboards.SolvedSureCb.filter())
    router.callback_query.register(cb_referral, ReferralCb.filter())
    router.callback_query.register(cb_referral, ReferralWithCb.filter())
    return router


async def cmd_cases(message: Message, ctx: Context, citizen: Citizen) -> None:
    """List open and recently closed cases; open ones can be marked solved."""
    cases = await case_service.recent_cases(ctx.session, citizen)
    open_ones = [case for case in cases if case.status != CaseStatus.CLOSED]
    ctx.outbox.send(
        message.answer(
            case_list(cases, ctx.network, ctx.i18n.current_locale),
            reply_markup=keyboards.solved(open_ones) or keyboards.main_menu(),
        )
    )


async def cmd_status(
    message: Message, command: CommandObject, ctx: Context, citizen: Citizen
) -> None:
    """`/status BL-26-00042`: one of the citizen's own cases; `/status` alone shows the one open
    case, or lists them when there are several."""
    language = ctx.i18n.current_locale
    if command.args:
        case = await case_service.find_own_case(ctx.session, citizen, command.args)
    else:
        open_ones = await case_service.open_cases(ctx.session, citizen)
        if len(open_ones) != 1:
            ctx.outbox.send(message.answer(_status_choice(open_ones, ctx.network, language)))
            return
        case = open_ones[0]
    if case is None:
        ctx.outbox.send(
            message.answer(
                fmt(
                    _("No case {ref} was found among your reports."),
                    ref=(command.args or "").strip()[:40],
                )
            )
        )
        return
    answered_at = await CaseMessages(ctx.session).last_answer_at(case.id)
    ctx.outbox.send(message.answer(case_status(case, ctx.network, language, answered_at)))


def _status_choice(open_ones: Sequence[Case], network: Network, language: str) -> str:
    """`/status` alone when there is not exactly one open case to show."""
    if not open_ones:
        return _(
            "You have no open reports. Your earlier reports are under “📂 My cases”; "
            "/status with a reference shows one of them."
        )
    lines = [case_line(case, network, language) for case in open_ones]
    return (
        _("You have several open reports. Send /status with one of these references:")
        + "\n\n"
        + "\n".join(lines)
    )


async def cmd_help(message: Message, ctx: Context) -> None:
    ctx.outbox.send(
        message.answer(
            _(
                "<b>Beatline</b> connects you with the police in your neighbourhood.\n\n"
                "📝 Report: tell the police about an incident or give a tip.\n"
                "📂 My cases: see your reports and their status (/status shows one).\n"
                "🔔 Alerts: choose the areas and topics you hear about from the police, and "
                "quiet hours for the night (/quiet 22-7).\n"
                "🌐 Language: change the language.\n"
                "🗂 Your data: /mydata sends you everything Beatline keeps about you; /forget "
                "erases it.\n"
                "After a report, write here to add information; answers from the police arrive "
                "here too.\n\n"
                "This is not an emergency line: in an emergency call {number}."
            ).format(number=isolate(quote(ctx.network.emergency.number)))
            + "\n\n"
            + _("🔒 /mydata shows everything Beatline keeps about you; /forget erases it."),
            reply_markup=keyboards.main_menu(),
        )
    )


async def cb_rate(
    query: CallbackQuery, callback_data: keyboards.RateCb, ctx: Context, citizen: Citizen
) -> None:
    """Store the citizen's 1–5 rating, once per case, and show it in the topic."""
    if await _refused_while_banned(query, ctx, citizen):
        return
    case = await case_service.find_own_case_by_id(ctx.session, citizen, callback_data.case_id)
    if case is None or case.status != CaseStatus.CLOSED:
        ctx.outbox.answer(query.answer(_("This button is no longer active."), show_alert=True))
        return
    if not case_service.rate(case, callback_data.stars):
        ctx.outbox.answer(query.answer(_("You have rated this case already."), show_alert=True))
        return
    ctx.outbox.answer(query.answer(_("Thank you for your rating.")))
    if isinstance(query.message, Message):
        ctx.outbox.send(query.message.edit_reply_markup(reply_markup=None))
        ctx.outbox.send(
            query.message.answer(
                _("Thank you. Your rating: {stars}").format(stars="⭐" * callback_data.stars)
            )
        )
    with ctx.relay.staff_language():
        text = _("⭐ The citizen rated the handling {stars}/5.").format(stars=callback_data.stars)
    ctx.relay.note_in_closed(case, text)


async def cb_solved(
    query: CallbackQuery, callback_data: keyboards.SolvedCb, ctx: Context, citizen: Citizen
) -> None:
    """ "✅ … is solved": asked once more, since it closes the case."""
    case = await _open_case(query, ctx, citizen, callback_data.case_id)
    if case is not None and isinstance(query.message, Message):
        ctx.outbox.send(
            query.message.answer(
                fmt(_("Is {ref} solved? Then the case will be closed."), ref=case.ref),
                reply_markup=keyboards.solved_sure(case.id),
            )
        )


async def cb_solved_sure(
    query: CallbackQuery, callback_data: keyboards.SolvedSureCb, ctx: Context, citizen: Citizen
) -> None:
    """Close the resident's case, or, when an officer has taken it, let the officer close it."""
    case = await _open_case(query, ctx, citizen, callback_data.case_id)
    if case is None:
        return
    if isinstance(query.message, Message):
        ctx.outbox.send(query.message.edit_reply_markup(reply_markup=None))
    if callback_data.yes:
        await handling.resident_solved(ctx.relay, ctx.session, case, citizen, ctx.clock.now())


async def cb_referral(
    query: CallbackQuery,
    callback_data: ReferralCb | ReferralWithCb,
    ctx: Context,
    citizen: Citizen,
) -> None:
    """The citizen's yes or no to sharing the case with a partner."""
    if await _refused_while_banned(query, ctx, citizen):
        return
    # "Yes, with …" (an Open311 partner): agreement that adds what `extra` names.
    if isinstance(callback_data, ReferralWithCb):
        agree, extra = True, callback_data.extra
    else:
        agree, extra = callback_data.agree, 0
    referral = await Referrals(ctx.session).by_id(callback_data.referral_id)
    case = (
        await case_service.find_own_case_by_id(ctx.session, citizen, referral.case_id)
        if referral is not None
        else None
    )
    if referral is None or case is None or referral.status != ReferralStatus.PROPOSED:
        ctx.outbox.answer(query.answer(_("This button is no longer active."), show_alert=True))
        return
    ctx.outbox.answer(query.answer())
    if isinstance(query.message, Message):
        ctx.outbox.send(query.message.edit_reply_markup(reply_markup=None))
    await referrals.answer_referral(
        ctx.relay, ctx.session, referral, case, citizen, agree, extra, ctx.clock.now()
    )


async def _open_case(
    query: CallbackQuery, ctx: Context, citizen: Citizen, case_id: int
) -> Case | None:
    """The resident's open case a button names, the button answered; None (and a notice) for
    a banned resident or a case that is closed or not theirs."""
    if await _refused_while_banned(query, ctx, citizen):
        return None
    case = await case_service.open_case_by_id(ctx.session, citizen, case_id)
    if case is None:
        ctx.outbox.answer(
            query.answer(_("That case is closed or no longer yours."), show_alert=True)
        )
        return None
    ctx.outbox.answer(query.answer())
    return case


async def _refused_while_banned(query: CallbackQuery, ctx: Context, citizen: Citizen) -> bool:
    """A banned resident's button reaches no desk; they are told so, with the emergency number."""
    if not await bans.standing_against(ctx.session, citizen):
        return False
    ctx.outbox.answer(query.answer(banned_text(ctx.network), show_alert=True))
    return True
