"""Registering citizens, their language and their consent to the privacy notice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from storage.citizens import Citizens
from storage.models import Case, Citizen
from storage.seals import Seals


@dataclass(frozen=True)
class Profile:
    """What Telegram tells us about a user, as far as Beatline keeps it."""

    telegram_id: int
    chat_id: int
    first_name: str
    username: str | None


async def register(
    session: AsyncSession, profile: Profile, language: str, now: datetime
) -> Citizen:
    """The resident who has just accepted the privacy notice: created now (two consents racing
    create one row), consent and language recorded, the profile kept current."""
    repo = Citizens(session)
    await repo.add_if_missing(
        telegram_id=profile.telegram_id,
        chat_id=profile.chat_id,
        first_name=profile.first_name[:128],
        username=profile.username,
        language=language,
        now=now,
    )
    citizen = await repo.by_telegram_id(profile.telegram_id)
    assert citizen is not None
    touch(citizen, profile, now)
    if citizen.language is None:
        citizen.language = language
    give_consent(citizen, now)
    Seals(session).start_list(citizen)
    return citizen


LAST_SEEN_RESOLUTION = timedelta(minutes=15)


def touch(citizen: Citizen, profile: Profile, now: datetime) -> None:
    """Keep name and chat current; a message from the citizen also proves they did not block us.

    Only what changed is assigned, and "last seen" only every quarter of an hour, so an
    ordinary message costs no UPDATE of the citizen row.
    """
    fresh = {
        "chat_id": profile.chat_id,
        "first_name": profile.first_name[:128],
        "username": profile.username,
        "blocked_bot": False,
    }
    for field, value in fresh.items():
        if getattr(citizen, field) != value:
            setattr(citizen, field, value)
    if now - citizen.last_seen_at >= LAST_SEEN_RESOLUTION:
        citizen.last_seen_at = now


def set_language(citizen: Citizen, language: str) -> None:
    citizen.language = language


def give_consent(citizen: Citizen, now: datetime) -> None:
    if citizen.consent_at is None:
        citizen.consent_at = now


async def resident_of_case(session: AsyncSession, case: Case) -> Citizen | None:
    """The resident who reported `case` (an anonymous case's seal opened with the key); None
    once the case was pseudonymised (/forget, or the retention period)."""
    citizen_id = case.citizen_id
    if citizen_id is None:
        citizen_id = await Seals(session).citizen_id_of(case.id)
    return await Citizens(session).by_id(citizen_id) if citizen_id is not None else None


async def leads_to_resident(session: AsyncSession, case: Case) -> bool:
    """Whether someone can still be told about `case`: False once it was pseudonymised, and
    for an anonymous case whose resident erased their data before the sweep finished it."""
    return case.pseudonymised_at is None and await resident_of_case(session, case) is not None


async def citizen_of_case(session: AsyncSession, case: Case) -> Citizen:
    """The citizen who reported `case`; LookupError for one that no longer leads to a resident
    (callers check leads_to_resident first, or reach only cases that do)."""
    citizen = await resident_of_case(session, case)
    if citizen is None:
        msg = f"case {case.ref} has no resident any more"
        raise LookupError(msg)
    return citizen
