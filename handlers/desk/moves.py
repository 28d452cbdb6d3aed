"""Moving a case: /transfer to another police desk, /refer to a partner (after the resident
agrees), and the desk buttons offered when the command names none."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.network.desks import Desk, DeskKind
from bot.network.schema import Network
from bot.telegram.outbox import Outbox
from bot.ui import desk_keyboards
from bot.ui.desk_keyboards import Move, MoveCb
from bot.ui.i18n import _
from bot.ui.texts import fmt, quote
from bot.workflows import handling
from bot.workflows.handling import Officer
from bot.workflows.relay import Relay
from handlers.desk.lookups import button_case, live_case, no_resident, officer_of
from handlers.filters import WrittenByStaff
from storage.models import Case


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(WrittenByStaff())
    router.message.register(cmd_transfer, Command("transfer"))
    router.message.register(cmd_refer, Command("refer"))
    router.callback_query.register(cb_move, MoveCb.filter())
    return router


async def cmd_transfer(
    message: Message,
    outbox: Outbox,
    command: CommandObject,
    session: AsyncSession,
    relay: Relay,
    network: Network,
    clock: Clock,
) -> None:
    """`/transfer <desk> [reason]`: move the case, with its history, to another police desk;
    without a desk, the desks are offered as buttons."""
    case = await live_case(message, outbox, session)
    if case is None:
        return
    words = (command.args or "").split()
    choices = [d for d in network.desks if d.kind is DeskKind.POLICE and d.code != case.desk]
    # The placeholders in angle brackets are words, not HTML tags.
    prompt = _("Transfer to which desk? (/transfer <desk> <reason> also works)")
    target = _named_desk(message, outbox, case, words, choices, Move.TRANSFER, prompt, network)
    if target is None:
        return
    reason = handling.reason_of(words[1:])
    await handling.transfer(relay, session, case, target, officer_of(message), reason, clock.now())


async def cmd_refer(
    message: Message,
    outbox: Outbox,
    command: CommandObject,
    session: AsyncSession,
    relay: Relay,
    network: Network,
    clock: Clock,
) -> None:
    """`/refer <partner> [info] [reason]`: ask the citizen whether a partner may see the case;
    without a partner, the partners are offered as buttons."""
    case = await live_case(message, outbox, session)
    if case is None:
        return
    words = (command.args or "").split()
    choices = [d for d in network.desks if d.kind is DeskKind.PARTNER]
    prompt = _(
        "Refer to which partner? (/refer <partner> <reason> also works; add "
        "“info” after the partner for a summary they cannot answer)"
    )
    partner = _named_desk(message, outbox, case, words, choices, Move.REFER, prompt, network)
    if partner is None:
        return
    info_only = len(words) > 1 and words[1].lower() == "info"
    reason = handling.reason_of(words[2:] if info_only else words[1:])
    asked = await handling.refer(
        relay, session, case, partner, info_only, officer_of(message), reason, clock.now()
    )
    outbox.send(message.reply(_referral_asked(asked, partner, network)))


def _named_desk(
    message: Message,
    outbox: Outbox,
    case: Case,
    words: list[str],
    choices: list[Desk],
    move: Move,
    prompt: str,
    network: Network,
) -> Desk | None:
    """The desk the command names first, if it is one of `choices`; otherwise the choices
    are offered as buttons under `prompt`."""
    named = network.desks_by_code().get(words[0].lower()) if words else None
    if named is not None and named in choices:
        return named
    keyboard = desk_keyboards.desks(case.id, move, choices, network.default_language)
    outbox.send(message.reply(quote(prompt), reply_markup=keyboard))
    return None


def _referral_asked(asked: bool, partner: Desk, network: Network) -> str:
    if not asked:
        return _("The citizen cannot be reached, so the referral was not asked.")
    return fmt(
        _("Asked the citizen whether {partner} may see this case."),
        partner=partner.name(network.default_language, network.default_language),
    )


async def cb_move(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: MoveCb,
    session: AsyncSession,
    relay: Relay,
    network: Network,
    clock: Clock,
) -> None:
    """A desk or partner pressed under /transfer or /refer typed without one."""
    case = await button_case(query, outbox, callback_data.case_id, session)
    target = network.desks_by_code().get(callback_data.desk)
    if case is None or target is None or not isinstance(query.message, Message):
        return
    outbox.send(query.message.edit_reply_markup(reply_markup=None))
    if case.pseudonymised_at is not None:
        outbox.send(query.message.answer(no_resident()))
        return
    officer = Officer(query.from_user.id, query.from_user.full_name)
    if callback_data.move is Move.TRANSFER:
        if target.kind is DeskKind.POLICE and target.code != case.desk:
            await handling.transfer(relay, session, case, target, officer, None, clock.now())
        return
    if target.kind is DeskKind.PARTNER:
        asked = await handling.refer(
            relay, session, case, target, False, officer, None, clock.now()
        )
        outbox.send(query.message.answer(_referral_asked(asked, target, network)))
