"""Alerts: subscriptions, announcements and their deliveries, decided in the database.

An announcement is due when `next_run_at` has passed. Claiming it is a conditional UPDATE, so
two schedulers (or a restart) cannot claim one occurrence twice; the occurrence's delivery
rows are unique per chat, so nobody can be queued twice; and a row found `sending` after a
restart becomes `unknown`: it may or may not have reached the citizen, and it is not re-sent
(each delivery is an at-most-once outbox message; see bot.workflows.broadcaster).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.kinds import AnnouncementStatus, DeliveryStatus, Guarantee, OutboxStatus, Priority
from storage.db import affected_rows, insert_ignoring_duplicates
from storage.models import Announcement, Citizen, Delivery, Occurrence, Subscription
from storage.outbox import Outboxes

AREA, TOPIC = "area", "topic"


# -- subscriptions ---------------------------------------------------------------------------


async def subscriptions(session: AsyncSession, citizen: Citizen) -> dict[str, set[str]]:
    rows = await session.scalars(select(Subscription).where(Subscription.citizen_id == citizen.id))
    found: dict[str, set[str]] = {AREA: set(), TOPIC: set()}
    for row in rows:
        found.setdefault(row.kind, set()).add(row.code)
    return found


async def toggle(
    session: AsyncSession, citizen: Citizen, kind: str, code: str, now: datetime
) -> bool:
    """Subscribe or unsubscribe; True when the citizen now follows `code`."""
    existing = await session.scalar(
        select(Subscription).where(
            Subscription.citizen_id == citizen.id,
            Subscription.kind == kind,
            Subscription.code == code,
        )
    )
    if existing is not None:
        await session.delete(existing)
        await session.flush()
        return False
    session.add(Subscription(citizen_id=citizen.id, kind=kind, code=code, created_at=now))
    await session.flush()
    return True


async def subscribe(
    session: AsyncSession, citizen: Citizen, kind: str, code: str, now: datetime
) -> None:
    """Follow `code` (doing nothing if the citizen already does)."""
    if code not in (await subscriptions(session, citizen)).get(kind, set()):
        await toggle(session, citizen, kind, code, now)


async def unsubscribe_all(session: AsyncSession, citizen: Citizen) -> None:
    for row in await session.scalars(
        select(Subscription).where(Subscription.citizen_id == citizen.id)
    ):
        await session.delete(row)
    await session.flush()


# -- quiet hours -----------------------------------------------------------------------------


def parse_quiet(text: str) -> tuple[str, str] | None:
    """ "22:00-07:00" → ("22:00", "07:00"); None if it is not two HH:MM times."""
    try:
        start, end = (part.strip() for part in text.split("-"))
        time.fromisoformat(start)
        time.fromisoformat(end)
    except ValueError:
        return None
    return (start, end) if start != end else None


def quiet_until(citizen: Citizen, now: datetime, zone: ZoneInfo) -> datetime | None:
    """When the citizen's quiet hours end, if `now` is inside them."""
    if not citizen.quiet_start or not citizen.quiet_end:
        return None
    local = now.astimezone(zone)
    start, end = time.fromisoformat(citizen.quiet_start), time.fromisoformat(citizen.quiet_end)
    clock = local.time()
    inside = start <= clock < end if start < end else clock >= start or clock < end
    if not inside:
        return None
    day = local.date() if clock < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone)


# -- announcements ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    texts: Mapping[str, str]
    areas: Sequence[str] = ()
    topics: Sequence[str] = ()
    urgent: bool = False
    photo_file_id: str | None = None
    schedule: str = "once"  # or a cron expression in the network's time zone


CRON_DAYS = {
    "0": "sun",
    "1": "mon",
    "2": "tue",
    "3": "wed",
    "4": "thu",
    "5": "fri",
    "6": "sat",
    "7": "sun",
}


def cron_trigger(expression: str, zone: ZoneInfo) -> CronTrigger:
    """A standard five-field crontab line (Sunday = 0 or 7) as an APScheduler trigger.

    APScheduler 3 reads day-of-week numbers as Monday = 0, so "1" would silently mean Tuesday;
    numbers in that field are turned into day names first.
    """
    fields = expression.split()
    if len(fields) != 5:
        msg = f"a cron expression has five fields, not {len(fields)}"
        raise ValueError(msg)
    fields[4] = re.sub(r"\d", lambda m: CRON_DAYS.get(m.group(0), m.group(0)), fields[4])
    minute, hour, day, month, day_of_week = fields
    return CronTrigger(
        minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week, timezone=zone
    )


def next_fire(schedule: str, after: datetime, zone: ZoneInfo) -> datetime | None:
    """The next time a recurring schedule fires after `after` (None for "once")."""
    if schedule == "once":
        return None
    fire: datetime | None = cron_trigger(schedule, zone).get_next_fire_time(
        None, after + timedelta(seconds=1)
    )
    return fire


async def create(
    session: AsyncSession, draft: Draft, author_id: int | None, first_run: datetime
) -> Announcement:
    announcement = Announcement(
        author_id=author_id,
        areas=json.dumps(list(draft.areas)),
        topics=json.dumps(list(draft.topics)),
        urgent=draft.urgent,
        texts=json.dumps(dict(draft.texts), ensure_ascii=False),
        photo_file_id=draft.photo_file_id,
        schedule=draft.schedule,
        next_run_at=first_run,
        status=AnnouncementStatus.SCHEDULED,
        created_at=first_run,
    )
    session.add(announcement)
    await session.flush()
    return announcement


async def cancel(session: AsyncSession, announcement_id: int) -> bool:
    """Cancel an announcement that is not being sent right now."""
    changed = await affected_rows(
        session,
        update(Announcement)
        .where(
            Announcement.id == announcement_id,
            Announcement.status == AnnouncementStatus.SCHEDULED,
        )
        .values(status=AnnouncementStatus.CANCELLED, next_run_at=None),
    )
    return bool(changed)


async def claim_due(
    session: AsyncSession, now: datetime, zone: ZoneInfo, default_language: str
) -> list[Occurrence]:
    """Claim every due announcement once, and queue a delivery row per subscriber."""
    due = (
        await session.scalars(
            select(Announcement).where(
                Announcement.status == AnnouncementStatus.SCHEDULED,
                Announcement.next_run_at <= now,
            )
        )
    ).all()
    claimed = []
    for announcement in due:
        run_at = announcement.next_run_at
        assert run_at is not None
        following = next_fire(announcement.schedule, max(run_at, now), zone)
        changed = await affected_rows(
            session,
            update(Announcement)
            .where(
                Announcement.id == announcement.id,
                Announcement.status == AnnouncementStatus.SCHEDULED,
                Announcement.next_run_at == run_at,
            )
            .values(
                next_run_at=following,
                status=AnnouncementStatus.SCHEDULED if following else AnnouncementStatus.SENDING,
            ),
        )
        if not changed:
            continue  # another scheduler got it
        occurrence = Occurrence(announcement_id=announcement.id, due_at=run_at, started_at=now)
        session.add(occurrence)
        await session.flush()
        await _queue(session, announcement, occurrence, now, zone, default_language)
        claimed.append(occurrence)
    return claimed


async def audience(
    session: AsyncSession, areas: Sequence[str], topics: Sequence[str]
) -> list[Citizen]:
    """Subscribers of any of `areas` (any area if none) whose topics match (none = all)."""
    area_filter = select(Subscription.citizen_id).where(Subscription.kind == AREA)
    if areas:
        area_filter = area_filter.where(Subscription.code.in_(areas))
    query = select(Citizen).where(
        Citizen.id.in_(area_filter),
        Citizen.consent_at.is_not(None),
        Citizen.blocked_bot.is_(False),
    )
    citizens = list((await session.scalars(query.order_by(Citizen.id))).all())
    if not topics:
        return citizens
    followed: dict[int, set[str]] = {}
    for row in await session.scalars(select(Subscription).where(Subscription.kind == TOPIC)):
        followed.setdefault(row.citizen_id, set()).add(row.code)
    return [c for c in citizens if not followed.get(c.id) or followed[c.id] & set(topics)]


async def _queue(
    session: AsyncSession,
    announcement: Announcement,
    occurrence: Occurrence,
    now: datetime,
    zone: ZoneInfo,
    default_language: str,
) -> None:
    texts = json.loads(announcement.texts)
    rows = []
    for citizen in await audience(
        session, json.loads(announcement.areas), json.loads(announcement.topics)
    ):
        language = citizen.language if citizen.language in texts else default_language
        if language not in texts:
            language = next(iter(texts))
        wait = None if announcement.urgent else quiet_until(citizen, now, zone)
        rows.append(
            {
                "occurrence_id": occurrence.id,
                "citizen_id": citizen.id,
                "chat_id": citizen.chat_id,
                "language": language,
                "fallback": language != citizen.language,
                "not_before": wait or now,
                "status": DeliveryStatus.PENDING,
                "attempts": 0,
            }
        )
    if not rows:
        return
    insert = insert_ignoring_duplicates(session, Delivery)
    if insert is None:
        msg = "alerts need SQLite or PostgreSQL (INSERT … ON CONFLICT DO NOTHING)"
        raise NotImplementedError(msg)
    await session.execute(insert.values(rows))


# -- the report ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryReport:
    recipients: int
    by_status: Mapping[str, int]
    fallback: int
    useful: int
    not_useful: int
    seconds: float | None


async def report(session: AsyncSession, occurrence: Occurrence) -> DeliveryReport:
    rows = (
        await session.execute(
            select(Delivery.status, Delivery.fallback, Delivery.feedback).where(
                Delivery.occurrence_id == occurrence.id
            )
        )
    ).all()
    statuses = Counter(str(status) for status, _fallback, _feedback in rows)
    feedback = Counter(fb for _status, _fallback, fb in rows if fb)
    seconds = None
    if occurrence.started_at and occurrence.finished_at:
        seconds = (occurrence.finished_at - occurrence.started_at).total_seconds()
    return DeliveryReport(
        recipients=len(rows),
        by_status=statuses,
        fallback=sum(1 for _status, fallback, _feedback in rows if fallback),
        useful=feedback.get("useful", 0),
        not_useful=feedback.get("not_useful", 0),
        seconds=seconds,
    )


async def queue_alerts(session: AsyncSession, occurrence: Occurrence, now: datetime) -> int:
    """One at-most-once outbox message per delivery row of `occurrence`; how many."""
    rows = (
        await session.execute(
            select(Delivery.id, Delivery.chat_id, Delivery.not_before).where(
                Delivery.occurrence_id == occurrence.id,
                Delivery.status == DeliveryStatus.PENDING,
            )
        )
    ).all()
    await Outboxes(session).add_many(
        [
            {
                "lane": chat_id,
                "method": "beatline.alert",
                "payload": {"delivery_id": delivery_id},
                "priority": Priority.BROADCAST,
                "guarantee": Guarantee.AT_MOST_ONCE,
                "effect": "alert",
                "into_topic": False,
                "status": OutboxStatus.PENDING,
                "attempts": 0,
                "not_before": not_before,
                "possibly_repeated": False,
                "created_at": now,
            }
            for delivery_id, chat_id, not_before in rows
        ]
    )
    return len(rows)


async def unfinished_occurrences(session: AsyncSession) -> list[Occurrence]:
    query = select(Occurrence).where(Occurrence.reported.is_(False))
    return list((await session.scalars(query)).all())


async def open_count(session: AsyncSession, occurrence_id: int) -> int:
    query = (
        select(func.count())
        .select_from(Delivery)
        .where(
            Delivery.occurrence_id == occurrence_id,
            Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING]),
        )
    )
    return int(await session.scalar(query) or 0)


async def announcement_of_delivery(
    session: AsyncSession, delivery_id: int, chat_id: int
) -> int | None:
    """The announcement a citizen's copy belongs to (None if it is not theirs)."""
    delivery = await session.get(Delivery, delivery_id)
    if delivery is None or delivery.chat_id != chat_id:
        return None
    occurrence = await session.get(Occurrence, delivery.occurrence_id)
    return occurrence.announcement_id if occurrence else None


async def give_feedback(session: AsyncSession, delivery_id: int, chat_id: int, value: str) -> bool:
    delivery = await session.get(Delivery, delivery_id)
    if delivery is None or delivery.chat_id != chat_id:
        return False
    delivery.feedback = value
    return True


async def recent_announcements(session: AsyncSession, limit: int = 15) -> list[Announcement]:
    query = select(Announcement).order_by(Announcement.id.desc()).limit(limit)
    return list((await session.scalars(query)).all())
