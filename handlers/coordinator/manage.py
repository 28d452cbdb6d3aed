"""The coordinators' list of announcements, cancelling one after seeing what it is, and the
second coordinator's approval of an urgent alert to many residents."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InaccessibleMessage, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.alerts import engine
from bot.domain.cap.publisher import CapPublisher
from bot.kinds import AnnouncementStatus
from bot.network.schema import Network
from bot.ui import announcing
from bot.ui.announcing import AnnounceStep, Pick, PickCb
from bot.ui.fields import ROW_ID_MAX
from bot.ui.i18n import _
from bot.ui.texts import fmt, local_time
from handlers.context import Context
from handlers.filters import Match
from storage.alerts import Announcements


def create_router(network: Network) -> Router:
    router = Router(name=__name__)
    router.message.filter(Match(F.chat.id == network.coordinators_chat_id))
    router.callback_query.filter(Match(F.message.chat.id == network.coordinators_chat_id))
    router.message.register(cmd_announcements, Command("announcements"))
    router.message.register(cmd_cancel_announcement, Command("cancel_announcement"))
    router.callback_query.register(cb_cancel, PickCb.filter(F.step == AnnounceStep.CANCEL))
    router.callback_query.register(cb_approve, PickCb.filter(F.step == AnnounceStep.APPROVE))
    router.callback_query.register(cb_stale, PickCb.filter())
    return router


def _status(status: str) -> str:
    names = {
        AnnouncementStatus.AWAITING: _("waiting for a second coordinator"),
        AnnouncementStatus.SCHEDULED: _("scheduled"),
        AnnouncementStatus.SENDING: _("being sent"),
        AnnouncementStatus.DONE: _("sent"),
        AnnouncementStatus.CANCELLED: _("cancelled"),
    }
    return names.get(AnnouncementStatus(status), status)


async def cmd_announcements(message: Message, ctx: Context) -> None:
    rows = await Announcements(ctx.session).recent()
    if not rows:
        ctx.outbox.send(message.answer(_("No announcements yet.")))
        return
    lines = [_("<b>Announcements</b>")]
    for row in rows:
        when = local_time(row.next_run_at, ctx.network) if row.next_run_at else "—"
        lines.append(
            fmt(
                "#{number} · {status} · {when} · {text}",
                number=row.id,
                status=_status(row.status),
                when=when,
                text=engine.first_text(row)[:40],
            )
        )
    ctx.outbox.send(message.answer("\n".join(lines)))


async def cmd_cancel_announcement(message: Message, command: CommandObject, ctx: Context) -> None:
    """Show the announcement and ask before cancelling it."""
    try:
        number = int((command.args or "").strip().lstrip("#"))
    except ValueError:
        number = 0
    if not 1 <= number <= ROW_ID_MAX:  # not a number, or none an announcement could have
        ctx.outbox.send(message.reply(_("Give the number, e.g. /cancel_announcement 12")))
        return
    announcement = await Announcements(ctx.session).by_id(number)
    refusal = _refusal(number, announcement.status if announcement else None)
    if announcement is None or refusal:
        ctx.outbox.send(message.reply(refusal))
        return
    when = local_time(announcement.next_run_at, ctx.network) if announcement.next_run_at else "—"
    ctx.outbox.send(
        message.reply(
            fmt(_("Cancel announcement #{number} ({when})?"), number=number, when=when)
            + "\n\n"
            + fmt("{text}", text=engine.first_text(announcement)[:600]),
            reply_markup=announcing.cancel_buttons(number),
        )
    )


def _refusal(number: int, status: str | None) -> str:
    """Why announcement `number` cannot be cancelled; empty when it can."""
    if status is None:
        return fmt(_("There is no announcement #{number}."), number=number)
    if status == AnnouncementStatus.SENDING:
        return fmt(_("Announcement #{number} is being sent right now."), number=number)
    if status == AnnouncementStatus.DONE:
        return fmt(_("Announcement #{number} has been sent already."), number=number)
    if status == AnnouncementStatus.CANCELLED:
        return fmt(_("Announcement #{number} was cancelled already."), number=number)
    return ""


async def cb_cancel(query: CallbackQuery, callback_data: PickCb, ctx: Context) -> None:
    number, agreed = callback_data.number, callback_data.value == Pick.YES
    ctx.outbox.answer(query.answer())
    done = agreed and await engine.cancel(
        ctx.session, number, CapPublisher(ctx.network), ctx.clock.now()
    )
    if not agreed:
        text = fmt(_("Announcement #{number} stays as it is."), number=number)
    elif done:
        text = fmt(_("Announcement #{number} is cancelled."), number=number)
    else:
        announcement = await Announcements(ctx.session).by_id(number)
        text = _refusal(number, announcement.status if announcement else None)
    if query.message is not None and not isinstance(query.message, InaccessibleMessage):
        ctx.outbox.send(query.message.edit_text(text, reply_markup=None))


async def cb_approve(query: CallbackQuery, callback_data: PickCb, ctx: Context) -> None:
    """Approve (anyone but the author) or reject (anyone) an urgent alert that waits."""
    number, by = callback_data.number, query.from_user
    name = by.full_name
    if callback_data.value != Pick.YES:
        if await Announcements(ctx.session).reject(number):
            text = fmt(
                _("Announcement #{number} was rejected by {name}; it will not be sent."),
                number=number,
                name=name,
            )
        else:
            text = await _not_awaiting(ctx.session, number)
    elif await Announcements(ctx.session).approve(number, by.id):
        text = fmt(
            _("Announcement #{number} was approved by {name} and goes out as scheduled."),
            number=number,
            name=name,
        )
    else:
        announcement = await Announcements(ctx.session).by_id(number)
        if announcement is not None and announcement.status == AnnouncementStatus.AWAITING:
            ctx.outbox.answer(
                query.answer(
                    _("You wrote this announcement: another coordinator must approve it."),
                    show_alert=True,
                )
            )
            return
        text = await _not_awaiting(ctx.session, number)
    ctx.outbox.answer(query.answer())
    if query.message is not None and not isinstance(query.message, InaccessibleMessage):
        ctx.outbox.send(query.message.edit_text(text, reply_markup=None))


async def _not_awaiting(session: AsyncSession, number: int) -> str:
    announcement = await Announcements(session).by_id(number)
    status = announcement.status if announcement else None
    return _refusal(number, status) or fmt(
        _("Announcement #{number} does not wait for approval."), number=number
    )


async def cb_stale(query: CallbackQuery, ctx: Context) -> None:
    """A button of a step that is over: say so, and take the buttons away."""
    ctx.outbox.answer(query.answer(_("This button is no longer active."), show_alert=True))
    if query.message is not None and not isinstance(query.message, InaccessibleMessage):
        ctx.outbox.send(query.message.edit_reply_markup(reply_markup=None))
