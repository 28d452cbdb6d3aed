"""Response-time targets: a reminder in the topic after the desk's target, an escalation after
twice the target. APScheduler only wakes this up; the database says what is due and what was
done. The claim and the outbox message commit together, so a restart never loses a reminder
and never claims one twice; like every conversation message it is sent at least once (a crash
between Telegram's answer and the mark may repeat it, and the row says so)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from aiogram import Bot
from aiogram.methods import SendMessage
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.kinds import ResponseAction
from bot.network.desks import Desk
from bot.network.schema import Network
from bot.telegram.outbox import Outbox
from bot.ui.i18n import n_, speaking
from bot.ui.texts import fmt
from storage.cases import Cases, Deadlines
from storage.models import Case

logger = logging.getLogger(__name__)


def topic_link(chat_id: int, thread_id: int | None) -> str:
    """A t.me link staff can tap to open the topic (supergroup ids are -100<internal id>)."""
    internal = str(chat_id).removeprefix("-100")
    return f"https://t.me/c/{internal}/{thread_id or 1}"


async def check_response_times(
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    i18n: I18n,
    network: Network,
    clock: Clock,
) -> list[str]:
    """Remind and escalate what is overdue; returns what it did, e.g. "remind BL-26-00001"."""
    now = clock.now()
    done: list[str] = []
    desks = {d.code: d for d in network.desks if d.response_minutes}
    if not desks:
        return done
    async with session_factory() as session:
        waiting = [(c.id, c.desk) for c in await Deadlines(session).unanswered(list(desks))]
    for case_id, desk_code in waiting:
        desk = desks[desk_code]
        async with session_factory() as session:
            case = await Cases(session).by_id(case_id)
            if case is None or case.first_reply_at is not None:
                continue
            target = timedelta(minutes=desk.response_minutes or 0)
            action = _due(case, target, now)
            if action is None:
                continue
            if not await Deadlines(session).claim(case.id, action, now):
                continue
            if action == ResponseAction.ESCALATE and case.sla_reminded_at is None:
                case.sla_reminded_at = now
            with speaking(i18n, network.default_language):
                _announce(
                    Outbox(session, bot, clock), network, desk, case, action, now - case.created_at
                )
            await session.commit()
            done.append(f"{action} {case.ref}")
    return done


def _due(case: Case, target: timedelta, now: datetime) -> ResponseAction | None:
    waited = now - case.created_at
    if waited >= 2 * target and case.sla_escalated_at is None:
        return ResponseAction.ESCALATE
    if waited >= target and case.sla_reminded_at is None:
        return ResponseAction.REMIND
    return None


def target_text(desk: Desk) -> str:
    """The desk's first-reply target as a sentence of its own (one count per sentence, so
    each gets its plural form)."""
    target = desk.response_minutes or 0
    return fmt(
        n_("The target is {target} minute.", "The target is {target} minutes.", target),
        target=target,
    )


def _announce(
    outbox: Outbox,
    network: Network,
    desk: Desk,
    case: Case,
    action: ResponseAction,
    waited: timedelta,
) -> None:
    minutes = int(waited.total_seconds() // 60)
    if action == ResponseAction.REMIND:
        outbox.send(
            SendMessage(
                chat_id=case.staff_chat_id,
                text=fmt(
                    n_(
                        "⏰ This case has waited {minutes} minute for a first reply.",
                        "⏰ This case has waited {minutes} minutes for a first reply.",
                        minutes,
                    ),
                    minutes=minutes,
                )
                + " "
                + target_text(desk),
            ),
            case=case,
            into_topic=True,
        )
        return
    chat = desk.escalation_chat_id or network.coordinators_chat_id
    if chat is None:
        logger.warning(
            "case %s is overdue but desk %s has no escalation chat", case.ref, desk.code
        )
        return
    outbox.send(
        SendMessage(
            chat_id=chat,
            text=fmt(
                n_(
                    "🚨 {ref} at {desk} has waited {minutes} minute without a reply.",
                    "🚨 {ref} at {desk} has waited {minutes} minutes without a reply.",
                    minutes,
                ),
                ref=case.ref,
                desk=desk.name(network.default_language, network.default_language),
                minutes=minutes,
            )
            + " "
            + target_text(desk)
            + "\n"
            + topic_link(case.staff_chat_id, case.thread_id),
        )
    )
