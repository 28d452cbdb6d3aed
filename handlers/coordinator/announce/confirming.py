"""The preview as residents will get it, the summary, and scheduling it (or stopping)."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.methods import SendMessage
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.kinds import AnnouncementStatus
from bot.network.schema import Network
from bot.telegram.outbox import Outbox
from bot.ui import announcing
from bot.ui.announcing import Pick, PickCb
from bot.ui.i18n import _
from bot.workflows import announcements
from handlers.coordinator.announce.flow import (
    AnnounceForm,
    answered,
    chat_of,
    draft_of,
)


async def confirm(
    chat_id: int,
    outbox: Outbox,
    state: FSMContext,
    network: Network,
    session: AsyncSession,
    i18n: I18n,
) -> None:
    draft = await draft_of(state)
    await state.set_state(AnnounceForm.confirm)
    summary = await announcements.summary(session, draft, network)
    buttons = announcing.confirm_buttons()
    announcements.preview(outbox, chat_id, draft, i18n, summary, buttons)


async def cb_confirm(
    query: CallbackQuery,
    outbox: Outbox,
    callback_data: PickCb,
    state: FSMContext,
    network: Network,
    session: AsyncSession,
    clock: Clock,
) -> None:
    draft = await draft_of(state)
    await state.clear()
    outbox.answer(query.answer())
    if callback_data.value != Pick.YES or draft.first is None:
        answered(outbox, query, _("Announcement discarded."))
        return
    announcement, recipients = await announcements.save(session, draft, network, clock.now())
    if announcement.status == AnnouncementStatus.AWAITING:
        answered(outbox, query, _("Announcement saved; it waits for a second coordinator."))
        outbox.send(
            SendMessage(
                chat_id=chat_of(query),
                text=announcing.awaiting_approval(announcement.id, recipients),
                reply_markup=announcing.approval_buttons(announcement.id),
            )
        )
        return
    schedule = draft.schedule
    if schedule.first <= clock.now() and not schedule.recurring:
        answered(outbox, query, announcing.sent_now(announcement.id))
        return
    when = announcing.when_text(
        schedule.first, schedule.repeat, schedule.until, network, network.default_language
    )
    answered(outbox, query, announcing.scheduled(announcement.id, when))


async def cmd_stop(message: Message, outbox: Outbox, state: FSMContext) -> None:
    await state.clear()
    outbox.send(message.answer(_("Announcement discarded.")))
