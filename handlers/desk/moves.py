"""Moving a case: /transfer to another police desk, /refer to a partner (after the resident
agrees), and the desk buttons offered when the command names none."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.domain.citizens import leads_to_resident
from bot.network.desks import Desk, DeskKind
from bot.network.schema import Network
from bot.ui import desk_keyboards
from bot.ui.desk_keyboards import Move, MoveCb
from bot.ui.i18n import _
from bot.ui.texts import fmt, no_resident, quote
from bot.workflows import handling
from bot.workflows.handling import Officer
from handlers.context import Context
from handlers.desk.lookups import button_case, live_case, officer_of
from handlers.filters import WrittenByStaff
from storage.models import Case


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(WrittenByStaff())
    router.message.register(cmd_transfer, Command("transfer"))
    router.message.register(cmd_refer, Command("refer"))
    router.callback_query.register(cb_move, MoveCb.filter())
    return router


async def cmd_transfer(message: Message, command: CommandObject, ctx: Context) -> None:
    """`/transfer <desk> [reason]`: move the case, with its history, to another police desk;
    without a desk, the desks are offered as buttons."""
    # The placeholders in angle brackets are words, not HTML tags.
    prompt = _("Transfer to which desk? (/transfer <desk> <reason> also works)")
    await _move_command(message, command, ctx, Move.TRANSFER, prompt)


async def cmd_refer(message: Message, command: CommandObject, ctx: Context) -> None:
    """`/refer <partner> [info] [reason]`: ask the citizen whether a partner may see the case;
    without a partner, the partners are offered as buttons."""
    prompt = _(
        "Refer to which partner? (/refer <partner> <reason> also works; add "
        "“info” after the partner for a summary they cannot answer)"
    )
    await _move_command(message, command, ctx, Move.REFER, prompt)


async def _move_command(
    message: Message, command: CommandObject, ctx: Context, move: Move, prompt: str
) -> None:
    """The topic's live case moves to the desk the command names first; without one it can
    move to, the choices are offered as buttons under `prompt`."""
    case = await live_case(message, ctx)
    if case is None:
        return
    words = (command.args or "").split()
    choices = _choices(ctx.network, case, move)
    named = ctx.network.desks_by_code().get(words[0].lower()) if words else None
    if named is None or named not in choices:
        keyboard = desk_keyboards.desks(case.id, move, choices, ctx.network.default_language)
        ctx.outbox.send(message.reply(quote(prompt), reply_markup=keyboard))
        return
    told = await _move(ctx, move, case, named, officer_of(message), words[1:])
    if told:
        ctx.outbox.send(message.reply(told))


def _choices(network: Network, case: Case, move: Move) -> list[Desk]:
    """Where the case can go: another police desk, or any partner."""
    if move is Move.TRANSFER:
        return [d for d in network.desks if d.kind is DeskKind.POLICE and d.code != case.desk]
    return [d for d in network.desks if d.kind is DeskKind.PARTNER]


async def _move(
    ctx: Context, move: Move, case: Case, desk: Desk, officer: Officer, words: list[str]
) -> str | None:
    """Transfer or refer the case; `words` are the reason (a referral's may start with "info":
    a summary the partner cannot answer). Returns what the officer is told, if anything."""
    now = ctx.clock.now()
    if move is Move.TRANSFER:
        reason = handling.reason_of(words)
        await handling.transfer(ctx.relay, ctx.session, case, desk, officer, reason, now)
        return None
    info_only = bool(words) and words[0].lower() == "info"
    reason = handling.reason_of(words[1:] if info_only else words)
    asked = await handling.refer(
        ctx.relay, ctx.session, case, desk, info_only, officer, reason, now
    )
    if not asked:
        return _("The citizen cannot be reached, so the referral was not asked.")
    name = desk.name(ctx.network.default_language, ctx.network.default_language)
    return fmt(_("Asked the citizen whether {partner} may see this case."), partner=name)


async def cb_move(query: CallbackQuery, callback_data: MoveCb, ctx: Context) -> None:
    """A desk or partner pressed under /transfer or /refer typed without one."""
    case = await button_case(query, ctx, callback_data.case_id)
    target = ctx.network.desks_by_code().get(callback_data.desk)
    if case is None or target is None or not isinstance(query.message, Message):
        return
    ctx.outbox.send(query.message.edit_reply_markup(reply_markup=None))
    if not await leads_to_resident(ctx.session, case):
        ctx.outbox.send(query.message.answer(no_resident()))
        return
    if target not in _choices(ctx.network, case, callback_data.move):
        return
    officer = Officer(query.from_user.id, query.from_user.full_name)
    told = await _move(ctx, callback_data.move, case, target, officer, [])
    if told:
        ctx.outbox.send(query.message.answer(told))
