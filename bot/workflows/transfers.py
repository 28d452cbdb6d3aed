"""Moving a case to another police desk: a new topic there with the card, where the case comes
from and why, and the whole history; the old topic is closed and the resident told. Everything
is queued in the outbox."""

from __future__ import annotations

from aiogram.methods import CloseForumTopic, CopyMessages, SendMessage
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import cases as case_service
from bot.domain import conversation
from bot.network.desks import Desk
from bot.ui.i18n import _
from bot.ui.texts import fmt
from bot.workflows.relay import Relay
from storage.models import Case, Citizen

COPY_BATCH = 100  # copyMessages takes at most 100 ids


async def transfer(
    relay: Relay,
    session: AsyncSession,
    case: Case,
    citizen: Citizen,
    desk: Desk,
    by: str,
    reason: str | None = None,
) -> None:
    """New topic at `desk`: the card, where the case comes from and why, then the whole
    history; the old topic is closed."""
    history = await conversation.history_in(session, case, case.staff_chat_id)
    default = relay.network.default_language
    old_desk = relay.network.desks_by_code().get(case.desk)
    old_chat, old_thread = await case_service.transfer(session, case, desk)
    relay.open_topic(case)
    with relay.staff_language():
        origin = fmt(
            _("➡️ Transferred from {desk} by {name}."),
            desk=old_desk.name(default, default) if old_desk else "—",
            name=by,
        )
        if reason:
            origin += "\n" + fmt(_("Reason: {reason}"), reason=reason)
    relay.note(case, origin)
    for run in history:
        if run.author is not None:  # copies of staff messages lose their author: say it
            relay.note(case, fmt("👮 {name}", name=run.author))
        for start in range(0, len(run.message_ids), COPY_BATCH):
            relay.outbox.send(
                CopyMessages(
                    chat_id=case.staff_chat_id,
                    from_chat_id=old_chat,
                    message_ids=run.message_ids[start : start + COPY_BATCH],
                ),
                case=case,
                into_topic=True,
            )
    if old_thread is not None:
        with relay.staff_language():
            note = fmt(
                _("➡️ Transferred to {desk} by {name}. This topic is closed."),
                desk=desk.name(relay.network.default_language, relay.network.default_language),
                name=by,
            )
        relay.outbox.send(SendMessage(chat_id=old_chat, message_thread_id=old_thread, text=note))
        relay.outbox.send(CloseForumTopic(chat_id=old_chat, message_thread_id=old_thread))
    with relay.i18n.use_locale(citizen.language or relay.i18n.default_locale):
        desk_name = desk.name(relay.i18n.current_locale, relay.network.default_language)
        relay.tell_citizen(
            citizen,
            fmt(_("Your report {ref} was passed to {desk}."), ref=case.ref, desk=desk_name),
            case=case,
        )
