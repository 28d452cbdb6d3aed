"""Registering citizens, their language and their consent to the privacy notice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any, Protocol

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

    @classmethod
    def of(cls, user: Sender, chat: ChatLike) -> Profile:
        """The profile of `user` writing in `chat` (aiogram's User and Chat)."""
        return cls(
            telegram_id=user.id,
            chat_id=chat.id,
            first_name=user.first_name,
            username=user.username,
        )


class Sender(Protocol):
    """A Telegram user as far as a profile reads it."""

    @property
    def id(self) -> int: ...

    @property
    def first_name(self) -> str: ...

    @property
    def username(self) -> str | None: ...


class ChatLike(Protocol):
    @property
    def id(self) -> int: ...


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
        seen_on=seen_on(now),
    )
    citizen = await repo.by_telegram_id(profile.telegram_id)
    assert citizen is not None
    touch(citizen, profile, now)
    if citizen.language is None:
        citizen.language = language
    give_consent(citizen, now)
    Seals(session).start_list(citizen)
    return citizen


def seen_on(now: datetime) -> datetime:
    """ "Last seen" as stored: the day only (midnight UTC), so that it cannot be matched
    with the time of an anonymous case's message."""
    return datetime.combine(now.astimezone(UTC).date(), time(), UTC)


def touch(citizen: Citizen, profile: Profile, now: datetime) -> None:
    """Keep name and chat current; a message from the citizen also proves they did not block us.

    Only what changed is assigned, and "last seen" changes once a day, so an ordinary message
    costs no UPDATE of the citizen row.
    """
    for field, value in changes(citizen, profile, now).items():
        setattr(citizen, field, value)


def changes(citizen: Citizen, profile: Profile, now: datetime) -> dict[str, Any]:
    """What `touch` would assign: usually nothing."""
    fresh = {
        "chat_id": profile.chat_id,
        "first_name": profile.first_name[:128],
        "username": profile.username,
        "blocked_bot": False,
        "last_seen_at": seen_on(now),
    }
    return {field: value for field, value in fresh.items() if getattr(citizen, field) != value}


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
