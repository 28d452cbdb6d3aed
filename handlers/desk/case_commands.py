"""Commands staff use in a case topic: /take, /close, /reopen, /ban and /unban, /transfer,
/refer and /history. Every one of them is written to the audit trail."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.domain import audit
from bot.domain import cases as case_service
from bot.domain import referrals as referral_service
from bot.domain.citizens import citizen_of_case
from bot.kinds import CaseStatus
from bot.network.schema import DeskKind, Network
from bot.telegram.outbox import Outbox
from bot.ui import keyboards
from bot.ui.i18n import _
from bot.ui.texts import fmt, local_time, quote
from bot.workflows import bans, desks
from bot.workflows.casework import tell_closed
from bot.workflows.relay import Relay
from handlers.desk.staff import actor, case_of, staff_name
from handlers.filters import Match, WrittenByStaff

logger = logging.getLogger(__name__)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(Match(F.message_thread_id), WrittenByStaff())
    router.message.register(cmd_take, Command("take"))
    router.message.register(cmd_close, Command("close"))
    router.message.register(cmd_reopen, Command("reopen"))
    router.message.register(cmd_ban, Command("ban"))
    router.message.register(cmd_unban, Command("unban"))
    router.message.register(cmd_transfer, Command("transfer"))
    router.message.register(cmd_refer, Command("refer"))
    router.message.register(cmd_history, Command("history"))
    router.callback_query.register(cb_ban, keyboards.BanCb.filter())
    return router


async def cmd_take(
    message: Message,
    outbox: Outbox,
    session: AsyncSession,
    relay: Relay,
    settings: Settings,
    clock: Clock,
) -> None:
    """Assign the case to the officer who sends /take."""
    case = await case_of(message, session)
    if case is None or message.from_user is None:
        return
    citizen = await citizen_of_case(session, case)
    case_service.take(case, message.from_user.id, message.from_user.first_name)
    await audit.log(session, case, *actor(message), "take", clock.now())
    await relay.refresh_card(case)
    outbox.send(
        message.reply(fmt(_("{name} is handling this case."), name=staff_name(message.from_user)))
    )
    with relay.i18n.use_locale(citizen.language or relay.i18n.default_locale):
        if settings.show_officer_name:
            text = fmt(
                _("{name}, an officer, is handling your report {ref}."),
                name=message.from_user.first_name,
                ref=case.ref,
            )
        else:
            text = fmt(_("An officer is handling your report {ref}."), ref=case.ref)
        relay.tell_citizen(citizen, text)


async def cmd_close(
    message: Message,
    outbox: Outbox,
    command: CommandObject,
    session: AsyncSession,
    relay: Relay,
    clock: Clock,
) -> None:
    """`/close <outcome>`: close the case, tell the citizen the outcome, ask for a rating."""
    case = await case_of(message, session)
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
    citizen = await citizen_of_case(session, case)
    case_service.close(case, command.args.strip(), clock.now())
    await audit.log(session, case, *actor(message), "close", clock.now(), command.args.strip())
    outbox.send(message.reply(fmt(_("Closed by {name}."), name=staff_name(message.from_user))))
    await relay.refresh_card(case)
    await tell_closed(relay, case, citizen, citizen.language or relay.i18n.default_locale)


async def cmd_reopen(
    message: Message, outbox: Outbox, session: AsyncSession, relay: Relay, clock: Clock
) -> None:
    case = await case_of(message, session)
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
    case = await case_of(message, session)
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
    case = await case_of(message, session)
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
    """`/transfer <desk>`: move the case, with its history, to another police desk."""
    case = await case_of(message, session)
    if case is None:
        return
    target = network.desks_by_code().get((command.args or "").strip().lower())
    police = [d.code for d in network.desks if d.kind is DeskKind.POLICE and d.code != case.desk]
    if target is None or target.kind is not DeskKind.POLICE or target.code == case.desk:
        outbox.send(
            message.reply(
                fmt(
                    _("Name the police desk to transfer to, for example: /transfer {desk}"),
                    desk=police[0] if police else "desk",
                )
                + "\n"
                + fmt(_("Desks: {desks}"), desks=", ".join(police) or "—")
            )
        )
        return
    citizen = await citizen_of_case(session, case)
    by = staff_name(message.from_user)
    await audit.log(
        session, case, *actor(message), "transfer", clock.now(), f"{case.desk} → {target.code}"
    )
    await desks.transfer(relay, session, case, citizen, target, by)


async def cmd_refer(
    message: Message,
    outbox: Outbox,
    command: CommandObject,
    session: AsyncSession,
    relay: Relay,
    network: Network,
    clock: Clock,
) -> None:
    """`/refer <partner> [info]`: ask the citizen whether a partner may see the case."""
    case = await case_of(message, session)
    if case is None:
        return
    words = (command.args or "").lower().split()
    partners = [d.code for d in network.desks if d.kind is DeskKind.PARTNER]
    partner = network.desks_by_code().get(words[0]) if words else None
    if partner is None or partner.kind is not DeskKind.PARTNER:
        outbox.send(
            message.reply(
                fmt(
                    _(
                        "Name the partner, for example: /refer {partner} (add “info” for a "
                        "summary they cannot answer)"
                    ),
                    partner=partners[0] if partners else "partner",
                )
                + "\n"
                + fmt(_("Partners: {partners}"), partners=", ".join(partners) or "—")
            )
        )
        return
    info_only = len(words) > 1 and words[1] == "info"
    citizen = await citizen_of_case(session, case)
    referral = await referral_service.propose(
        session,
        case,
        partner,
        info_only,
        message.from_user.id if message.from_user else None,
        clock.now(),
    )
    await audit.log(
        session,
        case,
        *actor(message),
        "refer",
        clock.now(),
        f"{partner.code}{' (info only)' if info_only else ''}: proposed",
    )
    if await desks.ask_consent(relay, case, citizen, partner, referral):
        outbox.send(
            message.reply(
                fmt(
                    _("Asked the citizen whether {partner} may see this case."),
                    partner=partner.name(network.default_language, network.default_language),
                )
            )
        )
    else:
        outbox.send(
            message.reply(_("The citizen cannot be reached, so the referral was not asked."))
        )


async def cmd_history(
    message: Message, outbox: Outbox, session: AsyncSession, network: Network
) -> None:
    """The case's audit trail."""
    case = await case_of(message, session)
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
        lines.append(f"{when} · {quote(event.action)} · {quote(event.actor_name)}{detail}")
    outbox.send(message.reply("\n".join(lines)))
