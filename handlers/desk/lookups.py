"""Which case a staff command or button is about, and what the officer is told when there is
none (outside a topic, a stale button, a case that no longer leads to a resident)."""

from __future__ import annotations

from aiogram.types import CallbackQuery, Message

from bot.domain.citizens import leads_to_resident
from bot.ui.i18n import _
from bot.ui.texts import no_resident
from bot.workflows.handling import Officer
from handlers.context import Context
from handlers.desk.staff import actor
from storage.cases import Cases
from storage.models import Case


def officer_of(message: Message) -> Officer:
    return Officer(*actor(message))


async def topic_case(message: Message, ctx: Context) -> Case | None:
    """The case of the topic the command was sent in; outside one, the officer is told."""
    case = await Cases(ctx.session).by_topic(message.chat.id, message.message_thread_id or 0)
    if case is None:
        ctx.outbox.send(message.reply(_("Use this inside a case topic.")))
    return case


async def live_case(message: Message, ctx: Context) -> Case | None:
    """The topic's case, if it still leads to a resident (a pseudonymised one cannot be
    taken, reopened, transferred or referred: nobody could be told)."""
    case = await topic_case(message, ctx)
    if case is not None and not await leads_to_resident(ctx.session, case):
        ctx.outbox.send(message.reply(no_resident()))
        return None
    return case


async def button_case(query: CallbackQuery, ctx: Context, case_id: int) -> Case | None:
    """The case a button in a topic is about, if the button is in that case's desk group."""
    case = await Cases(ctx.session).by_id(case_id)
    if case is None or query.message is None:
        ctx.outbox.answer(query.answer(_("This button is no longer active."), show_alert=True))
        return None
    if query.message.chat.id != case.staff_chat_id:
        ctx.outbox.answer(query.answer(_("This button belongs to another desk."), show_alert=True))
        return None
    ctx.outbox.answer(query.answer())
    return case
