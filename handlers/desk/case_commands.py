"""Commands staff use in a case topic: /take, /close, /reopen, /ban and /unban, /transfer,
/refer and /history. Every one of them is written to the audit trail."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.domain import audit
from bot.domain import cases as case_service
from bot.domain.citizens import citizen_of_case
from bot.kinds import CaseStatus
from bot.network.schema import Desk, DeskKind, Network
from bot.telegram.outbox import Outbox
from bot.ui import desk_keyboards, keyboards
from bot.ui.desk_keyboards import Move, MoveCb, TakeOverCb
from bot.ui.i18n import _
from bot.ui.texts import action_name, fmt, local_time, quote
from bot.workflows import bans, handling
from bot.workflows.handling import Officer
from bot.workflows.relay import Relay
from handlers.desk.staff import actor, case_of, staff_name
from handlers.filters import WrittenByStaff
from storage.models import Case

logger = logging.getLogger(__name__)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(WrittenByStaff())
    for name, handler in COMMANDS.items():
        router.message.register(handler, Command(name))
    router.callback_query.register(cb_ban, keyboards.BanCb.filter())
    router.callback_query.register(cb_take_over, TakeOverCb.filter())
    router.callback_query.register(cb_move, MoveCb.filter())
    return router


def officer_of(message: Message) -> Officer:
    return Officer(*actor(message))


async def topic_case(message: Message, outbox: Outbox, session: AsyncSession) -> Case | None:
    """The case of the topic the command was sent in; outside one, the officer is told."""
    case = await case_of(message, session)
    if case is None:
        outbox.send(message.reply(_("Use this inside a case topic.")))
    return case


async def live_case(message: Message, outbox: Outbox, session: AsyncSession) -> Case | None:
    """The topic's case, if it still leads to a resident (a pseudonymised one cannot be
    taken, reopened, transferred or referred: nobody could be told)."""
    case = await topic_case(message, outbox, session)
    if case is not None and case.pseudonymised_at is not None:
        outbox.send(message.reply(no_resident()))
        return None
    return case


def no_resident() -> str:
    return _(
        "This case no longer leads to a resident (their data was erased, or the retention "
        "period passed); it can no longer be answered."
    )


async def cmd_take(
    message: Message,
    outbox: Outbox,
    session: AsyncSession,
    relay: Relay,
    settings: Settings,
    clock: Clock,
) -> None:
    """Assign the case to the officer who sends /take; a colleague's case only after a yes."""
    case = await live_case(message, outbox, session)
    if case is None or message.from_user is None:
        return
    if case.assignee_id == message.from_user.id:
        outbox.send(message.reply(_("You are handling this case already.")))
        return
    if case.assignee_id is not None:
        outbox.send(
            message.reply(
                fmt(
                    _("{name} is handling this case. Take it over?"),
                    name=case.assignee_name or "—",
                ),
                reply_markup=desk_keyboards.take_over(case.id),
            )
        )
        return
    text = await handling.take(
        relay, session, case, officer_of(message), settings.show_officer_name, clock.now()
    )
    outbox.send(message.reply(text))


async def cb_take_over(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: TakeOverCb,
    session: AsyncSession,
    relay: Relay,
    settings: Settings,
    clock: Clock,
) -> None:
    case = await _button_case(query, outbox, callback_data.case_id, session)
    if case is None or not isinstance(query.message, Message):
        return
    outbox.send(query.message.edit_reply_markup(reply_markup=None))
    if case.pseudonymised_at is not None:
        outbox.send(query.message.answer(no_resident()))
        return
    if not callback_data.confirm or case.assignee_id == query.from_user.id:
        return
    officer = Officer(query.from_user.id, query.from_user.full_name)
    text = await handling.take(
        relay, session, case, officer, settings.show_officer_name, clock.now()
    )
    outbox.send(query.message.answer(text))


async def _button_case(
    query: CallbackQuery, outbox: Outbox, case_id: int, session: AsyncSession
) -> Case | None:
    """The case a button in a topic is about, if the button is in that case's desk group."""
    case = await case_service.case_by_id(session, case_id)
    if case is None or query.message is None:
        outbox.answer(query.answer(_("This button is no longer active."), show_alert=True))
        return None
    if query.message.chat.id != case.staff_chat_id:
        outbox.answer(query.answer(_("This button belongs to another desk."), show_alert=True))
        return None
    outbox.answer(query.answer())
    return case


async def cmd_close(
    message: Message,
    outbox: Outbox,
    command: CommandObject,
    session: AsyncSession,
    relay: Relay,
    clock: Clock,
) -> None:
    """`/close <outcome>`: close the case, tell the citizen the outcome, ask for a rating."""
    case = await topic_case(message, outbox, session)
    if case is None:
        return
    if not command.args or not command.args.strip():
        outbox.send(
            message.reply(
                _(
                    "Write the outcome after the command, for example: "
                    "/close We spoke to the neighbours and the noise has stopped."
                )
            )
        )
        return
    if case.status == CaseStatus.CLOSED:
        outbox.send(message.reply(_("This case is already closed.")))
        return
    await handling.close(
        relay, session, case, command.args.strip(), officer_of(message), clock.now()
    )
    outbox.send(message.reply(fmt(_("Closed by {name}."), name=staff_name(message.from_user))))


async def cmd_reopen(
    message: Message, outbox: Outbox, session: AsyncSession, relay: Relay, clock: Clock
) -> None:
    case = await live_case(message, outbox, session)
    if case is None:
        return
    if case.status != CaseStatus.CLOSED:
        outbox.send(message.reply(_("This case is not closed.")))
        return
    citizen = await citizen_of_case(session, case)
    case_service.reopen(case)
    await audit.log(session, case, *actor(message), "reopen", clock.now())
    relay.reopen_topic(case)
    await relay.refresh_card(case)
    outbox.send(message.reply(fmt(_("Reopened by {name}."), name=staff_name(message.from_user))))
    with relay.i18n.use_locale(citizen.language or relay.i18n.default_locale):
        relay.tell_citizen(citizen, fmt(_("Your report {ref} has been reopened."), ref=case.ref))


async def cmd_ban(message: Message, outbox: Outbox, session: AsyncSession) -> None:
    """Ask for confirmation before banning the case's reporter."""
    case = await topic_case(message, outbox, session)
    if case is None:
        return
    outbox.send(
        message.reply(
            fmt(
                _(
                    "Ban the person behind {ref}? They could send no reports or messages "
                    "through Beatline until the ban is lifted here."
                ),
                ref=case.ref,
            ),
            reply_markup=keyboards.ban_confirm(case.id),
        )
    )


async def cb_ban(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: keyboards.BanCb,
    session: AsyncSession,
    relay: Relay,
    clock: Clock,
) -> None:
    case = await case_service.case_by_id(session, callback_data.case_id)
    if case is None or not isinstance(query.message, Message):
        outbox.answer(query.answer())
        return
    if query.message.chat.id != case.staff_chat_id:
        outbox.answer(query.answer(_("This button belongs to another desk."), show_alert=True))
        return
    outbox.answer(query.answer())
    outbox.send(query.message.edit_reply_markup(reply_markup=None))
    if not callback_data.confirm:
        outbox.send(query.message.answer(_("Not banned.")))
        return
    text = await bans.ban(
        relay, session, case, query.from_user.id, staff_name(query.from_user), clock.now()
    )
    outbox.send(query.message.answer(text))


async def cmd_unban(
    message: Message, outbox: Outbox, session: AsyncSession, relay: Relay, clock: Clock
) -> None:
    """Lift the ban made from this case (only this case's: the person stays hidden)."""
    case = await topic_case(message, outbox, session)
    if case is None:
        return
    actor_id, actor_name = actor(message)
    outbox.send(
        message.reply(await bans.unban(relay, session, case, actor_id, actor_name, clock.now()))
    )


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
    target = network.desks_by_code().get(words[0].lower()) if words else None
    if target is None or target not in choices:
        outbox.send(
            message.reply(
                # The placeholders in angle brackets are words, not HTML tags.
                quote(_("Transfer to which desk? (/transfer <desk> <reason> also works)")),
                reply_markup=desk_keyboards.desks(
                    case.id, Move.TRANSFER, choices, network.default_language
                ),
            )
        )
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
    partner = network.desks_by_code().get(words[0].lower()) if words else None
    if partner is None or partner not in choices:
        outbox.send(
            message.reply(
                quote(
                    _(
                        "Refer to which partner? (/refer <partner> <reason> also works; add "
                        "“info” after the partner for a summary they cannot answer)"
                    )
                ),
                reply_markup=desk_keyboards.desks(
                    case.id, Move.REFER, choices, network.default_language
                ),
            )
        )
        return
    info_only = len(words) > 1 and words[1].lower() == "info"
    reason = handling.reason_of(words[2:] if info_only else words[1:])
    asked = await handling.refer(
        relay, session, case, partner, info_only, officer_of(message), reason, clock.now()
    )
    outbox.send(message.reply(_referral_asked(asked, partner, network)))


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
    case = await _button_case(query, outbox, callback_data.case_id, session)
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


async def cmd_history(
    message: Message, outbox: Outbox, session: AsyncSession, network: Network
) -> None:
    """The case's audit trail, with the actions named in the staff language."""
    case = await topic_case(message, outbox, session)
    if case is None:
        return
    events = await audit.trail(session, case)
    if not events:
        outbox.send(message.reply(_("No staff actions recorded for this case yet.")))
        return
    lines = [fmt(_("<b>History of {ref}</b>"), ref=case.ref)]
    for event in events:
        when = local_time(event.created_at, network)
        detail = f" · {quote(event.detail[:80])}" if event.detail else ""
        name = action_name(event.action)
        lines.append(f"{when} · {quote(name)} · {quote(event.actor_name)}{detail}")
    outbox.send(message.reply("\n".join(lines)))


COMMANDS: dict[str, Callable[..., Awaitable[None]]] = {
    "take": cmd_take,
    "close": cmd_close,
    "reopen": cmd_reopen,
    "ban": cmd_ban,
    "unban": cmd_unban,
    "transfer": cmd_transfer,
    "refer": cmd_refer,
    "history": cmd_history,
}
