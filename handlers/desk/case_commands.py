"""Commands staff use on a case in its topic: /take (and taking over a colleague's case),
/close, /reopen and /history. Every one of them is written to the audit trail; moving a case
is in handlers.desk.moves, bans in handlers.desk.bans."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.config import Settings
from bot.domain import audit
from bot.domain import cases as case_service
from bot.domain.citizens import citizen_of_case, leads_to_resident
from bot.kinds import CaseStatus
from bot.ui import desk_keyboards
from bot.ui.desk_keyboards import TakeOverCb
from bot.ui.i18n import _
from bot.ui.texts import action_name, fmt, local_time, no_resident, quote
from bot.workflows import handling
from bot.workflows.handling import Officer
from handlers.context import Context
from handlers.desk.lookups import button_case, live_case, officer_of, topic_case
from handlers.desk.staff import actor, staff_name
from handlers.filters import WrittenByStaff
from storage.audit import AuditLog
from storage.models import Case


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(WrittenByStaff())
    router.message.register(cmd_take, Command("take"))
    router.message.register(cmd_close, Command("close"))
    router.message.register(cmd_reopen, Command("reopen"))
    router.message.register(cmd_history, Command("history"))
    router.callback_query.register(cb_take_over, TakeOverCb.filter())
    return router


async def cmd_take(message: Message, ctx: Context, settings: Settings) -> None:
    """Assign the case to the officer who sends /take; a colleague's case only after a yes."""
    case = await live_case(message, ctx)
    if case is None or message.from_user is None:
        return
    if case.assignee_id == message.from_user.id:
        ctx.outbox.send(message.reply(_("You are handling this case already.")))
        return
    if case.assignee_id is not None:
        ctx.outbox.send(
            message.reply(
                fmt(
                    _("{name} is handling this case. Take it over?"),
                    name=case.assignee_name or "—",
                ),
                reply_markup=desk_keyboards.take_over(case.id),
            )
        )
        return
    text = await _take(ctx, case, officer_of(message), settings)
    ctx.outbox.send(message.reply(text))


async def cb_take_over(
    query: CallbackQuery, callback_data: TakeOverCb, ctx: Context, settings: Settings
) -> None:
    case = await button_case(query, ctx, callback_data.case_id)
    if case is None or not isinstance(query.message, Message):
        return
    ctx.outbox.send(query.message.edit_reply_markup(reply_markup=None))
    if not await leads_to_resident(ctx.session, case):
        ctx.outbox.send(query.message.answer(no_resident()))
        return
    if not callback_data.yes or case.assignee_id == query.from_user.id:
        return
    officer = Officer(query.from_user.id, query.from_user.full_name)
    ctx.outbox.send(query.message.answer(await _take(ctx, case, officer, settings)))


async def _take(ctx: Context, case: Case, officer: Officer, settings: Settings) -> str:
    show_name, now = settings.show_officer_name, ctx.clock.now()
    return await handling.take(ctx.relay, ctx.session, case, officer, show_name, now)


async def cmd_close(message: Message, command: CommandObject, ctx: Context) -> None:
    """`/close <outcome>`: close the case, tell the citizen the outcome, ask for a rating."""
    case = await topic_case(message, ctx)
    if case is None:
        return
    if not command.args or not command.args.strip():
        ctx.outbox.send(
            message.reply(
                _(
                    "Write the outcome after the command, for example: "
                    "/close We spoke to the neighbours and the noise has stopped."
                )
            )
        )
        return
    if case.status == CaseStatus.CLOSED:
        ctx.outbox.send(message.reply(_("This case is already closed.")))
        return
    outcome, officer = command.args.strip(), officer_of(message)
    await handling.close(ctx.relay, ctx.session, case, outcome, officer, ctx.clock.now())
    closed = fmt(_("Closed by {name}."), name=staff_name(message.from_user))
    ctx.outbox.send(message.reply(closed))


async def cmd_reopen(message: Message, ctx: Context) -> None:
    case = await live_case(message, ctx)
    if case is None:
        return
    if case.status != CaseStatus.CLOSED:
        ctx.outbox.send(message.reply(_("This case is not closed.")))
        return
    relay = ctx.relay
    citizen = await citizen_of_case(ctx.session, case)
    case_service.reopen(case)
    await audit.log(ctx.session, case, *actor(message), "reopen", ctx.clock.now())
    relay.reopen_topic(case)
    await relay.refresh_card(case)
    reopened = fmt(_("Reopened by {name}."), name=staff_name(message.from_user))
    ctx.outbox.send(message.reply(reopened))
    with relay.i18n.use_locale(citizen.language or relay.i18n.default_locale):
        relay.tell_citizen(citizen, fmt(_("Your report {ref} has been reopened."), ref=case.ref))


async def cmd_history(message: Message, ctx: Context) -> None:
    """The case's audit trail, with the actions named in the staff language."""
    case = await topic_case(message, ctx)
    if case is None:
        return
    events = await AuditLog(ctx.session).of_case(case.id)
    if not events:
        ctx.outbox.send(message.reply(_("No staff actions recorded for this case yet.")))
        return
    lines = [fmt(_("<b>History of {ref}</b>"), ref=case.ref)]
    for event in events:
        when = local_time(event.created_at, ctx.network)
        detail = f" · {quote(event.detail[:80])}" if event.detail else ""
        name = action_name(event.action)
        lines.append(f"{when} · {quote(name)} · {quote(event.actor_name)}{detail}")
    ctx.outbox.send(message.reply("\n".join(lines)))
