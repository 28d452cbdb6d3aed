"""A report from the wizard's draft to an open case: the draft the wizard keeps, a location
rounded for anonymous reports, and sending it — once, within the resident's limits."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from aiogram.types import Message
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import bans
from bot.domain import cases as case_service
from bot.domain.cases import NewReport
from bot.domain.limits import may_open_another
from bot.domain.triage import EmergencyDetector
from bot.kinds import Privacy
from bot.network.base import spoken_language
from bot.network.schema import Network
from bot.workflows.casework import restore, snapshot, submit_report
from bot.workflows.relay import Relay
from storage.cases import Cases
from storage.models import Case, Citizen

DRAFT = "report"
MAX_ITEMS = 30


@dataclass
class ReportDraft:
    """What the report wizard has gathered (kept in the conversation state, 24 h at most)."""

    key: str = field(default_factory=lambda: uuid.uuid4().hex)
    category: str | None = None
    privacy: Privacy | None = None
    latitude: float | None = None
    longitude: float | None = None
    rounded: bool = False
    location_note: str | None = None
    area: str | None = None
    items: list[dict[str, Any]] = field(default_factory=list)
    alert_id: int | None = None
    alert_text: str | None = None  # the alert's words, to remind the resident what they answer
    editing: bool = False  # a step reached from the summary returns to it

    @classmethod
    def of(cls, data: dict[str, Any]) -> ReportDraft | None:
        saved = data.get(DRAFT)
        if not saved:
            return None
        draft = cls(**saved)
        if draft.privacy is not None:  # kept as its word in the conversation storage
            draft.privacy = Privacy(draft.privacy)
        return draft

    def saved(self) -> dict[str, Any]:
        return {DRAFT: asdict(self)}

    @property
    def anonymous(self) -> bool:
        return self.privacy == Privacy.ANONYMOUS

    def add(self, messages: list[Message]) -> bool:
        """Keep `messages` as description; False when the report is full."""
        if len(self.items) + len(messages) > MAX_ITEMS:
            return False
        self.items += [snapshot(m) for m in messages]
        return True

    def messages(self) -> list[Message]:
        return [restore(item) for item in self.items]

    def counts(self) -> tuple[int, int]:
        """(messages with words, attachments)."""
        texts = sum(1 for item in self.items if "text" in item)
        return texts, len(self.items) - texts


class Refusal(StrEnum):
    BANNED = "banned"
    TOO_MANY_OPEN = "too_many_open"
    ALREADY_SENT = "already_sent"
    EMPTY = "empty"


async def open_case_count(session: AsyncSession, citizen: Citizen) -> int:
    return len(await case_service.open_cases(session, citizen))


async def refusal(session: AsyncSession, citizen: Citizen, network: Network) -> Refusal | None:
    """Why the resident may not start a report now (None: they may)."""
    if await bans.standing_against(session, citizen):
        return Refusal.BANNED
    if not may_open_another(await open_case_count(session, citizen), network.limits):
        return Refusal.TOO_MANY_OPEN
    return None


async def send(
    relay: Relay,
    session: AsyncSession,
    network: Network,
    citizen: Citizen,
    draft: ReportDraft,
    detector: EmergencyDetector,
    language: str,
    now: datetime,
    prefix: str,
) -> Case | Refusal:
    """Open the case from the draft, once: a second Send of the same draft opens nothing."""
    if not draft.items:
        return Refusal.EMPTY
    if await Cases(session).by_draft_key(draft.key) is not None:
        return Refusal.ALREADY_SENT
    reason = await refusal(session, citizen, network)
    if reason is not None:
        return reason
    items = draft.messages()
    description = "\n\n".join(m.text for m in items if m.text)
    words = description or " ".join(m.caption for m in items if m.caption)
    detection = relay.langid.detect(words, citizen.language) if relay.langid else None
    assert draft.category is not None and draft.area is not None
    report = NewReport(
        category=draft.category,
        area=draft.area,
        description=description,
        language=detection.code if detection else spoken_language(language),
        language_guess=detection.guess if detection else None,
        privacy=draft.privacy or Privacy.CONFIDENTIAL,
        latitude=draft.latitude,
        longitude=draft.longitude,
        location_rounded=draft.rounded,
        location_note=draft.location_note,
        urgent=any(detector.matches(m.text or m.caption) for m in items),
        alert_id=draft.alert_id,
        draft_key=draft.key,
    )
    try:
        async with session.begin_nested():
            return await submit_report(
                relay, session, network, citizen, report, items, now, prefix
            )
    except IntegrityError:  # the same draft sent twice at the same moment
        return Refusal.ALREADY_SENT
