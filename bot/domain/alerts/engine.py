"""Sending an announcement, decided in the database.

An announcement is due when `next_run_at` has passed. Claiming it is a conditional UPDATE, so
two schedulers (or a restart) cannot claim one occurrence twice; the occurrence's delivery rows
are unique per chat, so nobody is queued twice; each delivery becomes one at-most-once outbox
message (see bot.workflows.broadcaster), so a crash leaves it `unknown`, never sent twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.alerts.schedule import Schedule, next_fire
from bot.domain.alerts.subscriptions import quiet_until
from bot.kinds import (
    AlertFeedback,
    AnnouncementStatus,
    DeliveryStatus,
    Guarantee,
    OutboxStatus,
    Priority,
    SubscriptionKind,
)
from bot.network.base import spoken_language
from storage.alerts import Announcements, Deliveries, Occurrences, Subscriptions
from storage.models import Announcement, Occurrence
from storage.outbox import Outboxes

if TYPE_CHECKING:
    from bot.domain.cap.publisher import CapPublisher

ALERT_METHOD = "beatline.alert"
ALERT_EFFECT = "alert"


@dataclass(frozen=True)
class Draft:
    """What a coordinator composed: texts per language, audience, priority, photo."""

    texts: Mapping[str, str]
    areas: Sequence[str] = ()
    topics: Sequence[str] = ()
    urgent: bool = False
    photo_file_id: str | None = None


async def create(
    session: AsyncSession,
    draft: Draft,
    schedule: Schedule,
    author_id: int | None,
    now: datetime,
    awaiting_approval: bool = False,
) -> Announcement:
    """Store a new announcement; one awaiting approval is not sent until approved."""
    status = AnnouncementStatus.AWAITING if awaiting_approval else AnnouncementStatus.SCHEDULED
    return await Announcements(session).add(
        Announcement(
            author_id=author_id,
            areas=list(draft.areas),
            topics=list(draft.topics),
            urgent=draft.urgent,
            texts=dict(draft.texts),
            photo_file_id=draft.photo_file_id,
            schedule=schedule.repeat,
            next_run_at=schedule.first,
            ends_at=schedule.until,
            status=status,
            created_at=now,
        )
    )


def needs_approval(urgent: bool, recipients: int, urgent_above: int) -> bool:
    """An urgent alert to more residents than the network allows at once needs a second
    coordinator (bot.network.safety.Approvals)."""
    return urgent and recipients > urgent_above


async def cancel(
    session: AsyncSession,
    announcement_id: int,
    publish: CapPublisher | None = None,
    now: datetime | None = None,
) -> bool:
    """Cancel an announcement that is not being sent right now (and publish a CAP Cancel of
    what it had published, in the same transaction)."""
    cancelled = await Announcements(session).cancel(announcement_id)
    if cancelled and publish is not None and now is not None:
        await publish.cancelled(session, announcement_id, now)
    return cancelled


async def claim_due(
    session: AsyncSession,
    now: datetime,
    zone: ZoneInfo,
    default_language: str,
    publish: CapPublisher | None = None,
) -> list[Occurrence]:
    """Claim every due announcement once, and queue a delivery row per subscriber; with
    `publish`, the sending's CAP message is written in the same transaction."""
    repo = Announcements(session)
    claimed = []
    for announcement in await repo.due(now):
        run_at = announcement.next_run_at
        assert run_at is not None
        following = next_fire(announcement.schedule, max(run_at, now), zone)
        if following and announcement.ends_at and following > announcement.ends_at:
            following = None  # that was the last one
        if not await repo.claim(announcement.id, run_at, following):
            continue  # another scheduler got it
        occurrence = await Occurrences(session).add(
            Occurrence(announcement_id=announcement.id, due_at=run_at, started_at=now)
        )
        await _queue_deliveries(session, announcement, occurrence, now, zone, default_language)
        if publish is not None:
            await publish.occurrence(session, announcement, occurrence, now)
        claimed.append(occurrence)
    return claimed


async def _queue_deliveries(
    session: AsyncSession,
    announcement: Announcement,
    occurrence: Occurrence,
    now: datetime,
    zone: ZoneInfo,
    default_language: str,
) -> None:
    texts = announcement.texts
    rows = []
    for citizen in await Subscriptions(session).audience(announcement.areas, announcement.topics):
        own = spoken_language(citizen.language) if citizen.language else default_language
        language = own if own in texts else default_language
        if language not in texts:
            language = next(iter(texts))
        wait = None if announcement.urgent else quiet_until(citizen, now, zone)
        rows.append(
            {
                "occurrence_id": occurrence.id,
                "citizen_id": citizen.id,
                "chat_id": citizen.chat_id,
                "language": language,
                "fallback": language != own,
                "not_before": wait or now,
                "status": DeliveryStatus.PENDING,
                "attempts": 0,
            }
        )
    await Deliveries(session).queue(rows)


async def queue_alerts(session: AsyncSession, occurrence: Occurrence, now: datetime) -> int:
    """One at-most-once outbox message per delivery row of `occurrence`; how many."""
    pending = await Deliveries(session).pending(occurrence.id)
    await Outboxes(session).add_many(
        [
            {
                "lane": chat_id,
                "method": ALERT_METHOD,
                # What the composer and the progress need, so neither reads it per message.
                "payload": {
                    "delivery_id": delivery_id,
                    "occurrence_id": occurrence.id,
                    "language": language,
                },
                "priority": Priority.BROADCAST,
                "guarantee": Guarantee.AT_MOST_ONCE,
                "effect": ALERT_EFFECT,
                "into_topic": False,
                "status": OutboxStatus.PENDING,
                "attempts": 0,
                "not_before": not_before,
                "possibly_repeated": False,
                "created_at": now,
            }
            for delivery_id, chat_id, not_before, language in pending
        ]
    )
    return len(pending)


async def finished(session: AsyncSession) -> list[Occurrence]:
    """Occurrences not reported yet whose every delivery row has an outcome."""
    done = []
    for occurrence in await Occurrences(session).unreported():
        if not await Deliveries(session).open_count(occurrence.id):
            done.append(occurrence)
    return done


@dataclass(frozen=True)
class DeliveryReport:
    recipients: int
    by_status: Mapping[str, int] = field(default_factory=dict)
    fallback: int = 0
    useful: int = 0
    not_useful: int = 0
    seconds: float | None = None


async def report(session: AsyncSession, occurrence: Occurrence) -> DeliveryReport:
    rows = await Deliveries(session).outcomes(occurrence.id)
    feedback = Counter(fb for _status, _fallback, fb in rows if fb)
    seconds = None
    if occurrence.started_at and occurrence.finished_at:
        seconds = (occurrence.finished_at - occurrence.started_at).total_seconds()
    return DeliveryReport(
        recipients=len(rows),
        by_status=Counter(status for status, _fallback, _feedback in rows),
        fallback=sum(1 for _status, fallback, _feedback in rows if fallback),
        useful=feedback.get(AlertFeedback.USEFUL, 0),
        not_useful=feedback.get(AlertFeedback.NOT_USEFUL, 0),
        seconds=seconds,
    )


async def announcement_of_delivery(
    session: AsyncSession, delivery_id: int, chat_id: int
) -> int | None:
    """The announcement a resident's copy belongs to (None if it is not theirs)."""
    delivery = await Deliveries(session).by_id(delivery_id)
    if delivery is None or delivery.chat_id != chat_id:
        return None
    occurrence = await Occurrences(session).by_id(delivery.occurrence_id)
    return occurrence.announcement_id if occurrence else None


@dataclass(frozen=True)
class AlertContext:
    """What a report answering an alert starts from: the alert, its words in the resident's
    language and, when it points at one place for this resident, that area."""

    announcement_id: int
    text: str
    area: str | None


async def alert_context(
    session: AsyncSession, delivery_id: int, chat_id: int, citizen_id: int, language: str
) -> AlertContext | None:
    """The alert behind a resident's copy (None if the copy is not theirs). The area is the
    alert's only area, or the only one of its areas the resident follows."""
    announcement_id = await announcement_of_delivery(session, delivery_id, chat_id)
    announcement = await Announcements(session).by_id(announcement_id) if announcement_id else None
    if announcement is None:
        return None
    areas = set(announcement.areas)
    if len(areas) > 1:
        followed = (await Subscriptions(session).of_citizen(citizen_id)).get(
            SubscriptionKind.AREA, set()
        )
        areas &= followed
    text = announcement.texts.get(language) or next(iter(announcement.texts.values()), "")
    return AlertContext(
        announcement_id=announcement.id,
        text=text,
        area=next(iter(areas)) if len(areas) == 1 else None,
    )


async def give_feedback(
    session: AsyncSession, delivery_id: int, chat_id: int, value: AlertFeedback
) -> bool:
    """Keep the resident's USEFUL or NOT_USEFUL for their delivery (their last answer counts);
    False if the delivery is gone or was not theirs."""
    delivery = await Deliveries(session).by_id(delivery_id)
    if delivery is None or delivery.chat_id != chat_id:
        return False
    delivery.feedback = value
    return True


def first_text(announcement: Announcement) -> str:
    return next(iter(announcement.texts.values()), "")
