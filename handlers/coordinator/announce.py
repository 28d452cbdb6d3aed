"""/announce in the coordinators' group, one handler per step: areas → topics → priority →
texts per language (/done) → photo (/skip) → when → until (recurring only) → preview and
summary → schedule. A button of a step that is already answered says it is no longer active."""

from __future__ import annotations

import re
from datetime import date, datetime, time

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.methods import SendMessage
from aiogram.types import CallbackQuery, InaccessibleMessage, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.domain.alerts.schedule import ScheduleError, ScheduleProblem, parse
from bot.kinds import AnnouncementStatus
from bot.network.schema import Network
from bot.telegram.outbox import Outbox
from bot.ui import announcing
from bot.ui.announcing import AnnounceStep, Pick, PickCb
from bot.ui.i18n import LANGUAGE_NAMES, _
from bot.ui.texts import fmt
from bot.workflows import announcements
from bot.workflows.announcements import AnnounceDraft
from handlers.filters import Match

TEXT_LINE = re.compile(r"^\s*([a-z]{2,3})\s*:\s*(.+)$", re.DOTALL)


class AnnounceForm(StatesGroup):
    areas = State()
    topics = State()
    priority = State()
    texts = State()
    photo = State()
    when = State()
    until = State()
    confirm = State()


def create_router(network: Network) -> Router:
    router = Router(name=__name__)
    router.message.filter(Match(F.chat.id == network.coordinators_chat_id))
    router.callback_query.filter(Match(F.message.chat.id == network.coordinators_chat_id))
    router.message.register(cmd_announce, Command("announce"))
    router.message.register(cmd_stop, Command("cancel"), StateFilter(AnnounceForm))
    steps = (
        (AnnounceStep.AREAS, AnnounceForm.areas, cb_area),
        (AnnounceStep.TOPICS, AnnounceForm.topics, cb_topic),
        (AnnounceStep.PRIORITY, AnnounceForm.priority, cb_priority),
        (AnnounceStep.WHEN, AnnounceForm.when, cb_when),
        (AnnounceStep.UNTIL, AnnounceForm.until, cb_until),
        (AnnounceStep.CONFIRM, AnnounceForm.confirm, cb_confirm),
    )
    for step, form_state, handler in steps:
        router.callback_query.register(
            handler, PickCb.filter(F.step == step), StateFilter(form_state)
        )
    router.message.register(on_done, Command("done"), StateFilter(AnnounceForm.texts))
    router.message.register(on_text, StateFilter(AnnounceForm.texts))
    router.message.register(on_skip_photo, Command("skip"), StateFilter(AnnounceForm.photo))
    router.message.register(on_photo, Match(F.photo), StateFilter(AnnounceForm.photo))
    router.message.register(on_not_a_photo, StateFilter(AnnounceForm.photo))
    router.message.register(on_when, StateFilter(AnnounceForm.when))
    router.message.register(on_until, StateFilter(AnnounceForm.until))
    return router


async def _draft(state: FSMContext) -> AnnounceDraft:
    return AnnounceDraft.of(await state.get_data())


async def _keep(state: FSMContext, draft: AnnounceDraft) -> None:
    await state.update_data(draft.saved())


def _ask(
    outbox: Outbox, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    outbox.send(SendMessage(chat_id=chat_id, text=text, reply_markup=markup))


def _chat(event: Message | CallbackQuery) -> int:
    message = event.message if isinstance(event, CallbackQuery) else event
    assert message is not None
    return message.chat.id


def _answered(outbox: Outbox, query: CallbackQuery, text: str) -> None:
    """The step is done: its message says what was chosen and loses its buttons."""
    if query.message is not None and not isinstance(query.message, InaccessibleMessage):
        outbox.send(query.message.edit_text(text, reply_markup=None))


async def cmd_announce(
    message: Message, outbox: Outbox, state: FSMContext, network: Network
) -> None:
    """Start composing an announcement."""
    await state.clear()
    await state.set_state(AnnounceForm.areas)
    author = message.from_user.id if message.from_user else None
    await _keep(state, AnnounceDraft(author_id=author))
    outbox.send(
        message.answer(
            _(
                "New announcement. Which areas? Tick them and press “Next ▶”, or press “All”. "
                "(/cancel stops.)"
            ),
            reply_markup=announcing.toggles(
                network.areas, [], AnnounceStep.AREAS, network.default_language
            ),
        )
    )


async def _toggle_or_move_on(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: PickCb,
    state: FSMContext,
    network: Network,
    kind: str,
) -> bool:
    """A tick updates the keyboard (False); *All* or *Next* end the step (True)."""
    draft = await _draft(state)
    items = network.areas if kind == "areas" else network.topics
    if callback_data.value == Pick.NEXT and not getattr(draft, kind):
        outbox.answer(query.answer(_("Tick at least one, or press “All”."), show_alert=True))
        return False
    if callback_data.value not in (Pick.ALL, Pick.NEXT):
        chosen = draft.toggle(kind, callback_data.value)
        await _keep(state, draft)
        outbox.answer(query.answer())
        if isinstance(query.message, Message):
            outbox.send(
                query.message.edit_reply_markup(
                    reply_markup=announcing.toggles(
                        items, chosen, callback_data.step, network.default_language
                    )
                )
            )
        return False
    if callback_data.value == Pick.ALL:
        setattr(draft, kind, [])
        await _keep(state, draft)
    outbox.answer(query.answer())
    title = _("Areas: {names}") if kind == "areas" else _("Topics: {names}")
    _answered(
        outbox,
        query,
        fmt(title, names=announcing.names(items, getattr(draft, kind), network.default_language)),
    )
    return True


async def cb_area(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: PickCb,
    state: FSMContext,
    network: Network,
) -> None:
    if not await _toggle_or_move_on(query, outbox, callback_data, state, network, "areas"):
        return
    if network.topics:
        await state.set_state(AnnounceForm.topics)
        _ask(
            outbox,
            _chat(query),
            _("Which topics? Tick them and press “Next ▶”, or press “All”."),
            announcing.toggles(network.topics, [], AnnounceStep.TOPICS, network.default_language),
        )
        return
    await _ask_priority(query, outbox, state)


async def cb_topic(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: PickCb,
    state: FSMContext,
    network: Network,
) -> None:
    if await _toggle_or_move_on(query, outbox, callback_data, state, network, "topics"):
        await _ask_priority(query, outbox, state)


async def _ask_priority(query: CallbackQuery, outbox: Outbox, state: FSMContext) -> None:
    await state.set_state(AnnounceForm.priority)
    _ask(
        outbox,
        _chat(query),
        _("Priority? Urgent alerts also reach residents during their quiet hours."),
        announcing.priority(),
    )


async def cb_priority(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: PickCb,
    state: FSMContext,
    network: Network,
) -> None:
    draft = await _draft(state)
    draft.urgent = callback_data.value == "urgent"
    await _keep(state, draft)
    await state.set_state(AnnounceForm.texts)
    outbox.answer(query.answer())
    _answered(
        outbox,
        query,
        _("Priority: 🔴 urgent (ignores quiet hours)") if draft.urgent else _("Priority: normal"),
    )
    language = network.default_language
    _ask(
        outbox,
        _chat(query),
        fmt(
            _(
                "Send the text in each language, one message per language, starting "
                "with the language code, e.g. “{example}”. At least {language} is "
                "needed. Send /done when finished."
            ),
            example=f"{language}: …",
            language=LANGUAGE_NAMES.get(language, language),
        ),
    )


async def on_text(message: Message, outbox: Outbox, state: FSMContext) -> None:
    match = TEXT_LINE.match(message.text or "")
    if match is None or match.group(1) not in LANGUAGE_NAMES:
        outbox.send(
            message.reply(_("Start the message with a language code and a colon, e.g. “nl: …”."))
        )
        return
    draft = await _draft(state)
    draft.texts[match.group(1)] = match.group(2).strip()
    await _keep(state, draft)
    outbox.send(
        message.reply(
            fmt(
                _("{language} saved ({count} so far)."),
                language=LANGUAGE_NAMES[match.group(1)],
                count=len(draft.texts),
            )
        )
    )


async def on_done(message: Message, outbox: Outbox, state: FSMContext, network: Network) -> None:
    draft = await _draft(state)
    if network.default_language not in draft.texts:
        outbox.send(
            message.reply(
                fmt(
                    _("The {language} text is still missing."),
                    language=LANGUAGE_NAMES.get(network.default_language, ""),
                )
            )
        )
        return
    await state.set_state(AnnounceForm.photo)
    outbox.send(message.answer(_("Add a photo, or send /skip.")))


async def on_photo(message: Message, outbox: Outbox, state: FSMContext) -> None:
    assert message.photo is not None
    draft = await _draft(state)
    draft.photo = message.photo[-1].file_id
    await _keep(state, draft)
    outbox.send(message.reply(_("📷 Photo added.")))
    await _ask_when(message, outbox, state)


async def on_skip_photo(message: Message, outbox: Outbox, state: FSMContext) -> None:
    await _ask_when(message, outbox, state)


async def on_not_a_photo(message: Message, outbox: Outbox) -> None:
    outbox.send(message.reply(_("Send a photo, or /skip.")))


async def _ask_when(message: Message, outbox: Outbox, state: FSMContext) -> None:
    await state.set_state(AnnounceForm.when)
    outbox.send(
        message.answer(
            _(
                "When? Press a button, or send a date and time (“2026-12-01 18:00”, "
                "“tomorrow 09:00”), “daily 18:00”, “weekly mon 09:00” or “cron 0 9 * * 1”."
            ),
            reply_markup=announcing.quick_times(),
        )
    )


async def cb_when(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: PickCb,
    state: FSMContext,
    network: Network,
    session: AsyncSession,
    clock: Clock,
    i18n: I18n,
) -> None:
    if callback_data.value not in announcing.QUICK_TIMES:
        outbox.answer(query.answer(_("This button is no longer active."), show_alert=True))
        return
    schedule = announcements.quick_time(callback_data.value, clock.now(), network)
    draft = await _draft(state)
    draft.first, draft.repeat = schedule.first.isoformat(), schedule.repeat
    await _keep(state, draft)
    outbox.answer(query.answer())
    when = announcing.when_text(
        schedule.first, schedule.repeat, None, network, network.default_language
    )
    _answered(outbox, query, fmt(_("When: {when}"), when=when))
    await _confirm(_chat(query), outbox, state, network, session, i18n)


async def on_when(
    message: Message,
    outbox: Outbox,
    state: FSMContext,
    network: Network,
    session: AsyncSession,
    clock: Clock,
    i18n: I18n,
) -> None:
    words = announcing.translate_time_words(message.text or "", i18n, network.default_language)
    try:
        schedule = parse(_resolve_days(words, clock.now(), network), clock.now(), network.zone)
    except ScheduleError as error:
        outbox.send(message.reply(_schedule_problem(error.problem)))
        return
    draft = await _draft(state)
    draft.first, draft.repeat = schedule.first.isoformat(), schedule.repeat
    await _keep(state, draft)
    if schedule.recurring:
        await state.set_state(AnnounceForm.until)
        outbox.send(
            message.answer(
                _("Until when should it repeat? Press a button or send a date (“2026-12-31”)."),
                reply_markup=announcing.quick_ends(),
            )
        )
        return
    await _confirm(_chat(message), outbox, state, network, session, i18n)


def _resolve_days(words: str, now: datetime, network: Network) -> str:
    """ "today 18:00" / "tomorrow 09:00" / "tonight" as a date and time the parser reads."""
    local = now.astimezone(network.zone).date()
    parts = words.split()
    if parts[:1] == ["tonight"]:
        return f"{local.isoformat()} 18:00"
    if parts[:1] in (["today"], ["tomorrow"]) and len(parts) == 2:
        day = local if parts[0] == "today" else date.fromordinal(local.toordinal() + 1)
        return f"{day.isoformat()} {parts[1]}"
    return words


def _schedule_problem(problem: ScheduleProblem) -> str:
    if problem == ScheduleProblem.PASSED:
        return _("That moment has passed. Send a time in the future.")
    if problem == ScheduleProblem.TOO_OFTEN:
        return _("A recurring alert may go out at most once an hour.")
    return _(
        "I did not understand that time. Try “now”, “2026-12-01 18:00”, “tomorrow 09:00”, "
        "“daily 18:00”, “weekly mon 09:00” or “cron 0 9 * * 1”."
    )


async def cb_until(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: PickCb,
    state: FSMContext,
    network: Network,
    session: AsyncSession,
    i18n: I18n,
) -> None:
    if callback_data.value not in announcing.QUICK_ENDS:
        outbox.answer(query.answer(_("This button is no longer active."), show_alert=True))
        return
    draft = await _draft(state)
    assert draft.first is not None
    until = announcements.end_after(callback_data.value, datetime.fromisoformat(draft.first))
    draft.until = until.isoformat()
    await _keep(state, draft)
    outbox.answer(query.answer())
    _answered(outbox, query, fmt(_("Until: {day}"), day=until.astimezone(network.zone).date()))
    await _confirm(_chat(query), outbox, state, network, session, i18n)


async def on_until(
    message: Message,
    outbox: Outbox,
    state: FSMContext,
    network: Network,
    session: AsyncSession,
    i18n: I18n,
) -> None:
    draft = await _draft(state)
    assert draft.first is not None
    try:
        day = date.fromisoformat((message.text or "").strip())
    except ValueError:
        outbox.send(message.reply(_("Send the last day as a date, e.g. “2026-12-31”.")))
        return
    until = datetime.combine(day, time(23, 59), network.zone)
    if until <= datetime.fromisoformat(draft.first):
        outbox.send(message.reply(_("The last day must come after the first sending.")))
        return
    draft.until = until.isoformat()
    await _keep(state, draft)
    await _confirm(_chat(message), outbox, state, network, session, i18n)


async def _confirm(
    chat_id: int,
    outbox: Outbox,
    state: FSMContext,
    network: Network,
    session: AsyncSession,
    i18n: I18n,
) -> None:
    draft = await _draft(state)
    await state.set_state(AnnounceForm.confirm)
    summary = await announcements.summary(session, draft, network)
    buttons = announcing.confirm_buttons()
    announcements.preview(outbox, chat_id, draft, i18n, summary, buttons)


async def cb_confirm(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: PickCb,
    state: FSMContext,
    network: Network,
    session: AsyncSession,
    clock: Clock,
) -> None:
    draft = await _draft(state)
    await state.clear()
    outbox.answer(query.answer())
    if callback_data.value != Pick.YES or draft.first is None:
        _answered(outbox, query, _("Announcement discarded."))
        return
    announcement, recipients = await announcements.save(session, draft, network, clock.now())
    if announcement.status == AnnouncementStatus.AWAITING:
        _answered(outbox, query, _("Announcement saved; it waits for a second coordinator."))
        outbox.send(
            SendMessage(
                chat_id=_chat(query),
                text=announcing.awaiting_approval(announcement.id, recipients),
                reply_markup=announcing.approval_buttons(announcement.id),
            )
        )
        return
    schedule = draft.schedule
    if schedule.first <= clock.now() and not schedule.recurring:
        _answered(outbox, query, announcing.sent_now(announcement.id))
        return
    when = announcing.when_text(
        schedule.first, schedule.repeat, schedule.until, network, network.default_language
    )
    _answered(outbox, query, announcing.scheduled(announcement.id, when))


async def cmd_stop(message: Message, outbox: Outbox, state: FSMContext) -> None:
    await state.clear()
    outbox.send(message.answer(_("Announcement discarded.")))
