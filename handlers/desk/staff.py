"""A desk's supergroup: what staff write in a case topic reaches the citizen as the bot (and a
partner's words, from a referral topic); `// notes` stay internal. Case commands are in
handlers.desk.case_commands, moves and bans."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.types import Message, User
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import cases as case_service
from bot.domain import conversation
from bot.domain import referrals as referral_service
from bot.domain.citizens import citizen_of_case, resident_of_case
from bot.kinds import CaseStatus, Direction
from bot.ui.i18n import _
from bot.workflows import desks
from bot.workflows.casework import NOTED, keep_note, record
from bot.workflows.edits import staff_edited
from bot.workflows.relay import RELAYABLE
from handlers.context import Context
from handlers.filters import InternalNote, Match, WrittenByStaff
from storage.models import Case, Citizen

logger = logging.getLogger(__name__)


def create_router() -> Router:
    router = Router(name=__name__)
    # Staff are people (or the group posting as itself); other bots and channel forwards are not.
    router.message.filter(Match(F.message_thread_id), WrittenByStaff())
    router.edited_message.filter(Match(F.message_thread_id), WrittenByStaff())
    router.message.register(on_note, InternalNote())
    router.message.register(on_command, Match(F.text.startswith("/")))
    router.message.register(on_staff_message, Match(F.content_type.in_(RELAYABLE)))
    router.edited_message.register(on_staff_edit)
    return router


def staff_name(user: User | None) -> str:
    return user.full_name if user else _("an administrator")


def actor(message: Message) -> tuple[int | None, str]:
    """Who did it, for the audit trail (a group posting as itself has no user)."""
    if message.from_user is None or message.from_user.is_bot:
        return None, message.sender_chat.title or "" if message.sender_chat else ""
    return message.from_user.id, message.from_user.full_name


async def case_of(message: Message, session: AsyncSession) -> Case | None:
    return await case_service.case_of_topic(
        session, message.chat.id, message.message_thread_id or 0
    )


async def on_note(message: Message, ctx: Context, album: list[Message] | None = None) -> None:
    """`// text` (or a file or album captioned so) stays in the topic as an internal note,
    marked ✍; it never reaches the resident."""
    if await conversation.already_relayed(ctx.session, message.chat.id, message.message_id):
        return
    case = await case_of(message, ctx.session)
    if case is None:
        referral = await referral_service.of_topic(
            ctx.session, message.chat.id, message.message_thread_id or 0
        )
        if referral is not None:  # a partner's note in a referral topic: kept from the resident
            ctx.relay.react(message.chat.id, message.message_id, NOTED)
        return
    await keep_note(
        ctx.relay, ctx.session, case, album or [message], *actor(message), ctx.clock.now()
    )


async def on_command(message: Message) -> None:
    """Other commands are for the bot, never for the citizen."""
    logger.debug("staff command in chat %d ignored", message.chat.id)


async def on_staff_message(
    message: Message, ctx: Context, album: list[Message] | None = None
) -> None:
    """Relay a staff message (or album) to the case's citizen; react to show the outcome."""
    messages = album or [message]
    case = await case_of(message, ctx.session)
    if case is None:
        await _from_partner(messages, ctx)
        return
    if await conversation.already_relayed(ctx.session, message.chat.id, message.message_id):
        return
    if case.status == CaseStatus.CLOSED:
        ctx.outbox.send(
            message.reply(_("This case is closed; nothing was sent. Use /reopen first."))
        )
        return
    citizen = await citizen_of_case(ctx.session, case)
    was_new = case.status == CaseStatus.NEW
    await _deliver(messages, case, citizen, ctx)
    if was_new:
        await ctx.relay.refresh_card(case)


async def _deliver(
    messages: list[Message], case: Case, citizen: Citizen, ctx: Context, header: str | None = None
) -> None:
    """Record the staff message(s) and queue them for the citizen; once delivered, the
    original gets 👍 (or 💔 and the reason, see bot.workflows.effects.ToCitizen)."""
    now = ctx.clock.now()
    records = [
        await record(ctx.session, case, sent, Direction.STAFF, None, None, now)
        for sent in messages
    ]
    ctx.relay.to_citizen(case, citizen, messages, records, header=header)


async def on_staff_edit(message: Message, ctx: Context) -> None:
    record_ = await conversation.message_by_source(
        ctx.session, message.chat.id, message.message_id
    )
    if record_ is None or record_.direction != Direction.STAFF:
        return
    case = await case_service.case_by_id(ctx.session, record_.case_id)
    citizen = await resident_of_case(ctx.session, case) if case is not None else None
    if case is None or citizen is None:  # a pseudonymised case has nobody to correct
        return
    citizen = await citizen_of_case(ctx.session, case)
    referral = await referral_service.of_topic(
        ctx.session, message.chat.id, message.message_thread_id or 0
    )
    header = (
        desks.partner_header(ctx.relay, case, citizen, ctx.network.desk(referral.partner))
        if referral is not None
        else ctx.relay.police_header(case, citizen)
    ) + "\n"
    await staff_edited(
        ctx.relay, ctx.session, case, citizen, record_, message, header, ctx.clock.now()
    )


async def _from_partner(messages: list[Message], ctx: Context) -> None:
    """A message in a partner's referral topic reaches the citizen as "<partner> via Beatline"."""
    message = messages[0]
    referral = await referral_service.of_topic(
        ctx.session, message.chat.id, message.message_thread_id or 0
    )
    if referral is None or await conversation.already_relayed(
        ctx.session, message.chat.id, message.message_id
    ):
        return
    if referral.info_only:
        ctx.outbox.send(
            message.reply(_("This referral is for information only; nothing was sent."))
        )
        return
    case = await case_service.case_by_id(ctx.session, referral.case_id)
    if case is None or case.status == CaseStatus.CLOSED:
        ctx.outbox.send(message.reply(_("This case is closed; nothing was sent.")))
        return
    citizen = await citizen_of_case(ctx.session, case)
    header = desks.partner_header(ctx.relay, case, citizen, ctx.network.desk(referral.partner))
    await _deliver(messages, case, citizen, ctx, header)
