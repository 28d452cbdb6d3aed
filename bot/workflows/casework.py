"""Case steps: submitting a report, relaying a citizen's messages into the topic, urgency,
closing and rating. They write the database and the outbox; handlers call them and stay thin."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import audit
from bot.domain import cases as case_service
from bot.domain.cases import NewReport
from bot.domain.conversation import Crossing, record_message
from bot.domain.triage import EmergencyDetector
from bot.kinds import Direction
from bot.network.desks import Desk
from bot.network.schema import Network
from bot.telegram.outbox import Outbox
from bot.ui import keyboards
from bot.ui.i18n import _
from bot.ui.texts import fmt, isolate, local_datetime, quote
from bot.workflows import anonymous
from bot.workflows.media import kind_and_file
from bot.workflows.relay import Relay
from storage.models import Case, Citizen

logger = logging.getLogger(__name__)


# What a waiting message keeps: its content and where it is, not who sent it (the state may sit
# in Redis for a day).
KEPT_FIELDS: dict[str, Any] = {
    "chat": {"id", "type"},
    **dict.fromkeys(
        (
            "message_id",
            "date",
            "media_group_id",
            "text",
            "entities",
            "caption",
            "caption_entities",
            "photo",
            "video",
            "voice",
            "audio",
            "document",
            "animation",
            "video_note",
            "sticker",
            "location",
            "venue",
            "contact",
        ),
        True,
    ),
}


def snapshot(message: Message) -> dict[str, Any]:
    """A message as JSON, to wait in conversation state (e.g. until the report is sent)."""
    return message.model_dump(mode="json", exclude_none=True, by_alias=True, include=KEPT_FIELDS)


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


def ask_before_revealing(outbox: Outbox, message: Message) -> None:
    """In an anonymous case, a contact, a location or a named file waits for "send anyway"."""
    outbox.send(message.reply(anonymous.question(message), reply_markup=keyboards.sensitive()))


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
) -> int:
    """Keep `message` of `case` (see bot.domain.conversation.record_message); its record's id."""
    crossed = crossing(message, direction, target_chat_id, target_message_id, language)
    return await record_message(session, case, crossed, now)


def crossing(
    message: Message,
    direction: Direction,
    target_chat_id: int | None,
    target_message_id: int | None,
    language: str | None = None,
) -> Crossing:
    """`message` as it crosses the relay in `direction` (what `record` keeps of it)."""
    kind, file_id = kind_and_file(message)
    author = message.from_user if direction is not Direction.CITIZEN else None
    return Crossing(
        direction=direction,
        source_chat_id=message.chat.id,
        source_message_id=message.message_id,
        target_chat_id=target_chat_id,
        target_message_id=target_message_id,
        kind=kind,
        file_id=file_id,
        text=message.text or message.caption,
        author_id=author.id if author else None,
        author_name=author.full_name[:128] if author else None,
        language=language,
    )


NOTED = "✍"  # the reaction that tells staff a note stayed in the topic


async def keep_note(
    relay: Relay,
    session: AsyncSession,
    case: Case,
    messages: Sequence[Message],
    actor_id: int | None,
    actor_name: str,
    now: datetime,
) -> None:
    """Keep staff's `//` note (a text, or a file or album captioned so) on the case and in the
    audit trail, and mark it ✍ in the topic. Nothing of it reaches the resident."""
    for message in messages:
        await record(session, case, message, Direction.NOTE, None, None, now)
    words = next((m.text or m.caption for m in messages if m.text or m.caption), None)
    await audit.log(session, case, actor_id, actor_name, "note", now, words or "")
    first = messages[0]
    relay.react(first.chat.id, first.message_id, NOTED)


async def escalate(relay: Relay, case: Case) -> None:
    """Flag a case urgent: 🔴 in the title, a line on the card, the card pinned."""
    if not case_service.mark_urgent(case):
        return
    logger.info("case %s flagged urgent", case.ref)
    await relay.refresh_card(case)


async def relay_from_citizen(
    relay: Relay,
    session: AsyncSession,
    case: Case,
    citizen: Citizen,
    messages: Sequence[Message],
    now: datetime,
    detector: EmergencyDetector | None,
) -> list[str]:
    """Record the citizen's message(s), queue them for the topic, and triage the words.

    Returns the languages detected in the messages' words. The copies' ids are recorded when
    the courier has delivered them; until then the messages wait in the outbox, so a desk
    group in flood control delays them but loses none.
    """
    languages = []
    records = []
    for message in messages:
        language = detected_language(relay, message, citizen)
        records.append(
            await record(session, case, message, Direction.CITIZEN, None, None, now, language)
        )
        if language:
            languages.append(language)
    relay.to_topic(case, citizen, messages, records, react_to=True)
    if detector is not None and any(detector.matches(m.text or m.caption) for m in messages):
        await escalate(relay, case)
    off_duty_notice(relay, case, citizen, now)
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


def off_duty(network: Network, case: Case, now: datetime) -> Desk | None:
    """The case's desk, when it keeps duty hours and `now` is outside them."""
    desk = network.desks_by_code().get(case.desk)
    if desk is None or desk.duty is None or desk.duty.on_duty(now, network.zone):
        return None
    return desk


def off_duty_notice(relay: Relay, case: Case, citizen: Citizen, now: datetime) -> None:
    """Outside the desk's duty hours, say when it is back: once per case per off-duty spell."""
    desk = off_duty(relay.network, case, now)
    if desk is None or desk.duty is None:  # (the second: off_duty saw to it; for the types)
        return
    if case.off_duty_notice_until is not None and now < case.off_duty_notice_until:
        return
    back = desk.duty.next_start(now, relay.network.zone)
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
            when = local_datetime(back, relay.network, language)
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
        relay.tell_citizen(citizen, text, case=case)


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
    """Open the case and record what the citizen sent; its topic, card and copies are queued.

    One transaction: the case, its messages and the outbox rows commit together, so a desk
    group that refuses a topic or an item delays the delivery but never loses the case.
    """
    case = await case_service.open_case(session, network, citizen, report, now, prefix)
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
    relay.open_topic(case)
    if case.latitude is not None and case.longitude is not None:
        relay.location_to_topic(case, case.latitude, case.longitude)
    for batch in groups([m for m in items if m.text is None]):
        relay.to_topic(case, citizen, batch, [records[m.message_id] for m in batch])
    logger.info("case %s opened for desk %s", case.ref, case.desk)
    off_duty_notice(relay, case, citizen, now)
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
        relay.tell_citizen(citizen, text, keyboards.rating(case.id), case=case)
