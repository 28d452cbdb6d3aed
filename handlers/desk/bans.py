"""/ban (after a confirmation button) and /unban in a case topic: the person behind the case is
banned or let back in, without staff ever learning who it is."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.ui import desk_keyboards
from bot.ui.i18n import _
from bot.ui.texts import fmt
from bot.workflows.bans import ban, unban
from bot.workflows.handling import Officer
from handlers.context import Context
from handlers.desk.lookups import officer_of, topic_case
from handlers.desk.staff import staff_name
from handlers.filters import WrittenByStaff
from storage.cases import Cases


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(WrittenByStaff())
    router.message.register(cmd_ban, Command("ban"))
    router.message.register(cmd_unban, Command("unban"))
    router.callback_query.register(cb_ban, desk_keyboards.BanCb.filter())
    return router


async def cmd_ban(message: Message, ctx: Context) -> None:
    """Ask for confirmation before banning the case's reporter."""
    case = await topic_case(message, ctx)
    if case is None:
        return
    ctx.outbox.send(
        message.reply(
            fmt(
                _(
                    "Ban the person behind {ref}? They could send no reports or messages "
                    "through Beatline until the ban is lifted here."
                ),
                ref=case.ref,
            ),
            reply_markup=desk_keyboards.ban_confirm(case.id),
        )
    )


async def cb_ban(query: CallbackQuery, callback_data: desk_keyboards.BanCb, ctx: Context) -> None:
    outbox = ctx.outbox
    case = await Cases(ctx.session).by_id(callback_data.case_id)
    if case is None or not isinstance(query.message, Message):
        outbox.answer(query.answer())
        return
    if query.message.chat.id != case.staff_chat_id:
        outbox.answer(query.answer(_("This button belongs to another desk."), show_alert=True))
        return
    outbox.answer(query.answer())
    outbox.send(query.message.edit_reply_markup(reply_markup=None))
    if not callback_data.yes:
        outbox.send(query.message.answer(_("Not banned.")))
        return
    officer = Officer(query.from_user.id, staff_name(query.from_user))
    text = await ban(ctx.relay, ctx.session, case, officer, ctx.clock.now())
    outbox.send(query.message.answer(text))


async def cmd_unban(message: Message, ctx: Context) -> None:
    """Lift the ban made from this case (only this case's: the person stays hidden)."""
    case = await topic_case(message, ctx)
    if case is None:
        return
    text = await unban(ctx.relay, ctx.session, case, officer_of(message), ctx.clock.now())
    ctx.outbox.send(message.reply(text))
