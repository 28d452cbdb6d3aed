"""A consented citizen writing outside the wizard: follow-ups copied to the case's desk (albums,
edits, and in anonymous cases a check before revealing content), and the offer to switch
language."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.domain import cases as case_service
from bot.domain.citizens import set_language
from bot.domain.triage import EmergencyDetector
from bot.kinds import Privacy
from bot.network.schema import Network
from bot.telegram.outbox import Outbox
from bot.ui import keyboards
from bot.ui.i18n import LANGUAGE_NAMES, _
from bot.ui.texts import (
    CANCEL,
    SEND_REPORT,
    SKIP,
    cannot_pass_on,
    fmt,
    isolate,
    quote,
)
from bot.workflows.casework import (
    ask_before_revealing,
    groups,
    relay_from_citizen,
    restore,
    snapshot,
)
from bot.workflows.edits import mirror_edit
from bot.workflows.relay import RELAYABLE, REVEALING, Relay
from handlers.filters import Consented, Match, MenuButton
from storage.models import Case, Citizen

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
    router.message.register(cmd_unknown, Match(F.text.startswith("/")))
    # Wizard buttons pressed after the wizard ended (a double tap) must not become follow-ups.
    for label in (SEND_REPORT, CANCEL, SKIP):
        router.message.register(on_leftover_button, MenuButton(label))
    router.message.register(on_followup, StateFilter(None), Match(F.content_type.in_(RELAYABLE)))
    router.message.register(on_unsupported, StateFilter(None))
    router.edited_message.register(on_edit)
    router.callback_query.register(cb_pick_case, keyboards.PickCaseCb.filter())
    router.callback_query.register(cb_sensitive, keyboards.SensitiveCb.filter())
    router.callback_query.register(cb_switch_language, keyboards.SwitchLanguageCb.filter())
    router.callback_query.register(cb_stale)
    return router


async def cmd_unknown(message: Message, outbox: Outbox) -> None:
    outbox.send(
        message.answer(
            _("I do not know that command. See /help."), reply_markup=keyboards.main_menu()
        )
    )


async def on_leftover_button(message: Message, outbox: Outbox) -> None:
    outbox.send(
        message.answer(_("Choose an option from the menu."), reply_markup=keyboards.main_menu())
    )


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
        ask_before_revealing(relay.outbox, messages[0])
        return
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
                relay.tell_citizen(citizen, offer, keyboards.switch_language(language))
    await state.update_data({FOREIGN_STREAK: streak})


async def on_followup(
    message: Message,
    outbox: Outbox,
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
        outbox.send(
            message.answer(
                _("You have no open report. Press “📝 Report” to tell us about something."),
                reply_markup=keyboards.main_menu(),
            )
        )
        return
    if isinstance(target, list):
        pending = [*(await state.get_data()).get(PENDING, []), *map(snapshot, messages)]
        await state.update_data({PENDING: pending})
        if len(pending) == len(messages):
            outbox.send(
                message.reply(
                    _("You have more than one open report. Which one is this about?"),
                    reply_markup=keyboards.pick_case(target),
                )
            )
        return
    await _deliver(messages, target, citizen, state, session, relay, clock, detector, network)


async def cb_pick_case(
    query: CallbackQuery,
    outbox: Outbox,
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
        outbox.answer(query.answer(_("That case is closed or no longer yours."), show_alert=True))
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
    outbox.answer(query.answer())
    outbox.send(
        query.message.edit_text(
            _(
                "Sent to <b>{ref}</b>. Your next messages go there too; reply to a message of "
                "another case to write about that one."
            ).format(ref=isolate(quote(case.ref)))
        )
    )


async def cb_sensitive(
    query: CallbackQuery,
    outbox: Outbox,
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
    outbox.answer(query.answer())
    if isinstance(query.message, Message):
        outbox.send(query.message.edit_reply_markup(reply_markup=None))
    if not pending or not callback_data.send:
        if isinstance(query.message, Message):
            outbox.send(query.message.answer(_("Not sent.")))
        return
    case = await case_service.open_case_by_id(session, citizen, pending["case_id"])
    if case is None:
        return
    messages = [restore(item) for item in pending["messages"]]
    await relay_from_citizen(relay, session, case, citizen, messages, clock.now(), detector)


async def on_edit(message: Message, session: AsyncSession, citizen: Citizen, relay: Relay) -> None:
    """Mirror an edit of an already relayed message into the topic."""
    record = await case_service.message_by_source(session, message.chat.id, message.message_id)
    if record is None:
        return
    case = await case_service.case_by_id(session, record.case_id)
    if case is None:
        return
    await mirror_edit(relay, case, citizen, record, message, header="")


async def on_unsupported(message: Message, outbox: Outbox) -> None:
    outbox.send(message.answer(cannot_pass_on()))


async def cb_stale(query: CallbackQuery, outbox: Outbox) -> None:
    outbox.answer(query.answer(_("This button is no longer active."), show_alert=True))


async def cb_switch_language(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: keyboards.SwitchLanguageCb,
    citizen: Citizen,
    state: FSMContext,
    i18n: I18n,
) -> None:
    """Yes: switch the interface; no: never offer that language again."""
    outbox.answer(query.answer())
    if isinstance(query.message, Message):
        outbox.send(query.message.edit_reply_markup(reply_markup=None))
    if not callback_data.switch or callback_data.code not in i18n.available_locales:
        declined = (await state.get_data()).get(DECLINED_LANGUAGES, [])
        await state.update_data({DECLINED_LANGUAGES: [*declined, callback_data.code]})
        return
    set_language(citizen, callback_data.code)
    with i18n.use_locale(callback_data.code):
        if isinstance(query.message, Message):
            outbox.send(
                query.message.answer(
                    _("Language set to {name}.").format(
                        name=LANGUAGE_NAMES.get(callback_data.code, callback_data.code)
                    ),
                    reply_markup=keyboards.main_menu(),
                )
            )
