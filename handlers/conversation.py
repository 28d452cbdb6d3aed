"""A consented citizen outside the wizard: their cases, help, ratings, and follow-ups copied to
the desk (including albums, edits and, in anonymous cases, a check before revealing content)."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot import desks, keyboards
from bot.casework import emergency_advice, groups, relay_from_citizen, restore, snapshot
from bot.clock import Clock
from bot.edits import mirror_edit
from bot.filters import Consented, MenuButton
from bot.i18n import LANGUAGE_NAMES, _
from bot.network import Network
from bot.relay import RELAYABLE, REVEALING, Relay
from bot.services import alerts, audit
from bot.services import cases as case_service
from bot.services import referrals as referral_service
from bot.services.citizens import set_language
from bot.services.triage import EmergencyDetector
from bot.texts import (
    CANCEL,
    MENU_CASES,
    MENU_HELP,
    SEND_REPORT,
    SKIP,
    case_line,
    case_list,
    fmt,
    isolate,
    local_time,
    quote,
)
from storage.models import Case, CaseStatus, Citizen, Privacy, ReferralStatus

ACTIVE_CASE = "active_case_id"
FOREIGN_STREAK = "foreign_language_streak"
DECLINED_LANGUAGES = "declined_languages"
SWITCH_AFTER = 3
PENDING = "pending_messages"
SENSITIVE = "sensitive"


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(Consented())
    router.callback_query.filter(Consented())
    router.message.register(cmd_cases, Command("cases"))
    router.message.register(cmd_cases, MenuButton(MENU_CASES))
    router.message.register(cmd_status, Command("status"))
    router.message.register(cmd_help, Command("help"))
    router.message.register(cmd_help, MenuButton(MENU_HELP))
    router.message.register(cmd_unknown, F.text.startswith("/"))
    # Wizard buttons pressed after the wizard ended (a double tap) must not become follow-ups.
    for label in (SEND_REPORT, CANCEL, SKIP):
        router.message.register(on_leftover_button, MenuButton(label))
    router.message.register(on_followup, StateFilter(None), F.content_type.in_(RELAYABLE))
    router.message.register(on_unsupported, StateFilter(None))
    router.edited_message.register(on_edit)
    router.callback_query.register(cb_pick_case, keyboards.PickCaseCb.filter())
    router.callback_query.register(cb_sensitive, keyboards.SensitiveCb.filter())
    router.callback_query.register(cb_rate, keyboards.RateCb.filter())
    router.callback_query.register(cb_solved, keyboards.SolvedCb.filter())
    router.callback_query.register(cb_referral, keyboards.ReferralCb.filter())
    router.callback_query.register(cb_switch_language, keyboards.SwitchLanguageCb.filter())
    router.callback_query.register(
        cb_alert_feedback, keyboards.AlertCb.filter(F.action.in_({"useful", "not_useful"}))
    )
    router.callback_query.register(cb_stale)
    return router


async def cmd_cases(
    message: Message, session: AsyncSession, citizen: Citizen, network: Network, i18n: I18n
) -> None:
    """List open and recently closed cases; open ones can be marked solved."""
    cases = await case_service.recent_cases(session, citizen)
    open_ones = [case for case in cases if case.status != CaseStatus.CLOSED]
    await message.answer(
        case_list(cases, network, i18n.current_locale),
        reply_markup=keyboards.solved(open_ones) or keyboards.main_menu(),
    )


async def cmd_status(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    citizen: Citizen,
    network: Network,
    i18n: I18n,
) -> None:
    """`/status BL-26-00042`: one of the citizen's own cases."""
    if not command.args:
        await message.answer(
            _("Send the reference with the command, for example: /status BL-26-00042")
        )
        return
    case = await case_service.find_own_case(session, citizen, command.args)
    if case is None:
        await message.answer(
            fmt(_("No case {ref} was found among your reports."), ref=command.args.strip()[:40])
        )
        return
    await message.answer(
        case_line(case, network, i18n.current_locale)
        + "\n"
        + fmt(_("Reported: {time}"), time=local_time(case.created_at, network))
    )


async def cmd_help(message: Message, network: Network) -> None:
    await message.answer(
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


async def cmd_unknown(message: Message) -> None:
    await message.answer(
        _("I do not know that command. See /help."), reply_markup=keyboards.main_menu()
    )


async def on_leftover_button(message: Message) -> None:
    await message.answer(_("Choose an option from the menu."), reply_markup=keyboards.main_menu())


async def _target_case(
    message: Message, session: AsyncSession, citizen: Citizen, state: FSMContext
) -> Case | list[Case] | None:
    """The case a follow-up belongs to, the candidates when it is ambiguous, or None."""
    if message.reply_to_message is not None:
        replied = await case_service.case_replied_to(
            session, citizen, message.chat.id, message.reply_to_message.message_id
        )
        if replied is not None:
            await state.update_data({ACTIVE_CASE: replied.id})
            return replied
    candidates = list(await case_service.open_cases(session, citizen))
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    active_id = (await state.get_data()).get(ACTIVE_CASE)
    active = next((case for case in candidates if case.id == active_id), None)
    return active or candidates


async def _deliver(
    messages: list[Message],
    case: Case,
    citizen: Citizen,
    state: FSMContext,
    session: AsyncSession,
    relay: Relay,
    clock: Clock,
    detector: EmergencyDetector,
    network: Network,
) -> None:
    """Relay, unless an anonymous citizen should first confirm a contact or location."""
    if case.privacy == Privacy.ANONYMOUS and any(m.content_type in REVEALING for m in messages):
        await state.update_data(
            {SENSITIVE: {"case_id": case.id, "messages": [snapshot(m) for m in messages]}}
        )
        await messages[0].reply(
            _("This may identify you, and your report is anonymous. Send it anyway?"),
            reply_markup=keyboards.sensitive(),
        )
        return
    if any(detector.matches(m.text or m.caption) for m in messages):
        await messages[0].answer(emergency_advice(network))
    languages = await relay_from_citizen(
        relay, session, case, citizen, messages, clock.now(), detector
    )
    await _maybe_offer_language(languages, citizen, state, relay)


async def _maybe_offer_language(
    languages: list[str], citizen: Citizen, state: FSMContext, relay: Relay
) -> None:
    """After several messages in another interface language, offer to switch to it."""
    data = await state.get_data()
    streak: dict[str, int] = data.get(FOREIGN_STREAK, {})
    declined: list[str] = data.get(DECLINED_LANGUAGES, [])
    for language in languages:
        if language == citizen.language or language not in relay.i18n.available_locales:
            streak = {}
            continue
        streak = {language: streak.get(language, 0) + 1}
        if streak[language] >= SWITCH_AFTER and language not in declined:
            streak = {}
            name = LANGUAGE_NAMES.get(language, language)
            with relay.i18n.use_locale(language):
                offer = fmt(
                    _(
                        "You seem to write in {language}. Shall I speak {language} "
                        "with you from now on?"
                    ),
                    language=name,
                )
                await relay.tell_citizen(citizen, offer, keyboards.switch_language(language))
    await state.update_data({FOREIGN_STREAK: streak})


async def on_followup(
    message: Message,
    session: AsyncSession,
    citizen: Citizen,
    state: FSMContext,
    relay: Relay,
    clock: Clock,
    detector: EmergencyDetector,
    network: Network,
    album: list[Message] | None = None,
) -> None:
    """Copy what the citizen writes into the topic of the case it belongs to."""
    messages = album or [message]
    target = await _target_case(message, session, citizen, state)
    if target is None:
        await message.answer(
            _("You have no open report. Press “📝 Report” to tell us about something."),
            reply_markup=keyboards.main_menu(),
        )
        return
    if isinstance(target, list):
        pending = [*(await state.get_data()).get(PENDING, []), *map(snapshot, messages)]
        await state.update_data({PENDING: pending})
        if len(pending) == len(messages):
            await message.reply(
                _("You have more than one open report. Which one is this about?"),
                reply_markup=keyboards.pick_case(target),
            )
        return
    await _deliver(messages, target, citizen, state, session, relay, clock, detector, network)


async def cb_pick_case(
    query: CallbackQuery,
    callback_data: keyboards.PickCaseCb,
    session: AsyncSession,
    citizen: Citizen,
    state: FSMContext,
    relay: Relay,
    clock: Clock,
    detector: EmergencyDetector,
    network: Network,
) -> None:
    """Send the messages that waited for a case choice, and keep using that case."""
    case = await case_service.open_case_by_id(session, citizen, callback_data.case_id)
    if case is None or not isinstance(query.message, Message):
        await query.answer(_("That case is closed or no longer yours."), show_alert=True)
        return
    pending: list[dict[str, Any]] = (await state.get_data()).get(PENDING, [])
    await state.update_data({ACTIVE_CASE: case.id, PENDING: []})
    waiting = [restore(item) for item in pending]
    fresh = [
        m
        for m in waiting
        if not await case_service.already_relayed(session, m.chat.id, m.message_id)
    ]
    for batch in groups(fresh):
        await _deliver(batch, case, citizen, state, session, relay, clock, detector, network)
    await query.answer()
    await query.message.edit_text(
        _(
            "Sent to <b>{ref}</b>. Your next messages go there too; reply to a message of "
            "another case to write about that one."
        ).format(ref=isolate(quote(case.ref)))
    )


async def cb_sensitive(
    query: CallbackQuery,
    callback_data: keyboards.SensitiveCb,
    session: AsyncSession,
    citizen: Citizen,
    state: FSMContext,
    relay: Relay,
    clock: Clock,
    detector: EmergencyDetector,
) -> None:
    """The anonymous citizen's answer to "this may identify you — send anyway?"."""
    pending = (await state.get_data()).get(SENSITIVE)
    await state.update_data({SENSITIVE: None})
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
    if not pending or not callback_data.send:
        if isinstance(query.message, Message):
            await query.message.answer(_("Not sent."))
        return
    case = await case_service.open_case_by_id(session, citizen, pending["case_id"])
    if case is None:
        return
    messages = [restore(item) for item in pending["messages"]]
    await relay_from_citizen(relay, session, case, citizen, messages, clock.now(), detector)


async def cb_rate(
    query: CallbackQuery,
    callback_data: keyboards.RateCb,
    session: AsyncSession,
    citizen: Citizen,
    relay: Relay,
) -> None:
    """Store the citizen's 1–5 rating and show it in the topic."""
    case = await case_service.find_own_case_by_id(session, citizen, callback_data.case_id)
    if case is None or case.status != CaseStatus.CLOSED:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    case_service.rate(case, callback_data.stars)
    await query.answer(_("Thank you for your rating."))
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        await query.message.answer(
            _("Thank you. Your rating: {stars}").format(stars="⭐" * callback_data.stars)
        )
    with relay.staff_language():
        await relay.note(
            case,
            citizen,
            _("⭐ The citizen rated the handling {stars}/5.").format(stars=callback_data.stars),
        )


async def cb_solved(
    query: CallbackQuery,
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
        await query.answer(_("That case is closed or no longer yours."), show_alert=True)
        return
    with relay.staff_language():
        case_service.close(case, _("Closed by the citizen: the issue is solved."), clock.now())
        await relay.note(case, citizen, _("✅ The citizen marked this case as solved."))
        await relay.refresh_card(case, citizen)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(
            fmt(_("Your report {ref} is closed. Thank you for letting us know."), ref=case.ref),
            reply_markup=keyboards.rating(case.id),
        )


async def on_edit(message: Message, session: AsyncSession, citizen: Citizen, relay: Relay) -> None:
    """Mirror an edit of an already relayed message into the topic."""
    record = await case_service.message_by_source(session, message.chat.id, message.message_id)
    if record is None:
        return
    case = await case_service.case_by_id(session, record.case_id)
    if case is None:
        return
    await mirror_edit(relay, case, citizen, record, message, header="")


async def on_unsupported(message: Message) -> None:
    await message.answer(
        _(
            "This kind of message cannot be passed on. Please send text, photos, videos, "
            "voice messages, files or a location."
        )
    )


async def cb_stale(query: CallbackQuery) -> None:
    await query.answer(_("This button is no longer active."), show_alert=True)


async def cb_referral(
    query: CallbackQuery,
    callback_data: keyboards.ReferralCb,
    session: AsyncSession,
    citizen: Citizen,
    relay: Relay,
    clock: Clock,
) -> None:
    """The citizen's yes or no to sharing the case with a partner."""
    referral = await referral_service.by_id(session, callback_data.referral_id)
    case = (
        await case_service.find_own_case_by_id(session, citizen, referral.case_id)
        if referral is not None
        else None
    )
    if referral is None or case is None or referral.status != ReferralStatus.PROPOSED:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    partner = relay.network.desk(referral.partner)
    referral_service.answer(referral, case, callback_data.agree, clock.now())
    await audit.log(
        session,
        case,
        None,
        _("citizen"),
        "referral",
        clock.now(),
        f"{partner.code}: {'agreed' if callback_data.agree else 'declined'}",
    )
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
    name = partner.name(citizen.language or "", relay.network.default_language)
    staff_name = partner.name(relay.network.default_language, relay.network.default_language)
    if callback_data.agree:
        desk = relay.network.desk(case.desk)
        await desks.open_partner_topic(
            relay,
            case,
            citizen,
            partner,
            referral,
            desk.name(relay.network.default_language, relay.network.default_language),
        )
        await relay.refresh_card(case, citizen)
        with relay.staff_language():
            await relay.note(
                case,
                citizen,
                fmt(
                    _("✅ The citizen agreed: {partner} has received the case."),
                    partner=staff_name,
                ),
            )
        await relay.tell_citizen(
            citizen, fmt(_("Thank you. {partner} has received your report."), partner=name)
        )
    else:
        with relay.staff_language():
            await relay.note(
                case,
                citizen,
                fmt(_("✖ The citizen declined the referral to {partner}."), partner=staff_name),
            )
        await relay.tell_citizen(citizen, _("Understood. Your report stays with the police."))


async def cb_switch_language(
    query: CallbackQuery,
    callback_data: keyboards.SwitchLanguageCb,
    citizen: Citizen,
    state: FSMContext,
    i18n: I18n,
) -> None:
    """Yes: switch the interface; no: never offer that language again."""
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
    if not callback_data.switch or callback_data.code not in i18n.available_locales:
        declined = (await state.get_data()).get(DECLINED_LANGUAGES, [])
        await state.update_data({DECLINED_LANGUAGES: [*declined, callback_data.code]})
        return
    set_language(citizen, callback_data.code)
    with i18n.use_locale(callback_data.code):
        if isinstance(query.message, Message):
            await query.message.answer(
                _("Language set to {name}.").format(
                    name=LANGUAGE_NAMES.get(callback_data.code, callback_data.code)
                ),
                reply_markup=keyboards.main_menu(),
            )


async def cb_alert_feedback(
    query: CallbackQuery,
    callback_data: keyboards.AlertCb,
    session: AsyncSession,
    citizen: Citizen,
) -> None:
    """ "Useful" / "Not useful" under an alert, counted in the delivery report."""
    if await alerts.give_feedback(
        session, callback_data.delivery_id, citizen.chat_id, callback_data.action
    ):
        await query.answer(_("Thank you for your feedback."))
    else:
        await query.answer(_("This button is no longer active."), show_alert=True)
