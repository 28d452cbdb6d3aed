"""Referrals to a partner's Open311 GeoReport v2 endpoint: what its system may receive of a
case (one rule, used both to word the consent question and to build the request), and the
life of a service request in the database (queued in the consent's transaction, posted by a
worker after the commit, retried with backoff, then followed until closed).

The rule, per privacy tier:
- always: the desk's service code, and the category, the area and the report's description
  with the case reference (never the resident's name, account or Telegram id);
- the location (lat/long) only when the resident shared one (as the police have it: the exact
  point, or rounded to about 500 m in an anonymous report), and in an anonymous case only when
  they choose to include it here as well; otherwise the area's name as the address;
- the resident's first name (and @username, in the description) only in an identified case,
  whose consent question says so;
- a link to their first photo only when the partner takes media and the resident chose it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntFlag, StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.kinds import Direction, Privacy
from bot.network.desks import Desk
from bot.network.schema import Network
from storage.models import Case, Citizen, Referral, ServiceRequest
from storage.open311 import CLOSED, QUEUED, SUBMITTED, ServiceRequests

DESCRIPTION_LIMIT = 4000  # GeoReport servers commonly cap the description here
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
STATUS_EVERY = timedelta(minutes=10)  # how often a submitted request's status is looked up


class Extra(IntFlag):
    """What a resident may choose to add when they agree (the consent buttons carry it)."""

    NONE = 0
    LOCATION = 1  # the shared location, in an anonymous case
    PHOTO = 2  # a link to their first photo


class Shared(StrEnum):
    """What the partner's system receives; each names its GeoReport v2 field(s)."""

    SERVICE = "service_code"
    DESCRIPTION = "description"
    AREA = "address_string"
    LOCATION = "lat/long"
    NAME = "first_name"
    PHOTO = "media_url"


@dataclass(frozen=True)
class Facts:
    """What the rule needs to know about a case."""

    privacy: Privacy
    has_location: bool
    has_photo: bool
    takes_media: bool  # the partner's `open311.media`
    rounded: bool = False  # the shared point was rounded to about 500 m (anonymous reports)


def offer(facts: Facts) -> Extra:
    """The additions the resident is asked about (each only where it applies)."""
    extra = Extra.NONE
    if facts.has_location and facts.privacy == Privacy.ANONYMOUS:
        extra |= Extra.LOCATION
    if facts.has_photo and facts.takes_media:
        extra |= Extra.PHOTO
    return extra


def shared(facts: Facts, chosen: Extra = Extra.NONE) -> list[Shared]:
    """Exactly what is sent, given the tier and what the resident chose to add."""
    chosen &= offer(facts)  # a choice that was never offered adds nothing
    fields = [Shared.SERVICE, Shared.DESCRIPTION]
    exact = facts.has_location and (facts.privacy != Privacy.ANONYMOUS or Extra.LOCATION in chosen)
    fields.append(Shared.LOCATION if exact else Shared.AREA)
    if facts.privacy == Privacy.IDENTIFIED:
        fields.append(Shared.NAME)
    if Extra.PHOTO in chosen:
        fields.append(Shared.PHOTO)
    return fields


async def facts_of(session: AsyncSession, case: Case, partner: Desk) -> Facts:
    photo = await ServiceRequests(session).first_photo(case.id, Direction.CITIZEN)
    return Facts(
        privacy=Privacy(case.privacy),
        has_location=case.latitude is not None and case.longitude is not None,
        has_photo=photo is not None,
        takes_media=bool(partner.open311 and partner.open311.media),
        rounded=bool(case.location_rounded),
    )


def request_fields(
    case: Case, citizen: Citizen, partner: Desk, network: Network, fields: list[Shared]
) -> dict[str, str]:
    """The form fields of `POST requests.json` (without the API key and the media link)."""
    assert partner.open311 is not None
    language = network.default_language
    category = network.category(case.category)
    area = network.area(case.area)
    category_name = category.name(language, language) if category else case.category
    area_name = area.name(language, language) if area else case.area
    lines = [f"{category_name} · {area_name} · Beatline {case.ref}"]
    if case.description.strip():
        lines.append(case.description.strip())
    if Shared.NAME in fields:
        handle = f" (@{citizen.username})" if citizen.username else ""
        lines.append(f"Reported by {citizen.first_name}{handle}")
    description = "\n\n".join(lines)
    form = {"service_code": partner.open311.service_code}
    if partner.open311.jurisdiction_id:
        form["jurisdiction_id"] = partner.open311.jurisdiction_id
    if Shared.LOCATION in fields and case.latitude is not None and case.longitude is not None:
        form["lat"] = str(case.latitude)
        form["long"] = str(case.longitude)
    else:
        form["address_string"] = area_name
    if Shared.NAME in fields and citizen.first_name:
        form["first_name"] = citizen.first_name
    form["description"] = description[:DESCRIPTION_LIMIT]
    return form


async def queue(
    session: AsyncSession,
    case: Case,
    citizen: Citizen,
    partner: Desk,
    referral: Referral,
    network: Network,
    chosen: Extra,
    now: datetime,
) -> ServiceRequest:
    """The service request the resident just agreed to, waiting for the worker."""
    repo = ServiceRequests(session)
    facts = await facts_of(session, case, partner)
    fields = shared(facts, chosen)
    photo = await repo.first_photo(case.id, Direction.CITIZEN) if Shared.PHOTO in fields else None
    request = ServiceRequest(
        case_id=case.id,
        referral_id=referral.id,
        desk=partner.code,
        fields=request_fields(case, citizen, partner, network, fields),
        media_file_id=photo,
        media_token=secrets.token_urlsafe(24) if photo else None,
        status=QUEUED,
        attempts=0,
        next_attempt_at=now,
        error_shown=False,
        possibly_repeated=False,
        created_at=now,
    )
    return await repo.add(request)


def backoff(attempts: int) -> timedelta:
    """30 s after the first failure, doubling, at most an hour: an endpoint that is down for
    a day is tried about once an hour, and nothing is ever given up."""
    wait: timedelta = FIRST_RETRY * (2 ** min(max(attempts - 1, 0), 16))
    return min(wait, LONGEST_WAIT)


async def claim(session: AsyncSession, request_id: int) -> ServiceRequest | None:
    """The request, now `sending`, if this caller got it."""
    repo = ServiceRequests(session)
    if not await repo.claim(request_id):
        return None
    request = await repo.by_id(request_id)
    if request is not None:
        await session.refresh(request)
    return request


def failed(request: ServiceRequest, reason: str, now: datetime) -> bool:
    """Back to the queue for a later try; True the first time (the topic is told once)."""
    request.status = QUEUED
    request.attempts += 1
    request.last_error = reason[:500]
    request.next_attempt_at = now + backoff(request.attempts)
    first = not request.error_shown
    request.error_shown = True
    return first


def submitted(
    request: ServiceRequest, service_request_id: str | None, token: str | None, now: datetime
) -> None:
    request.status = SUBMITTED
    request.attempts += 1
    request.service_request_id = service_request_id
    request.token = token
    request.submitted_at = now
    request.last_error = None
    request.next_attempt_at = now + STATUS_EVERY


@dataclass(frozen=True)
class Change:
    """What changed at the partner since the last look."""

    status: str
    notes: str | None
    closed: bool


def observe(
    request: ServiceRequest, status: str, notes: str | None, now: datetime
) -> Change | None:
    """Record the partner's status; the change, if there is one to tell."""
    request.next_attempt_at = now + STATUS_EVERY
    status = status.strip().lower() or "open"
    notes = (notes or "").strip() or None
    if status == request.remote_status and notes == request.status_notes:
        return None
    request.remote_status = status
    request.status_notes = notes
    closed = status == CLOSED
    if closed:
        request.status = CLOSED
    return Change(status, notes, closed)


async def media(session: AsyncSession, token: str) -> str | None:
    """The Telegram file id behind a media link, while its request is not closed."""
    request = await ServiceRequests(session).by_media_token(token)
    if request is None or request.status == CLOSED or not request.media_file_id:
        return None
    return request.media_file_id
