"""A desk's supergroup: what staff write in a case topic reaches the citizen as the bot, and
the case commands (/take, /close, /reopen, /ban, /unban) run the case."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message, User
from sqlalchemy.ext.asyncio import AsyncSession

from bot import desks, keyboards
from bot.casework import record, tell_closed
from bot.clock import Clock
from bot.config import Settings
from bot.edits import mirror_edit
from bot.i18n import _
from bot.network import DeskKind, Network
from bot.relay import DELIVERED, RELAYABLE, UNDELIVERED, DeliveryError, Relay
from bot.services import audit
from bot.services import cases as case_service
from bot.services import referrals as referral_service
from bot.services.citizens import citizen_of_case
from bot.texts import fmt, isolate, local_time, quote
from storage.models import Case, CaseStatus, Direction

logger = logging.getLogger(__name__)

NOTE_PREFIX = "//"


def create_router() -> Router:
    router = Router(name=__name__)
    # Staff are people (or the group posting as itself); other bots and channel forwards are not.
    router.message.filter(F.message_thread_id, written_by_staff)
    router.edited_message.filter(F.message_thread_id, written_by_staff)
    router.message.register(on_note, F.text.startswith(NOTE_PREFIX))
    router.message.register(cmd_take, Command("take"))
    router.message.register(cmd_close, Command("close"))
    router.message.register(cmd_reopen, Command("reopen"))
    router.message.register(cmd_ban, Command("ban"))
    router.message.register(cmd_unban, Command("unban"))
    router.message.register(cmd_transfer, Command("transfer"))
    router.message.register(cmd_refer, Command("refer"))
    router.message.register(cmd_history, Command("history"))
    router.message.register(on_command, F.text.startswith("/"))
    router.message.register(on_staff_message, F.content_type.in_(RELAYABLE))
    router.edited_message.register(on_staff_edit)
    router.callback_query.register(cb_ban, keyboards.BanCb.filter())
    return router


def written_by_staff(message: Message) -> bool:
    if message.is_automatic_forward:
        return False
    if message.sender_chat is not None:
        return message.sender_chat.id == message.chat.id
    return message.from_user is not None and not message.from_user.is_bot


def _name(user: User | None) -> str:
    return user.full_name if user else _("an administrator")


def _actor(message: Message) -> tuple[int | None, str]:
    """Who did it, for the audit trail (a group posting as itself has no user)."""
    if message.from_user is None or message.from_user.is_bot:
        return None, message.sender_chat.title or "" if message.sender_chat else ""
    return message.from_user.id, message.from_user.full_name


async def _case_of(message: Message, session: AsyncSession) -> Case | None:
    return await case_service.case_of_topic(
        session, message.chat.id, message.message_thread_id or 0
    )


async def on_note(message: Message, session: AsyncSession, clock: Clock) -> None:
    """`// text` stays in the topic as an internal note."""
    case = await _case_of(message, session)
    if case is None or await case_service.already_relayed(
        session, message.chat.id, message.message_id
    ):
        return
    await record(session, case, message, Direction.NOTE, None, None, clock.now())
    await audit.log(session, case, *_actor(message), "note", clock.now(), message.text or "")


async def on_command(message: Message) -> None:
    """Other commands are for the bot, never for the citizen."""
    logger.debug("staff command in chat %d ignored", message.chat.id)


async def on_staff_message(
    message: Message,
    session: AsyncSession,
    relay: Relay,
    clock: Clock,
    album: list[Message] | None = None,
) -> None:
    """Relay a staff message (or album) to the case's citizen; react to show the outcome."""
    case = await _case_of(message, session)
    if case is None:
        await _from_partner(message, session, relay, clock)
        return
    if await case_service.already_relayed(session, message.chat.id, message.message_id):
        return
    if case.status == CaseStatus.CLOSED:
        await message.reply(_("This case is closed; nothing was sent. Use /reopen first."))
        return
    messages = album or [message]
    citizen = await citizen_of_case(session, case)
    try:
        delivered = await relay.to_citizen(case, citizen, messages)
    except DeliveryError as failure:
        await relay.react(message.chat.id, message.message_id, UNDELIVERED)
        await message.reply(_("⚠️ Not delivered: {reason}").format(reason=failure.reason))
        return
    was_new = case.status == CaseStatus.NEW
    now = clock.now()
    for sent, target in zip(messages, delivered, strict=False):
        await record(session, case, sent, Direction.STAFF, citizen.chat_id, target, now)
        await relay.react(sent.chat.id, sent.message_id, DELIVERED)
    if was_new:
        await relay.refresh_card(case, citizen)


async def on_staff_edit(message: Message, session: AsyncSession, relay: Relay) -> None:
    record_ = await case_service.message_by_source(session, message.chat.id, message.message_id)
    if record_ is None or record_.direction != Direction.STAFF:
        return
    case = await case_service.case_by_id(session, record_.case_id)
    if case is None:
        return
    citizen = await citizen_of_case(session, case)
    await mirror_edit(relay, case, citizen, record_, message, header=f"<b>{quote(case.ref)}</b>\n")


async def cmd_take(
    message: Message, session: AsyncSession, relay: Relay, settings: Settings, clock: Clock
) -> None:
    """Assign the case to the officer who sends /take."""
    case = await _case_of(message, session)
    if case is None or message.from_user is None:
        return
    citizen = await citizen_of_case(session, case)
    case_service.take(case, message.from_user.id, message.from_user.first_name)
    await audit.log(session, case, *_actor(message), "take", clock.now())
    await relay.refresh_card(case, citizen)
    await message.reply(fmt(_("{name} is handling this case."), name=_name(message.from_user)))
    with relay.i18n.use_locale(citizen.language or relay.i18n.default_locale):
        if settings.show_officer_name:
            text = fmt(
                _("{name}, an officer, is handling your report {ref}."),
                name=message.from_user.first_name,
                ref=case.ref,
            )
        else:
            text = fmt(_("An officer is handling your report {ref}."), ref=case.ref)
        await relay.tell_citizen(citizen, text)


async def cmd_close(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    relay: Relay,
    clock: Clock,
) -> None:
    """`/close <outcome>`: close the case, tell the citizen the outcome, ask for a rating."""
    case = await _case_of(message, session)
    if case is None:
        return
    if not command.args or not command.args.strip():
        await message.reply(
            _(
                "Write the outcome after the command, for example: "
                "/close We spoke to the neighbours and the noise has stopped."
            )
        )
        return
    if case.status == CaseStatus.CLOSED:
        await message.reply(_("This case is already closed."))
        return
    citizen = await citizen_of_case(session, case)
    case_service.close(case, command.args.strip(), clock.now())
    await audit.log(session, case, *_actor(message), "close", clock.now(), command.args.strip())
    await message.reply(fmt(_("Closed by {name}."), name=_name(message.from_user)))
    await relay.refresh_card(case, citizen)
    await tell_closed(relay, case, citizen, citizen.language or relay.i18n.default_locale)


async def cmd_reopen(message: Message, session: AsyncSession, relay: Relay, clock: Clock) -> None:
    case = await _case_of(message, session)
    if case is None:
        return
    if case.status != CaseStatus.CLOSED:
        await message.reply(_("This case is not closed."))
        return
    citizen = await citizen_of_case(session, case)
    case_service.reopen(case)
    await audit.log(session, case, *_actor(message), "reopen", clock.now())
    await relay.reopen_topic(case)
    await relay.refresh_card(case, citizen)
    await message.reply(fmt(_("Reopened by {name}."), name=_name(message.from_user)))
    with relay.i18n.use_locale(citizen.language or relay.i18n.default_locale):
        await relay.tell_citizen(
            citizen, fmt(_("Your report {ref} has been reopened."), ref=case.ref)
        )


async def cmd_ban(message: Message, session: AsyncSession) -> None:
    """Ask for confirmation before banning the case's reporter."""
    case = await _case_of(message, session)
    if case is None:
        return
    await message.reply(
        fmt(_("Ban the reporter of {ref} from opening new cases?"), ref=case.ref),
        reply_markup=keyboards.ban_confirm(case.id),
    )


async def cb_ban(
    query: CallbackQuery,
    callback_data: keyboards.BanCb,
    session: AsyncSession,
    relay: Relay,
    clock: Clock,
) -> None:
    case = await case_service.case_by_id(session, callback_data.case_id)
    if case is None or not isinstance(query.message, Message):
        await query.answer()
        return
    if query.message.chat.id != case.staff_chat_id:
        await query.answer(_("This button belongs to another desk."), show_alert=True)
        return
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    if not callback_data.confirm:
        await query.message.answer(_("Not banned."))
        return
    citizen = await citizen_of_case(session, case)
    citizen.banned = True
    logger.info("case %s: reporter banned", case.ref)
    await audit.log(
        session, case, query.from_user.id, query.from_user.full_name, "ban", clock.now()
    )
    await query.message.answer(
        fmt(
            _("The reporter of {ref} was banned by {name}. /unban reverses it."),
            ref=case.ref,
            name=_name(query.from_user),
        )
    )
    with relay.i18n.use_locale(citizen.language or relay.i18n.default_locale):
        await relay.tell_citizen(
            citizen,
            _(
                "You can no longer open new reports through Beatline. "
                "In an emergency call {number}."
            ).format(number=isolate(relay.network.emergency.number)),
        )


async def cmd_unban(message: Message, session: AsyncSession, relay: Relay, clock: Clock) -> None:
    case = await _case_of(message, session)
    if case is None:
        return
    citizen = await citizen_of_case(session, case)
    if not citizen.banned:
        await message.reply(_("The reporter of this case is not banned."))
        return
    citizen.banned = False
    await audit.log(session, case, *_actor(message), "unban", clock.now())
    await message.reply(fmt(_("The reporter of {ref} may open cases again."), ref=case.ref))
    with relay.i18n.use_locale(citizen.language or relay.i18n.default_locale):
        await relay.tell_citizen(citizen, _("You can open reports through Beatline again."))


async def cmd_transfer(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    relay: Relay,
    network: Network,
    clock: Clock,
) -> None:
    """`/transfer <desk>`: move the case, with its history, to another police desk."""
    case = await _case_of(message, session)
    if case is None:
        return
    target = network.desks_by_code().get((command.args or "").strip().lower())
    police = [d.code for d in network.desks if d.kind is DeskKind.POLICE and d.code != case.desk]
    if target is None or target.kind is not DeskKind.POLICE or target.code == case.desk:
        await message.reply(
            fmt(
                _("Name the police desk to transfer to, for example: /transfer {desk}"),
                desk=police[0] if police else "desk",
            )
            + "\n"
            + fmt(_("Desks: {desks}"), desks=", ".join(police) or "—")
        )
        return
    citizen = await citizen_of_case(session, case)
    by = _name(message.from_user)
    await audit.log(
        session, case, *_actor(message), "transfer", clock.now(), f"{case.desk} → {target.code}"
    )
    await desks.transfer(relay, session, case, citizen, target, by)


async def cmd_refer(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    relay: Relay,
    network: Network,
    clock: Clock,
) -> None:
    """`/refer <partner> [info]`: ask the citizen whether a partner may see the case."""
    case = await _case_of(message, session)
    if case is None:
        return
    words = (command.args or "").lower().split()
    partners = [d.code for d in network.desks if d.kind is DeskKind.PARTNER]
    partner = network.desks_by_code().get(words[0]) if words else None
    if partner is None or partner.kind is not DeskKind.PARTNER:
        await message.reply(
            fmt(
                _(
                    "Name the partner, for example: /refer {partner} (add “info” for a summary "
                    "they cannot answer)"
                ),
                partner=partners[0] if partners else "partner",
            )
            + "\n"
            + fmt(_("Partners: {partners}"), partners=", ".join(partners) or "—")
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
        *_actor(message),
        "refer",
        clock.now(),
        f"{partner.code}{' (info only)' if info_only else ''}: proposed",
    )
    if await desks.ask_consent(relay, case, citizen, partner, referral):
        await message.reply(
            fmt(
                _("Asked the citizen whether {partner} may see this case."),
                partner=partner.name(network.default_language, network.default_language),
            )
        )
    else:
        await message.reply(_("The citizen cannot be reached, so the referral was not asked."))


async def cmd_history(message: Message, session: AsyncSession, network: Network) -> None:
    """The case's audit trail."""
    case = await _case_of(message, session)
    if case is None:
        return
    events = await audit.trail(session, case)
    if not events:
        await message.reply(_("No staff actions recorded for this case yet."))
        return
    lines = [fmt(_("<b>History of {ref}</b>"), ref=case.ref)]
    for event in events:
        when = local_time(event.created_at, network)
        detail = f" · {quote(event.detail[:80])}" if event.detail else ""
        lines.append(f"{when} · {quote(event.action)} · {quote(event.actor_name)}{detail}")
    await message.reply("\n".join(lines))


async def _from_partner(
    message: Message, session: AsyncSession, relay: Relay, clock: Clock
) -> None:
    """A message in a partner's referral topic reaches the citizen as "<partner> via Beatline"."""
    referral = await referral_service.of_topic(
        session, message.chat.id, message.message_thread_id or 0
    )
    if referral is None or await case_service.already_relayed(
        session, message.chat.id, message.message_id
    ):
        return
    if referral.info_only:
        await message.reply(_("This referral is for information only; nothing was sent."))
        return
    case = await case_service.case_by_id(session, referral.case_id)
    if case is None or case.status == CaseStatus.CLOSED:
        await message.reply(_("This case is closed; nothing was sent."))
        return
    citizen = await citizen_of_case(session, case)
    partner = relay.network.desk(referral.partner)
    try:
        [delivered] = await desks.partner_to_citizen(relay, case, citizen, partner, message)
    except DeliveryError as failure:
        await relay.react(message.chat.id, message.message_id, UNDELIVERED)
        await message.reply(_("⚠️ Not delivered: {reason}").format(reason=failure.reason))
        return
    await record(session, case, message, Direction.STAFF, citizen.chat_id, delivered, clock.now())
    await relay.react(message.chat.id, message.message_id, DELIVERED)
