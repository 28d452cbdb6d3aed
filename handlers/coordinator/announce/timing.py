"""When it goes out: now, a day and time, or a schedule in words (daily, weekly, cron), and
until when a recurring alert runs."""

from __future__ import annotations

from datetime import date, datetime, time

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.domain.alerts.schedule import ScheduleError, ScheduleProblem, parse
from bot.network.schema import Network
from bot.telegram.outbox import Outbox
from bot.ui import announcing
from bot.ui.announcing import PickCb
from bot.ui.i18n import _
from bot.ui.texts import fmt
from bot.workflows import announcements
from handlers.coordinator.announce.confirming import confirm
from handlers.coordinator.announce.flow import (
    AnnounceForm,
    answered,
    chat_of,
    draft_of,
    keep,
)


async def ask_when(message: Message, outbox: Outbox, state: FSMContext) -> None:
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
    draft = await draft_of(state)
    draft.first, draft.repeat = schedule.first.isoformat(), schedule.repeat
    await keep(state, draft)
    outbox.answer(query.answer())
    when = announcing.when_text(
        schedule.first, schedule.repeat, None, network, network.default_language
    )
    answered(outbox, query, fmt(_("When: {when}"), when=when))
    await confirm(chat_of(query), outbox, state, network, session, i18n)


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
    draft = await draft_of(state)
    draft.first, draft.repeat = schedule.first.isoformat(), schedule.repeat
    await keep(state, draft)
    if schedule.recurring:
        await state.set_state(AnnounceForm.until)
        outbox.send(
            message.answer(
                _("Until when should it repeat? Press a button or send a date (“2026-12-31”)."),
                reply_markup=announcing.quick_ends(),
            )
        )
        return
    await confirm(chat_of(message), outbox, state, network, session, i18n)


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
    draft = await draft_of(state)
    assert draft.first is not None
    until = announcements.end_after(callback_data.value, datetime.fromisoformat(draft.first))
    draft.until = until.isoformat()
    await keep(state, draft)
    outbox.answer(query.answer())
    answered(outbox, query, fmt(_("Until: {day}"), day=until.astimezone(network.zone).date()))
    await confirm(chat_of(query), outbox, state, network, session, i18n)


async def on_until(
    message: Message,
    outbox: Outbox,
    state: FSMContext,
    network: Network,
    session: AsyncSession,
    i18n: I18n,
) -> None:
    draft = await draft_of(state)
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
    await keep(state, draft)
    await confirm(chat_of(message), outbox, state, network, session, i18n)
