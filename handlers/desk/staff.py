"""A desk's supergroup: what staff write in a case topic reaches the citizen as the bot (and a
partner's words, from a referral topic); `// notes` stay internal. Case commands are in
handlers.desk.case_commands, moves and bans."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.types import Message, User

from bot.ui.i18n import _
from bot.ui.texts import no_resident
from bot.workflows.edits import staff_edited
from bot.workflows.from_staff import FromStaff, note_from_staff, relay_from_staff
from bot.workflows.relay import RELAYABLE
from handlers.context import Context
from handlers.filters import InternalNote, Match, WrittenByStaff

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


async def on_note(message: Message, ctx: Context, album: list[Message] | None = None) -> None:
    """`// text` (or a file or album captioned so) stays in the topic as an internal note,
    marked ✍; it never reaches the resident."""
    await note_from_staff(
        ctx.relay, ctx.session, album or [message], *actor(message), ctx.clock.now()
    )


async def on_command(message: Message) -> None:
    """Other commands are for the bot, never for the citizen."""
    logger.debug("staff command in chat %d ignored", message.chat.id)


async def on_staff_message(
    message: Message, ctx: Context, album: list[Message] | None = None
) -> None:
    """Relay a staff message (or album) to the case's citizen; react to show the outcome."""
    outcome = await relay_from_staff(ctx.relay, ctx.session, album or [message], ctx.clock.now())
    if outcome is FromStaff.CASE_CLOSED:
        refusal = _("This case is closed; nothing was sent. Use /reopen first.")
    elif outcome is FromStaff.REFERRAL_CLOSED:
        refusal = _("This case is closed; nothing was sent.")
    elif outcome is FromStaff.INFO_ONLY:
        refusal = _("This referral is for information only; nothing was sent.")
    elif outcome is FromStaff.NO_RESIDENT:
        refusal = no_resident()
    else:
        return
    ctx.outbox.send(message.reply(refusal))


async def on_staff_edit(message: Message, ctx: Context) -> None:
    """An officer's (or a partner's) edit reaches the resident as a correction."""
    await staff_edited(ctx.relay, ctx.session, message, ctx.clock.now())
