"""When it goes out: now, a day and time, or a schedule in words (daily, weekly, cron), and
until when a recurring alert runs."""

from __future__ import annotations

from datetime import datetime

from aiogram.types import CallbackQuery, Message

from bot.domain.alerts.schedule import ScheduleError, ScheduleProblem, last_day, parse
from bot.ui import announcing
from bot.ui.announcing import PickCb
from bot.ui.i18n import _
from bot.ui.texts import fmt
from bot.workflows import announcements
from handlers.coordinator.announce.confirming import confirm
from handlers.coordinator.announce.flow import AnnounceForm, AnnounceWizard


async def ask_when(message: Message, wizard: AnnounceWizard) -> None:
    await wizard.state.set_state(AnnounceForm.when)
    wizard.outbox.send(
        message.answer(
            _(
                "When? Press a button, or send a date and time (“2026-12-01 18:00”, "
                "“tomorrow 09:00”), “daily 18:00”, “weekly mon 09:00” or “cron 0 9 * * 1”."
            ),
            reply_markup=announcing.quick_times(),
        )
    )


async def cb_when(query: CallbackQuery, callback_data: PickCb, wizard: AnnounceWizard) -> None:
    if callback_data.value not in announcing.QUICK_TIMES:
        wizard.refuse(query, _("This button is no longer active."))
        return
    network = wizard.network
    schedule = announcements.quick_time(callback_data.value, wizard.clock.now(), network)
    draft = await wizard.draft()
    draft.first, draft.repeat = schedule.first.isoformat(), schedule.repeat
    await wizard.keep(draft)
    when = announcing.when_text(
        schedule.first, schedule.repeat, None, network, network.default_language
    )
    wizard.answered(query, fmt(_("When: {when}"), when=when))
    await confirm(wizard)


async def on_when(message: Message, wizard: AnnounceWizard) -> None:
    network = wizard.network
    words = announcing.translate_time_words(
        message.text or "", wizard.i18n, network.default_language
    )
    try:
        schedule = parse(words, wizard.clock.now(), network.zone)
    except ScheduleError as error:
        wizard.outbox.send(message.reply(_schedule_problem(error.problem)))
        return
    draft = await wizard.draft()
    draft.first, draft.repeat = schedule.first.isoformat(), schedule.repeat
    await wizard.keep(draft)
    if schedule.recurring:
        await wizard.state.set_state(AnnounceForm.until)
        wizard.outbox.send(
            message.answer(
                _("Until when should it repeat? Press a button or send a date (“2026-12-31”)."),
                reply_markup=announcing.quick_ends(),
            )
        )
        return
    await confirm(wizard)


def _schedule_problem(problem: ScheduleProblem) -> str:
    if problem == ScheduleProblem.PASSED:
        return _("That moment has passed. Send a time in the future.")
    if problem == ScheduleProblem.TOO_OFTEN:
        return _("A recurring alert may go out at most once an hour.")
    if problem == ScheduleProblem.NOT_A_DAY:
        return _("Send the last day as a date, e.g. “2026-12-31”.")
    if problem == ScheduleProblem.ENDS_TOO_EARLY:
        return _("The last day must come after the first sending.")
    return _(
        "I did not understand that time. Try “now”, “2026-12-01 18:00”, “tomorrow 09:00”, "
        "“daily 18:00”, “weekly mon 09:00” or “cron 0 9 * * 1”."
    )


async def cb_until(query: CallbackQuery, callback_data: PickCb, wizard: AnnounceWizard) -> None:
    if callback_data.value not in announcing.QUICK_ENDS:
        wizard.refuse(query, _("This button is no longer active."))
        return
    draft = await wizard.draft()
    assert draft.first is not None
    until = announcements.end_after(callback_data.value, datetime.fromisoformat(draft.first))
    draft.until = until.isoformat()
    await wizard.keep(draft)
    wizard.answered(
        query, fmt(_("Until: {day}"), day=until.astimezone(wizard.network.zone).date())
    )
    await confirm(wizard)


async def on_until(message: Message, wizard: AnnounceWizard) -> None:
    draft = await wizard.draft()
    try:
        until = last_day(message.text or "", draft.schedule.first, wizard.network.zone)
    except ScheduleError as error:
        wizard.outbox.send(message.reply(_schedule_problem(error.problem)))
        return
    draft.until = until.isoformat()
    await wizard.keep(draft)
    await confirm(wizard)
