"""Case steps that combine the database with Telegram: submitting a report, relaying a citizen's
messages into the topic, urgency, closing and rating. Handlers call these; they stay thin."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from babel.dates import format_datetime
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import keyboards
from bot.i18n import _
from bot.network import Network
from bot.relay import Relay, kind_and_file
from bot.services import cases as case_service
from bot.services.cases import NewReport, Relayed, record_message
from bot.services.citizens import citizen_of_case
from bot.services.triage import EmergencyDetector
from bot.texts import fmt, isolate, quote
from storage.models import Case, CaseMessage, Citizen, Direction
from storage.repositories import CaseMessages, Cases

logger = logging.getLogger(__name__)


def snapshot(message: Message) -> dict[str, Any]:
    """A message as JSON, to wait in conversation state (e.g. until the report is sent)."""
    return message.model_dump(mode="json", exclude_none=True, by_alias=True)


def restore(data: dict[str, Any]) -> Message:
    return Message.model_validate(data)


def groups(messages: Sequence[Message]) -> list[list[Message]]:
    """Consecutive messages of one album together, everything else alone, order kept."""
    batches: list[list[Message]] = []
    for message in messages:
        album = message.media_group_id
        if album and batches and batches[-1][0].media_group_id == album:
            batches[-1].append(message)
        else:
            batches.append([message])
    return batches


async def ask_before_revealing(message: Message) -> None:
    """In an anonymous case, a contact or location waits for "send anyway"."""
    await message.reply(
        _("This may identify you, and your report is anonymous. Send it anyway?"),
        reply_markup=keyboards.sensitive(),
    )


def emergency_advice(network: Network) -> str:
    return _(
        "⚠️ If you or someone else is in danger right now, call {number} immediately. "
        "This chat is not watched around the clock."
    ).format(number=isolate(quote(network.emergency.number)))


async def record(
    session: AsyncSession,
    case: Case,
    message: Message,
    direction: Direction,
    target_chat_id: int | None,
    target_message_id: int | None,
    now: datetime,
    language: str | None = None,
) -> CaseMessage:
    kind, file_id = kind_and_file(message)
    return await record_message(
        session,
        case,
        Relayed(
            direction=direction,
            source_chat_id=message.chat.id,
            source_message_id=message.message_id,
            target_chat_id=target_chat_id,
            target_message_id=target_message_id,
            kind=kind,
            file_id=file_id,
            text=message.text or message.caption,
            author_id=(
                message.from_user.id
                if direction is not Direction.CITIZEN and message.from_user
                else None
            ),
            language=language,
        ),
        now,
    )


async def escalate(relay: Relay, case: Case, citizen: Citizen) -> None:
    """Flag a case urgent: 🔴 in the title, a line on the card, the card pinned."""
    if not case_service.mark_urgent(case):
        return
    logger.info("case %s flagged urgent", case.ref)
    await relay.refresh_card(case, citizen)
    if case.card_message_id is not None:
        await relay.quietly(relay.bot.pin_chat_message(case.staff_chat_id, case.card_message_id))


async def relay_from_citizen(
    relay: Relay,
    session: AsyncSession,
    case: Case,
    citizen: Citizen,
    messages: Sequence[Message],
    now: datetime,
    detector: EmergencyDetector | None,
) -> list[str]:
    """Copy the citizen's message(s) into the topic, keep both ids, and triage the words.

    Returns the languages detected in the messages' words.

    If Telegram keeps failing, the messages are kept on record and deliver_waiting sends them
    later; the citizen is told it may take a while.
    """
    try:
        targets: Sequence[int | None] = await relay.to_topic(case, citizen, messages)
    except (TelegramServerError, TelegramNetworkError, TelegramRetryAfter) as exc:
        logger.warning("case %s: relay postponed: %s", case.ref, exc)
        targets = [None] * len(messages)
        await relay.tell_citizen(
            citizen, _("Your message is saved and will be passed on as soon as possible.")
        )
    languages = []
    for message, target in zip(messages, targets, strict=False):
        where = case.staff_chat_id if target is not None else None
        language = detected_language(relay, message, citizen)
        await record(session, case, message, Direction.CITIZEN, where, target, now, language)
        if language:
            languages.append(language)
    if detector is not None and any(detector.matches(m.text or m.caption) for m in messages):
        await escalate(relay, case, citizen)
    await off_duty_notice(relay, case, citizen, now)
    return languages


def detected_language(relay: Relay, message: Message, citizen: Citizen) -> str | None:
    """The language of a citizen message's words (None for media without a caption)."""
    words = message.text or message.caption
    if not words or relay.langid is None:
        return None
    return relay.langid.detect(words, citizen.language).code


def _card_chat(case: Case, message: Message) -> int | None:
    """A report's own text lands on the case card, so its target chat is known in advance."""
    return case.staff_chat_id if message.text is not None else None


async def off_duty_notice(relay: Relay, case: Case, citizen: Citizen, now: datetime) -> None:
    """Outside the desk's duty hours, say when it is back: once per case per off-duty spell."""
    desk = relay.network.desks_by_code().get(case.desk)
    zone = relay.network.zone
    if desk is None or desk.duty is None or desk.duty.on_duty(now, zone):
        return
    if case.off_duty_notice_until is not None and now < case.off_duty_notice_until:
        return
    back = desk.duty.next_start(now, zone)
    case.off_duty_notice_until = back or now + timedelta(days=1)
    language = citizen.language or relay.i18n.default_locale
    with relay.i18n.use_locale(language):
        name = desk.name(language, relay.network.default_language)
        if back is None:
            text = fmt(
                _(
                    "{desk} is not staffed right now. Your message is saved and will be "
                    "read as soon as possible."
                ),
                desk=name,
            )
        else:
            when = format_datetime(back, "EEEE d MMMM, HH:mm", tzinfo=zone, locale=language)
            text = fmt(
                _(
                    "{desk} is not staffed right now. Your message is saved; the team is "
                    "back on {time}."
                ),
                desk=name,
                time=when,
            )
        text += "\n" + fmt(
            _("In an emergency call {number}."), number=relay.network.emergency.number
        )
        await relay.tell_citizen(citizen, text)


async def submit_report(
    relay: Relay,
    session: AsyncSession,
    network: Network,
    citizen: Citizen,
    report: NewReport,
    items: Sequence[Message],
    now: datetime,
    prefix: str,
) -> Case:
    """Open the case, record what the citizen sent, create the topic and relay the media."""
    case = await case_service.open_case(session, network, citizen, report, now, prefix)
    # Recorded before any Telegram call: the unique keys stop a double submit early, and
    # media that cannot be relayed yet stay on record until deliver_waiting sends them.
    records = {
        m.message_id: await record(
            session,
            case,
            m,
            Direction.CITIZEN,
            _card_chat(case, m),
            None,
            now,
            detected_language(relay, m, citizen),
        )
        for m in items
    }
    text_records = [records[m.message_id] for m in items if m.text is not None]
    media = [m for m in items if m.text is None]
    try:
        await relay.ensure_topic(case, citizen)
    except TelegramAPIError as exc:
        # The report is kept; deliver_waiting delivers it once the desk group works.
        logger.error("case %s: no topic in desk %s yet: %s", case.ref, case.desk, exc.message)
        return case
    for text_record in text_records:
        text_record.target_chat_id = case.staff_chat_id
        text_record.target_message_id = case.card_message_id
    if case.latitude is not None and case.longitude is not None:
        latitude, longitude = case.latitude, case.longitude

        async def send_location(thread_id: int) -> None:
            await relay.bot.send_location(
                chat_id=case.staff_chat_id,
                message_thread_id=thread_id,
                latitude=latitude,
                longitude=longitude,
            )

        await relay.in_topic(case, citizen, send_location)
    for batch in groups(media):
        targets = await relay.to_topic(case, citizen, batch)
        for message, target in zip(batch, targets, strict=False):
            records[message.message_id].target_chat_id = case.staff_chat_id
            records[message.message_id].target_message_id = target
    logger.info("case %s opened for desk %s", case.ref, case.desk)
    await off_duty_notice(relay, case, citizen, now)
    return case


async def tell_closed(relay: Relay, case: Case, citizen: Citizen, language: str) -> None:
    """The outcome and the rating buttons, in the citizen's language."""
    with relay.i18n.use_locale(language):
        text = (
            fmt(_("Your report <b>{ref}</b> has been closed."), ref=case.ref)
            + "\n"
            + fmt(_("Outcome: {outcome}"), outcome=case.outcome or "")
            + "\n\n"
            + _("How satisfied are you with how we handled it?")
        )
        await relay.tell_citizen(citizen, text, keyboards.rating(case.id))


async def deliver_waiting(
    bot: Bot, session_factory: async_sessionmaker[AsyncSession], i18n: I18n, network: Network
) -> int:
    """Deliver what could not reach a desk when it arrived: topics a desk group refused to
    create, and citizen messages Telegram kept failing (5xx, flood waits past our patience).

    Runs at start-up and then every minute; the database says what is waiting, so nothing is
    lost to a restart. Returns how many cases were brought up to date.
    """
    done = 0
    async with session_factory() as session:
        waiting = await Cases(session).waiting_for_desk()
    for case_id in waiting:
        async with session_factory() as session:
            case = await Cases(session).by_id(case_id)
            if case is None:
                continue
            relay = Relay(bot, session, i18n, network)
            try:
                await _catch_up(relay, session, case)
            except TelegramAPIError as exc:
                logger.warning("case %s: still cannot reach the desk: %s", case.ref, exc.message)
                await session.rollback()
                continue
            await session.commit()
            done += 1
    return done


async def _catch_up(relay: Relay, session: AsyncSession, case: Case) -> None:
    citizen = await citizen_of_case(session, case)
    await relay.ensure_topic(case, citizen)
    for item in await CaseMessages(session).unrelayed(case.id):
        if item.kind == "text" and item.target_chat_id is not None:
            # Part of the report itself (see _card_chat): its words are on the case card.
            item.target_message_id = case.card_message_id
            continue

        async def send(thread_id: int, item: CaseMessage = item) -> int | None:
            return await relay.stored_to_topic(case, thread_id, item)

        item.target_chat_id = case.staff_chat_id
        item.target_message_id = await relay.in_topic(case, citizen, send)
