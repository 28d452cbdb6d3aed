"""Queries and writes for neighbourhood alerts: subscriptions, announcements, their occurrences
and the delivery rows. Claims are conditional UPDATEs (1: this caller won, 0: another had)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, delete, func, select, update

from bot.kinds import AnnouncementStatus, DeliveryStatus, SubscriptionKind
from storage.db import affected_rows, insert_ignoring_duplicates
from storage.models import Announcement, Citizen, Delivery, Occurrence, Subscription
from storage.rows import Repository, Rows


@dataclass(frozen=True)
class AlertWords:
    """What an announcement's alerts say (fixed once it is approved)."""

    urgent: bool
    texts: dict[str, str]
    photo_file_id: str | None


# Run for every alert sent (the courier's composer and effect): built once, read and written
# without loading ORM objects.
_WORDS = (
    select(Announcement.urgent, Announcement.texts, Announcement.photo_file_id)
    .join(Occurrence, Occurrence.announcement_id == Announcement.id)
    .where(Occurrence.id == bindparam("occurrence"))
)
_SENT = (
    update(Delivery)
    .where(Delivery.id == bindparam("delivery"))
    .values(
        status=DeliveryStatus.SENT,
        sent_at=bindparam("at"),
        attempts=bindparam("tries"),
    )
    .execution_options(synchronize_session=False)
)


class Subscriptions(Repository):
    async def of_citizen(self, citizen_id: int) -> dict[SubscriptionKind, set[str]]:
        rows = await self.session.scalars(
            select(Subscription).where(Subscription.citizen_id == citizen_id)
        )
        found: dict[SubscriptionKind, set[str]] = {kind: set() for kind in SubscriptionKind}
        for row in rows:
            found.setdefault(SubscriptionKind(row.kind), set()).add(row.code)
        return found

    async def find(self, citizen_id: int, kind: str, code: str) -> Subscription | None:
        found: Subscription | None = await self.session.scalar(
            select(Subscription).where(
                Subscription.citizen_id == citizen_id,
                Subscription.kind == kind,
                Subscription.code == code,
            )
        )
        return found

    async def add(self, subscription: Subscription) -> None:
        self.session.add(subscription)
        await self.session.flush()

    async def remove(self, subscription: Subscription) -> None:
        await self.session.delete(subscription)
        await self.session.flush()

    async def remove_all(self, citizen_id: int) -> int:
        return await affected_rows(
            self.session, delete(Subscription).where(Subscription.citizen_id == citizen_id)
        )

    async def audience(self, areas: Sequence[str], topics: Sequence[str]) -> list[Citizen]:
        """Subscribers of any of `areas` (any area if none) whose topics match (none = all)."""
        area_filter = select(Subscription.citizen_id).where(
            Subscription.kind == SubscriptionKind.AREA
        )
        if areas:
            area_filter = area_filter.where(Subscription.code.in_(areas))
        query = select(Citizen).where(
            Citizen.id.in_(area_filter),
            Citizen.consent_at.is_not(None),
            Citizen.blocked_bot.is_(False),
        )
        citizens = list((await self.session.scalars(query.order_by(Citizen.id))).all())
        if not topics:
            return citizens
        followed: dict[int, set[str]] = {}
        topic_rows = await self.session.scalars(
            select(Subscription).where(Subscription.kind == SubscriptionKind.TOPIC)
        )
        for row in topic_rows:
            followed.setdefault(row.citizen_id, set()).add(row.code)
        return [c for c in citizens if not followed.get(c.id) or followed[c.id] & set(topics)]


class Announcements(Rows[Announcement]):
    model = Announcement

    async def _change(
        self, announcement_id: int, *where: ColumnElement[bool], **values: Any
    ) -> bool:
        """Set `values` on the announcement if `where` holds: True if this call changed it."""
        statement = update(Announcement).where(Announcement.id == announcement_id, *where)
        return await self._won(statement.values(**values))

    async def words(self, occurrence_id: int) -> AlertWords | None:
        """What the alerts of `occurrence_id` say (None: it is gone)."""
        row = (await self.session.execute(_WORDS, {"occurrence": occurrence_id})).first()
        return AlertWords(*row) if row is not None else None

    async def cancel(self, announcement_id: int) -> bool:
        """Cancel an announcement that is not being sent right now."""
        return await self._change(
            announcement_id,
            Announcement.status.in_((AnnouncementStatus.SCHEDULED, AnnouncementStatus.AWAITING)),
            status=AnnouncementStatus.CANCELLED,
            next_run_at=None,
        )

    async def reject(self, announcement_id: int) -> bool:
        """Cancel an announcement that awaits approval (and only such a one)."""
        return await self._change(
            announcement_id,
            Announcement.status == AnnouncementStatus.AWAITING,
            status=AnnouncementStatus.CANCELLED,
            next_run_at=None,
        )

    async def approve(self, announcement_id: int, approver_id: int) -> bool:
        """Schedule an announcement that awaits approval, by someone other than its author; False
        if it awaits nothing or `approver_id` wrote it."""
        return await self._change(
            announcement_id,
            Announcement.status == AnnouncementStatus.AWAITING,
            Announcement.author_id.is_distinct_from(approver_id),
            status=AnnouncementStatus.SCHEDULED,
            approved_by=approver_id,
        )

    async def due(self, now: datetime) -> Sequence[Announcement]:
        return (
            await self.session.scalars(
                select(Announcement).where(
                    Announcement.status == AnnouncementStatus.SCHEDULED,
                    Announcement.next_run_at <= now,
                )
            )
        ).all()

    async def claim(
        self, announcement_id: int, run_at: datetime, following: datetime | None
    ) -> bool:
        """Move a due announcement on to its next run (or to sending); False if another did."""
        return await self._change(
            announcement_id,
            Announcement.status == AnnouncementStatus.SCHEDULED,
            Announcement.next_run_at == run_at,
            next_run_at=following,
            status=AnnouncementStatus.SCHEDULED if following else AnnouncementStatus.SENDING,
        )

    async def recent(self, limit: int = 15) -> list[Announcement]:
        query = select(Announcement).order_by(Announcement.id.desc()).limit(limit)
        return list((await self.session.scalars(query)).all())


class Occurrences(Rows[Occurrence]):
    model = Occurrence

    async def unreported(self) -> list[Occurrence]:
        query = select(Occurrence).where(Occurrence.reported.is_(False))
        return list((await self.session.scalars(query)).all())


class Deliveries(Rows[Delivery]):
    model = Delivery

    async def queue(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """One row per chat and occurrence; a row that exists already is left alone."""
        if not rows:
            return
        insert = insert_ignoring_duplicates(self.session, Delivery)
        if insert is None:
            msg = "alerts need SQLite or PostgreSQL (INSERT … ON CONFLICT DO NOTHING)"
            raise NotImplementedError(msg)
        # Executemany, not one VALUES clause: that one is compiled afresh for every audience
        # (3,000 rows: 24,000 bound parameters, 1.2 s); this one is cached and batched.
        await self.session.execute(insert, list(rows))

    async def mark_sent(self, delivery_id: int, at: datetime, attempts: int) -> None:
        values = {"delivery": delivery_id, "at": at, "tries": attempts}
        await self.session.execute(_SENT, values)

    async def pending(self, occurrence_id: int) -> list[tuple[int, int, datetime, str]]:
        """(delivery id, chat, not before, language) of the occurrence's rows still to send."""
        rows = await self.session.execute(
            select(Delivery.id, Delivery.chat_id, Delivery.not_before, Delivery.language).where(
                Delivery.occurrence_id == occurrence_id,
                Delivery.status == DeliveryStatus.PENDING,
            )
        )
        return [(int(i), int(c), n, str(lang)) for i, c, n, lang in rows.all()]

    async def open_count(self, occurrence_id: int) -> int:
        query = (
            select(func.count())
            .select_from(Delivery)
            .where(
                Delivery.occurrence_id == occurrence_id, Delivery.status == DeliveryStatus.PENDING
            )
        )
        return int(await self.session.scalar(query) or 0)

    async def outcomes(self, occurrence_id: int) -> list[tuple[str, bool, str | None]]:
        """(status, got the default language, feedback) of every row of the occurrence."""
        rows = await self.session.execute(
            select(Delivery.status, Delivery.fallback, Delivery.feedback).where(
                Delivery.occurrence_id == occurrence_id
            )
        )
        return [(str(s), bool(f), fb) for s, f, fb in rows.all()]
