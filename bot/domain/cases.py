"""Opening cases (references, routing, pseudonyms), finding a resident's own cases and the case
a message belongs to, and a case's changes of state. Its messages are in
bot.domain.conversation."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.kinds import CasePriority, CaseStatus, Privacy
from bot.network.desks import Desk
from bot.network.schema import Network
from storage.cases import Cases
from storage.messages import CaseMessages
from storage.models import Case, Citizen, Referral
from storage.outbox import Outboxes
from storage.referrals import Referrals
from storage.seals import Seals


@dataclass(frozen=True)
class NewReport:
    """What the report wizard collected."""

    category: str
    area: str
    description: str
    language: str
    language_guess: str | None = None
    privacy: Privacy = Privacy.CONFIDENTIAL
    latitude: float | None = None
    longitude: float | None = None
    location_rounded: bool = False
    location_note: str | None = None
    urgent: bool = False
    alert_id: int | None = None
    draft_key: str | None = None


async def least_busy_group(session: AsyncSession, desk: Desk) -> int:
    """The desk's supergroup with the fewest messages waiting to go, then the fewest open
    cases (a desk with one group: that group, without asking the database)."""
    if len(desk.groups) == 1:
        return desk.groups[0]
    waiting = await Outboxes(session).waiting_per_lane(desk.groups)
    open_cases = await Cases(session).open_per_chat(desk.groups)
    return min(
        desk.groups,
        key=lambda chat: (waiting.get(chat, 0), open_cases.get(chat, 0), desk.groups.index(chat)),
    )


def format_ref(prefix: str, year: int, number: int) -> str:
    """A reference that is short and readable on a phone, e.g. BL-26-00042."""
    return f"{prefix}-{year % 100:02d}-{number:05d}"


def normalise_ref(text: str) -> str:
    return text.strip().upper().replace(" ", "")


async def open_case(
    session: AsyncSession,
    network: Network,
    citizen: Citizen,
    report: NewReport,
    now: datetime,
    prefix: str,
) -> Case:
    """Store a new case, numbered and routed to the desk that handles its category and area.

    An anonymous case does not name its resident: the link is sealed (storage.seals)."""
    repo = Cases(session)
    desk = network.route(report.category, report.area, report.language)
    group = await least_busy_group(session, desk)
    number = await repo.next_number(now.year)
    anonymous = report.privacy == Privacy.ANONYMOUS
    case = await repo.add(
        Case(
            ref=format_ref(prefix, now.year, number),
            citizen_id=None if anonymous else citizen.id,
            category=report.category,
            area=report.area,
            language=report.language,
            language_guess=report.language_guess,
            privacy=report.privacy,
            pseudonym=new_case_pseudonym() if anonymous else None,
            latitude=report.latitude,
            longitude=report.longitude,
            location_rounded=report.location_rounded,
            location_note=report.location_note,
            draft_key=report.draft_key,
            status=CaseStatus.NEW,
            desk=desk.code,
            staff_chat_id=group,
            priority=CasePriority.URGENT if report.urgent else CasePriority.NORMAL,
            alert_id=report.alert_id,
            description=report.description,
            created_at=now,
        )
    )
    if anonymous:
        await Seals(session).seal(case, citizen)
    return case


def owns(session: AsyncSession, citizen: Citizen, case: Case) -> bool:
    """Whether `case` is one of `citizen`'s reports, named or anonymous."""
    if case.citizen_id is not None:
        return case.citizen_id == citizen.id
    return case.id in Seals(session).anonymous_case_ids(citizen)


async def find_own_case(session: AsyncSession, citizen: Citizen, ref: str) -> Case | None:
    """The case with `ref` if it belongs to `citizen`; someone else's case is "not found"."""
    case = await Cases(session).by_ref(normalise_ref(ref))
    if case is None or not owns(session, citizen, case):
        return None
    return case


async def recent_cases(session: AsyncSession, citizen: Citizen) -> Sequence[Case]:
    """Open cases first, then recently closed ones."""
    cases = await own_cases(session, citizen, limit=15)
    return sorted(cases, key=lambda c: c.status == CaseStatus.CLOSED)


async def open_cases(session: AsyncSession, citizen: Citizen) -> Sequence[Case]:
    return await own_cases(session, citizen, open_only=True)


async def own_cases(
    session: AsyncSession,
    citizen: Citizen,
    *,
    open_only: bool = False,
    limit: int | None = 20,
) -> Sequence[Case]:
    """The resident's cases, anonymous ones included, newest first."""
    anonymous = Seals(session).anonymous_case_ids(citizen)
    return await Cases(session).of_citizen(citizen.id, anonymous, open_only=open_only, limit=limit)


async def case_replied_to(
    session: AsyncSession, citizen: Citizen, chat_id: int, message_id: int
) -> Case | None:
    """The open case of `citizen` whose message (in `chat_id`) the citizen replied to."""
    case_id = await CaseMessages(session).case_of_target(chat_id, message_id)
    if case_id is None:
        case_id = await CaseMessages(session).case_of_source(chat_id, message_id)
    if case_id is None:
        return None
    return await open_case_by_id(session, citizen, case_id)


async def find_own_case_by_id(
    session: AsyncSession, citizen: Citizen, case_id: int
) -> Case | None:
    case = await Cases(session).by_id(case_id)
    return case if case is not None and owns(session, citizen, case) else None


async def open_case_by_id(session: AsyncSession, citizen: Citizen, case_id: int) -> Case | None:
    case = await find_own_case_by_id(session, citizen, case_id)
    if case is None or case.status == CaseStatus.CLOSED:
        return None
    return case


def new_case_pseudonym() -> str:
    """A fresh pseudonym per anonymous case, e.g. C-7F3A-91BC-0D2E: 60 random bits, so among a
    million cases the chance that two share one is about one in two million, and two cases of
    one resident cannot be linked by it."""
    letters = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O or U
    code = "".join(secrets.choice(letters) for _ in range(12))
    return f"C-{code[:4]}-{code[4:8]}-{code[8:]}"


def take(case: Case, officer_id: int, officer_name: str) -> None:
    case.assignee_id = officer_id
    case.assignee_name = officer_name[:128]
    if case.status == CaseStatus.NEW:
        case.status = CaseStatus.OPEN


def close(case: Case, outcome: str, now: datetime) -> None:
    case.status = CaseStatus.CLOSED
    case.outcome = outcome
    case.closed_at = now


def reopen(case: Case) -> None:
    case.status = CaseStatus.OPEN
    case.closed_at = None
    case.rating = None


def rate(case: Case, stars: int) -> bool:
    """Store the resident's rating; False if the case was rated already (one rating a case)."""
    if not 1 <= stars <= 5:
        msg = f"a rating is 1 to 5 stars, not {stars}"
        raise ValueError(msg)
    if case.rating is not None:
        return False
    case.rating = stars
    return True


def mark_urgent(case: Case) -> bool:
    """Flag the case urgent; False if it already was."""
    if case.priority == CasePriority.URGENT:
        return False
    case.priority = CasePriority.URGENT
    return True


async def transfer(session: AsyncSession, case: Case, desk: Desk) -> tuple[int, int | None]:
    """Move the case to another desk; returns the old (chat, thread) of its topic."""
    old = (case.staff_chat_id, case.thread_id)
    case.desk = desk.code
    case.staff_chat_id = await least_busy_group(session, desk)
    # The old desk's topic, handler and response-time reminders do not move with the case.
    case.thread_id = case.card_message_id = None
    case.assignee_id = case.assignee_name = None
    case.sla_reminded_at = case.sla_escalated_at = None
    return old


@dataclass(frozen=True)
class CardFacts:
    """What the case card shows beyond the case row itself."""

    attachments: int
    referral: Referral | None  # the latest proposal to a partner, whatever its state
    earlier_reports: int | None  # None for an anonymous case: counting would link its cases
    reply_due: datetime | None  # while staff have not answered, when the desk's target ends


async def card_facts(session: AsyncSession, case: Case, network: Network) -> CardFacts:
    desk = network.desks_by_code().get(case.desk)
    minutes = desk.response_minutes if desk is not None else None
    due = (
        case.created_at + timedelta(minutes=minutes)
        if minutes and case.first_reply_at is None and case.status != CaseStatus.CLOSED
        else None
    )
    anonymous = case.privacy == Privacy.ANONYMOUS
    return CardFacts(
        attachments=await CaseMessages(session).attachments(case.id),
        referral=await Referrals(session).latest_of_case(case.id),
        earlier_reports=None if anonymous else await Cases(session).earlier_of_citizen(case),
        reply_due=due,
    )
