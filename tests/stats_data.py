"""A known data set for the statistics tests: November 2026 in Europe/Amsterdam (UTC+1 then).

Desk `central` (target 30 minutes) has nine cases opened in November and two from October;
desk `east` (no target) has five. The expected figures in the tests are worked out by hand
from the tables below, not computed by the code under test.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.kinds import AnnouncementStatus, CaseStatus, DeliveryStatus, ReferralStatus
from storage.models import (
    Announcement,
    Case,
    Citizen,
    Delivery,
    Occurrence,
    Referral,
    Subscription,
)
from tests.conftest import CENTRAL, EAST, PARTNER

ZONE = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)  # the report is made after the month
# Personal data that exists in the database and must never reach a chart, CSV or report.
SECRET_NAME = "Zebulon"
SECRET_TEXT = "my neighbour Mr Quaxley at number 7"


def local(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=ZONE).astimezone(UTC)


@dataclass(frozen=True)
class Seed:
    """One case: when it was opened and, in minutes after that, what happened."""

    desk: str
    created: datetime
    category: str
    area: str
    language: str
    privacy: str
    reply: float | None = None
    closed: datetime | float | None = None  # a moment, or minutes after opening
    rating: int | None = None
    reminded: bool = False
    escalated: bool = False


CENTRAL_NOVEMBER = [
    # 00:30 local on 1 November is still 31 October in UTC: it belongs to November.
    Seed("central", local(11, 1, 0, 30), "burglary", "centre", "en", "confidential", 5, 60, 5),
    Seed("central", local(11, 2), "burglary", "centre", "en", "confidential", 10, 120, 4),
    Seed("central", local(11, 3), "nuisance", "centre", "nl", "anonymous", 20, 1440, 4),
    Seed("central", local(11, 9), "burglary", "centre", "en", "confidential", 25, 2880),
    # Closed only in December: open at the end of November, no closing time in November.
    Seed("central", local(11, 10), "burglary", "east", "en", "anonymous", 30, local(12, 2)),
    Seed("central", local(11, 16), "burglary", "centre", "nl", "identified", 45, reminded=True),
    Seed("central", local(11, 20), "nuisance", "east", "en", "confidential", 60, reminded=True),
    Seed(
        "central",
        local(11, 23),
        "burglary",
        "centre",
        "en",
        "anonymous",
        120,
        reminded=True,
        escalated=True,
    ),
    Seed(
        "central",
        local(11, 29, 12),
        "nuisance",
        "centre",
        "nl",
        "confidential",
        None,
        reminded=True,
        escalated=True,
    ),
]
CENTRAL_OCTOBER = [
    # Opened in October, closed (and rated 1) in November.
    Seed(
        "central", local(10, 20), "burglary", "centre", "en", "confidential", 15, local(11, 5), 1
    ),
    # 23:30 local on 31 October is 22:30 UTC: October, still open at the end of November.
    Seed("central", local(10, 31, 23, 30), "burglary", "centre", "en", "confidential"),
    # Opened and closed in October: not part of November at all.
    Seed("central", local(10, 10), "nuisance", "east", "tr", "anonymous", 5, local(10, 15), 2),
]
EAST_NOVEMBER = [
    Seed("east", local(11, 9 + n), "burglary", "east", "en", "confidential", 100 * (n + 1))
    for n in range(5)
]


async def seed(factory: async_sessionmaker[AsyncSession]) -> dict[str, list[int]]:
    """Write the data set; returns the case ids per desk."""
    ids: dict[str, list[int]] = {"central": [], "east": []}
    async with factory() as session:
        citizens = [
            Citizen(
                telegram_id=500 + n,
                chat_id=500 + n,
                first_name=SECRET_NAME,
                username=f"{SECRET_NAME.lower()}{n}",
                language="en",
                consent_at=None if n == 10 else local(9, 1),
                blocked_bot=n == 9,
                created_at=local(9, 1),
                last_seen_at=local(9, 1),
            )
            for n in range(1, 11)
        ]
        session.add_all(citizens)
        await session.flush()
        for number, item in enumerate(CENTRAL_OCTOBER + CENTRAL_NOVEMBER + EAST_NOVEMBER, 1):
            case = _case(item, number, citizens[number % len(citizens)].id)
            session.add(case)
            await session.flush()
            ids[item.desk].append(case.id)
        await _referrals(session, ids["central"])
        await _alerts(session, citizens)
        await session.commit()
    return ids


def _case(item: Seed, number: int, citizen_id: int) -> Case:
    closed = item.closed
    if isinstance(closed, int | float):
        closed = item.created + timedelta(minutes=closed)
    reply = None if item.reply is None else item.created + timedelta(minutes=item.reply)
    return Case(
        ref=f"BL-26-{number:05d}",
        citizen_id=citizen_id,
        category=item.category,
        area=item.area,
        language=item.language,
        privacy=item.privacy,
        status=CaseStatus.CLOSED if closed is not None else CaseStatus.OPEN,
        desk=item.desk,
        staff_chat_id=CENTRAL if item.desk == "central" else EAST,
        description=SECRET_TEXT,
        outcome=SECRET_TEXT if closed is not None else None,
        assignee_name=SECRET_NAME,
        created_at=item.created,
        first_reply_at=reply,
        closed_at=closed,
        rating=item.rating,
        sla_reminded_at=item.created + timedelta(minutes=30) if item.reminded else None,
        sla_escalated_at=item.created + timedelta(minutes=60) if item.escalated else None,
    )


async def _referrals(session: AsyncSession, central: list[int]) -> None:
    """Five referrals to `housing` agreed to, one declined; one from October agreed to."""
    october, november = central[0], central[3:]
    statuses = [ReferralStatus.ACCEPTED] * 5 + [ReferralStatus.DECLINED]
    for case_id, status in zip(november, statuses, strict=False):
        session.add(
            Referral(
                case_id=case_id,
                partner="housing",
                partner_chat_id=PARTNER,
                status=status,
                created_at=local(11, 25),
                answered_at=local(11, 25, 11),
            )
        )
    session.add(
        Referral(
            case_id=october,
            partner="housing",
            partner_chat_id=PARTNER,
            status=ReferralStatus.ACCEPTED,
            created_at=local(10, 21),
        )
    )
    await session.flush()


async def _alerts(session: AsyncSession, citizens: list[Citizen]) -> None:
    """Subscriptions (centre: 6 reachable, east: 2) and three sendings, two in November."""
    for index, citizen in enumerate(citizens):
        area = "east" if index in (6, 7) else "centre"
        session.add(
            Subscription(citizen_id=citizen.id, kind="area", code=area, created_at=local(10, 1))
        )
    plans: list[tuple[datetime, list[tuple[DeliveryStatus, str | None]]]] = [
        # (local start, [(status, feedback), ...]) for citizens 1, 2, 3, ...
        (local(10, 30), [(DeliveryStatus.SENT, None)]),
        (
            local(11, 12, 18),
            [
                (DeliveryStatus.SENT, "useful"),
                (DeliveryStatus.SENT, "useful"),
                (DeliveryStatus.SENT, "not_useful"),
                (DeliveryStatus.SENT, None),
                (DeliveryStatus.SENT, None),
                (DeliveryStatus.SENT, None),
                (DeliveryStatus.FAILED, None),
                (DeliveryStatus.UNKNOWN, None),
                (DeliveryStatus.BLOCKED, None),
            ],
        ),
        (local(11, 20, 18), [(DeliveryStatus.SENT, None)] * 3),
    ]
    for started, deliveries in plans:
        announcement = Announcement(
            texts={"en": "Watch out"},
            areas=["centre"],
            status=AnnouncementStatus.DONE,
            created_at=started,
        )
        session.add(announcement)
        await session.flush()
        occurrence = Occurrence(
            announcement_id=announcement.id, due_at=started, started_at=started
        )
        session.add(occurrence)
        await session.flush()
        for citizen, (status, feedback) in zip(citizens, deliveries, strict=False):
            session.add(
                Delivery(
                    occurrence_id=occurrence.id,
                    citizen_id=citizen.id,
                    chat_id=citizen.chat_id,
                    language="en",
                    not_before=started,
                    status=status,
                    feedback=feedback,
                )
            )
    await session.flush()
