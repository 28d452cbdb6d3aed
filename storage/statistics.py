"""Read-only queries behind /stats and the monthly report.

Only the columns the figures need are read (no descriptions, names, texts or chat ids), so the
statistics code never holds personal data; cases are only counted (storage.statistics_cases).
Nothing here writes or commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.kinds import ReferralStatus
from storage.models import (
    Announcement,
    AreaFollowers,
    Citizen,
    Delivery,
    Occurrence,
    PulseTally,
    Subscription,
)
from storage.statistics_cases import CaseCounts
from storage.statistics_referrals import ReferralCounts, referral_counts
from storage.statistics_shapes import CaseTallies, CaseWindow


@dataclass(frozen=True)
class AlertFacts:
    """One sending of an announcement and its delivery rows counted by status and feedback."""

    occurrence_id: int
    announcement_id: int
    started_at: datetime
    areas: tuple[str, ...]
    urgent: bool
    by_status: dict[str, int] = field(default_factory=dict)
    by_feedback: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PulseFacts:
    """How many residents of `area` gave `score` to `question` in `month` (no one's identity)."""

    month: date
    area: str
    question: str
    score: int
    count: int


class Statistics:
    """Queries for the figures; `desks=None` means every desk."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def case_tallies(self, window: CaseWindow) -> CaseTallies:
        """The cases that matter for the window, counted in the database."""
        return await CaseCounts(self.session, window).tallies()

    async def referrals_made(
        self, desks: Sequence[str] | None, start: datetime, end: datetime
    ) -> ReferralCounts:
        """Referrals proposed in [start, end) on cases of `desks`, per partner and status."""
        return await referral_counts(self.session, start, end, desks)

    async def referrals_received(
        self, partner: str, start: datetime, end: datetime
    ) -> ReferralCounts:
        """Referrals a partner received in [start, end): only those the resident agreed to,
        since the partner never saw the others."""
        return await referral_counts(
            self.session, start, end, None, partner, ReferralStatus.ACCEPTED.value
        )

    async def alerts(self, start: datetime, end: datetime) -> list[AlertFacts]:
        """Every sending that started in [start, end), oldest first, with its delivery counts."""
        started = func.coalesce(Occurrence.started_at, Occurrence.due_at)
        occurrences = (
            await self.session.execute(
                select(
                    Occurrence.id,
                    Occurrence.announcement_id,
                    started,
                    Announcement.areas,
                    Announcement.urgent,
                )
                .join(Announcement, Announcement.id == Occurrence.announcement_id)
                .where(started >= start, started < end)
                .order_by(started, Occurrence.id)
            )
        ).all()
        found = {
            occurrence_id: AlertFacts(
                occurrence_id=occurrence_id,
                announcement_id=announcement_id,
                started_at=when,
                areas=tuple(areas),
                urgent=bool(urgent),
            )
            for occurrence_id, announcement_id, when, areas, urgent in occurrences
        }
        if not found:
            return []
        counts = await self.session.execute(
            select(Delivery.occurrence_id, Delivery.status, Delivery.feedback, func.count())
            .where(Delivery.occurrence_id.in_(list(found)))
            .group_by(Delivery.occurrence_id, Delivery.status, Delivery.feedback)
        )
        for occurrence_id, status, feedback, count in counts:
            alert = found[occurrence_id]
            alert.by_status[str(status)] = alert.by_status.get(str(status), 0) + count
            if feedback:
                alert.by_feedback[feedback] = alert.by_feedback.get(feedback, 0) + count
        return list(found.values())

    async def subscribers_per_area(self, as_of: datetime) -> dict[str, int]:
        """Residents following each area at `as_of` who can still be reached (consented, not
        blocked). Unsubscribing deletes the row, so this is today's state for past periods:
        today's count per area (kept by triggers, migration 0012) less the subscriptions
        made from `as_of` on (none for a period still running)."""
        found = {
            code: int(count)
            for code, count in await self.session.execute(
                select(AreaFollowers.code, AreaFollowers.count)
            )
        }
        since = await self.session.execute(
            select(Subscription.code, func.count())
            .join(Citizen, Citizen.id == Subscription.citizen_id)
            .where(
                Subscription.kind == "area",
                Subscription.created_at >= as_of,
                Citizen.consent_at.is_not(None),
                Citizen.blocked_bot.is_(False),
            )
            .group_by(Subscription.code)
        )
        for code, count in since:
            found[code] = found.get(code, 0) - int(count)
        return {code: count for code, count in found.items() if count > 0}

    async def pulse(self, first_month: date, last_month: date) -> list[PulseFacts]:
        """The trust pulse's counts from `first_month` to `last_month` (first days, inclusive)."""
        rows = await self.session.execute(
            select(
                PulseTally.month,
                PulseTally.area,
                PulseTally.question,
                PulseTally.score,
                PulseTally.count,
            )
            .where(PulseTally.month >= first_month, PulseTally.month <= last_month)
            .order_by(PulseTally.month, PulseTally.area, PulseTally.question, PulseTally.score)
        )
        return [PulseFacts(*row) for row in rows.all()]
