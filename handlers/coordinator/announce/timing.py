"""When it goes out: now, a day and time, or a schedule in words (daily, weekly, cron), and
until when a recurring alert runs."""

from __future__ import annotations

from datetime import date, datetime, time

from aiogram.types import CallbackQuery, Message

from bot.domain.alerts.schedule import ScheduleError, ScheduleProblem, parse
from bot.network.schema import Network
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
    now = wizard.clock.now()
    try:
        schedule = parse(_resolve_days(words, now, network), now, network.zone)
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
    assert draft.first is not None
    try:
        day = date.fromisoformat((message.text or "").strip())
    except ValueError:
        wizard.outbox.send(message.reply(_("Send the last day as a date, e.g. “2026-12-31”.")))
        return
    until = datetime.combine(day, time(23, 59), wizard.network.zone)
    if until <= datetime.fromisoformat(draft.first):
        wizard.outbox.send(message.reply(_("The last day must come after the first sending.")))
        return
    draft.until = until.isoformat()
    await wizard.keep(draft)
    await confirm(wizard)
