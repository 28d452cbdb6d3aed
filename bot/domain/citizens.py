"""Registering citizens, their language and their consent to the privacy notice."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case, Citizen
from storage.repositories import Citizens


@dataclass(frozen=True)
class Profile:
    """What Telegram tells us about a user, as far as Beatline keeps it."""

    telegram_id: int
    chat_id: int
    first_name: str
    username: str | None


async def new_pseudonym(repo: Citizens) -> str:
    """A short, random, unused pseudonym such as C-7F3A (never derived from the Telegram id)."""
    for length in (4, 4, 4, 6, 6, 8):
        candidate = f"C-{secrets.token_hex(length // 2).upper()}"
        if not await repo.pseudonym_taken(candidate):
            return candidate
    msg = "could not find a free pseudonym"
    raise RuntimeError(msg)


async def register(session: AsyncSession, profile: Profile, now: datetime) -> Citizen:
    """The citizen for `profile`, created on first contact; the profile is kept current."""
    repo = Citizens(session)
    citizen = await repo.by_telegram_id(profile.telegram_id)
    if citizen is None:
        return await repo.add(
            Citizen(
                telegram_id=profile.telegram_id,
                chat_id=profile.chat_id,
                first_name=profile.first_name[:128],
                username=profile.username,
                pseudonym=await new_pseudonym(repo),
                blocked_bot=False,
                banned=False,
                created_at=now,
                last_seen_at=now,
            )
        )
    touch(citizen, profile, now)
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


async def citizen_of_case(session: AsyncSession, case: Case) -> Citizen:
    """The citizen who reported `case`."""
    citizen = await Citizens(session).by_id(case.citizen_id)
    if citizen is None:
        msg = f"case {case.ref} has no citizen"
        raise LookupError(msg)
    return citizen
