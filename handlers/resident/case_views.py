"""A citizen's own cases: the list, /status and /help, closing a case themselves, rating the
handling, and answering a referral question."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.domain import audit
from bot.domain import cases as case_service
from bot.domain import referrals as referral_service
from bot.kinds import CaseStatus, ReferralStatus
from bot.network.schema import Network
from bot.telegram.outbox import Outbox
from bot.ui import keyboards
from bot.ui.i18n import _
from bot.ui.texts import (
    MENU_CASES,
    MENU_HELP,
    case_line,
    case_list,
    fmt,
    isolate,
    local_time,
    quote,
)
from bot.workflows import desks, open311
from bot.workflows.relay import Relay
from handlers.filters import Consented, MenuButton
from storage.models import Citizen


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(Consented())
    router.callback_query.filter(Consented())
    router.message.register(cmd_cases, Command("cases"))
    router.message.register(cmd_cases, MenuButton(MENU_CASES))
    router.message.register(cmd_status, Command("status"))
    router.message.register(cmd_help, Command("help"))
    router.message.register(cmd_help, MenuButton(MENU_HELP))
    router.callback_query.register(cb_rate, keyboards.RateCb.filter())
    router.callback_query.register(cb_solved, keyboards.SolvedCb.filter())
    router.callback_query.register(cb_referral, keyboards.ReferralCb.filter())
    router.callback_query.register(cb_referral, keyboards.ReferralWithCb.filter())
    return router


async def cmd_cases(
    message: Message,
    outbox: Outbox,
    session: AsyncSession,
    citizen: Citizen,
    network: Network,
    i18n: I18n,
) -> None:
    """List open and recently closed cases; open ones can be marked solved."""
    cases = await case_service.recent_cases(session, citizen)
    open_ones = [case for case in cases if case.status != CaseStatus.CLOSED]
    outbox.send(
        message.answer(
            case_list(cases, network, i18n.current_locale),
            reply_markup=keyboards.solved(open_ones) or keyboards.main_menu(),
        )
    )


async def cmd_status(
    message: Message,
    outbox: Outbox,
    command: CommandObject,
    session: AsyncSession,
    citizen: Citizen,
    network: Network,
    i18n: I18n,
) -> None:
    """`/status BL-26-00042`: one of the citizen's own cases."""
    if not command.args:
        outbox.send(
            message.answer(
                _("Send the reference with the command, for example: /status BL-26-00042")
            )
        )
        return
    case = await case_service.find_own_case(session, citizen, command.args)
    if case is None:
        outbox.send(
            message.answer(
                fmt(
                    _("No case {ref} was found among your reports."), ref=command.args.strip()[:40]
                )
            )
        )
        return
    outbox.send(
        message.answer(
            case_line(case, network, i18n.current_locale)
            + "\n"
            + fmt(_("Reported: {time}"), time=local_time(case.created_at, network))
        )
    )


async def cmd_help(message: Message, outbox: Outbox, network: Network) -> None:
    outbox.send(
        message.answer(
            _(
                "<b>Beatline</b> connects you with the police in your neighbourhood.\n\n"
                "📝 Report: tell the police about an incident or give a tip.\n"
                "📂 My cases: see your reports and their status (or /status with a reference).\n"
                "🌐 Language: change the language.\n"
                "After a report, write here to add information; answers from the police arrive "
                "here too.\n\n"
                "This is not an emergency line: in an emergency call {number}."
            ).format(number=isolate(quote(network.emergency.number))),
            reply_markup=keyboards.main_menu(),
        )
    )


async def cb_rate(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: keyboards.RateCb,
    session: AsyncSession,
    citizen: Citizen,
    relay: Relay,
) -> None:
    """Store the citizen's 1–5 rating and show it in the topic."""
    case = await case_service.find_own_case_by_id(session, citizen, callback_data.case_id)
    if case is None or case.status != CaseStatus.CLOSED:
        outbox.answer(query.answer(_("This button is no longer active."), show_alert=True))
        return
    case_service.rate(case, callback_data.stars)
    outbox.answer(query.answer(_("Thank you for your rating.")))
    if isinstance(query.message, Message):
        outbox.send(query.message.edit_reply_markup(reply_markup=None))
        outbox.send(
            query.message.answer(
                _("Thank you. Your rating: {stars}").format(stars="⭐" * callback_data.stars)
            )
        )
    with relay.staff_language():
        relay.note(
            case,
            _("⭐ The citizen rated the handling {stars}/5.").format(stars=callback_data.stars),
        )


async def cb_solved(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: keyboards.SolvedCb,
    session: AsyncSession,
    citizen: Citizen,
    relay: Relay,
    clock: Clock,
    i18n: I18n,
) -> None:
    """The citizen closes their own case ("my issue is solved")."""
    case = await case_service.open_case_by_id(session, citizen, callback_data.case_id)
    if case is None:
        outbox.answer(query.answer(_("That case is closed or no longer yours."), show_alert=True))
        return
    with relay.staff_language():
        case_service.close(case, _("Closed by the citizen: the issue is solved."), clock.now())
        relay.note(case, _("✅ The citizen marked this case as solved."))
        await relay.refresh_card(case)
    outbox.answer(query.answer())
    if isinstance(query.message, Message):
        outbox.send(
            query.message.answer(
                fmt(
                    _("Your report {ref} is closed. Thank you for letting us know."), ref=case.ref
                ),
                reply_markup=keyboards.rating(case.id),
            )
        )


async def cb_referral(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: keyboards.ReferralCb | keyboards.ReferralWithCb,
    session: AsyncSession,
    citizen: Citizen,
    relay: Relay,
    clock: Clock,
) -> None:
    """The citizen's yes or no to sharing the case with a partner."""
    # "Yes, with …" (an Open311 partner): agreement that adds what `extra` names.
    if isinstance(callback_data, keyboards.ReferralWithCb):
        agree, extra = True, callback_data.extra
    else:
        agree, extra = callback_data.agree, 0
    referral = await referral_service.by_id(session, callback_data.referral_id)
    case = (
        await case_service.find_own_case_by_id(session, citizen, referral.case_id)
        if referral is not None
        else None
    )
    if referral is None or case is None or referral.status != ReferralStatus.PROPOSED:
        outbox.answer(query.answer(_("This button is no longer active."), show_alert=True))
        return
    partner = relay.network.desk(referral.partner)
    referral_service.answer(referral, case, agree, clock.now())
    await audit.log(
        session,
        case,
        None,
        _("citizen"),
        "referral",
        clock.now(),
        f"{partner.code}: {'agreed' if agree else 'declined'}",
    )
    outbox.answer(query.answer())
    if isinstance(query.message, Message):
        outbox.send(query.message.edit_reply_markup(reply_markup=None))
    name = partner.name(citizen.language or "", relay.network.default_language)
    staff_name = partner.name(relay.network.default_language, relay.network.default_language)
    if agree:
        desk = relay.network.desk(case.desk)
        desks.open_partner_topic(
            relay,
            partner,
            referral,
            desk.name(relay.network.default_language, relay.network.default_language),
        )
        await open311.refer(relay, case, citizen, partner, referral, extra, clock.now())
        await relay.refresh_card(case)
        with relay.staff_language():
            relay.note(
                case,
                fmt(
                    _("✅ The citizen agreed: {partner} has received the case."),
                    partner=staff_name,
                ),
            )
        relay.tell_citizen(
            citizen, fmt(_("Thank you. {partner} has received your report."), partner=name)
        )
    else:
        with relay.staff_language():
            relay.note(
                case,
                fmt(_("✖ The citizen declined the referral to {partner}."), partner=staff_name),
            )
        relay.tell_citizen(citizen, _("Understood. Your report stays with the police."))
