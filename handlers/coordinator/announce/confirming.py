"""The preview as residents will get it, the summary, and scheduling it (or stopping)."""

from __future__ import annotations

from aiogram.methods import SendMessage
from aiogram.types import CallbackQuery, Message

from bot.kinds import AnnouncementStatus
from bot.ui import announcing
from bot.ui.announcing import Pick, PickCb
from bot.ui.i18n import _
from bot.workflows import announcements
from handlers.coordinator.announce.flow import AnnounceForm, AnnounceWizard


async def confirm(wizard: AnnounceWizard) -> None:
    draft = await wizard.draft()
    await wizard.state.set_state(AnnounceForm.confirm)
    summary = await announcements.summary(wizard.session, draft, wizard.network)
    buttons = announcing.confirm_buttons()
    announcements.preview(wizard.outbox, wizard.chat_id, draft, wizard.i18n, summary, buttons)


async def cb_confirm(query: CallbackQuery, callback_data: PickCb, wizard: AnnounceWizard) -> None:
    draft = await wizard.draft()
    await wizard.state.clear()
    if callback_data.value != Pick.YES or draft.first is None:
        wizard.answered(query, _("Announcement discarded."))
        return
    network = wizard.network
    announcement, recipients = await announcements.save(
        wizard.session, draft, network, wizard.clock.now()
    )
    if announcement.status == AnnouncementStatus.AWAITING:
        wizard.answered(query, _("Announcement saved; it waits for a second coordinator."))
        wizard.outbox.send(
            SendMessage(
                chat_id=wizard.chat_id,
                text=announcing.awaiting_approval(announcement.id, recipients),
                reply_markup=announcing.approval_buttons(announcement.id),
            )
        )
        return
    schedule = draft.schedule
    if schedule.first <= wizard.clock.now() and not schedule.recurring:
        wizard.answered(query, announcing.sent_now(announcement.id))
        return
    when = announcing.when_text(
        schedule.first, schedule.repeat, schedule.until, network, network.default_language
    )
    wizard.answered(query, announcing.scheduled(announcement.id, when))


async def cmd_stop(message: Message, wizard: AnnounceWizard) -> None:
    await wizard.state.clear()
    wizard.outbox.send(message.answer(_("Announcement discarded.")))
