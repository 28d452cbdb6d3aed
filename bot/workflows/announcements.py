"""Composing an announcement in the coordinators' group: the draft the wizard keeps, the preview
exactly as residents will get it, the summary with today's audience, and saving it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from aiogram.methods import SendMessage
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.alerts import engine
from bot.domain.alerts.schedule import ONCE, Schedule
from bot.kinds import SubscriptionKind
from bot.network.schema import Network
from bot.telegram.outbox import Outbox
from bot.ui import announcing
from bot.ui.alerts import PREVIEW, alert_message
from storage.alerts import Subscriptions
from storage.models import Announcement

QUICK_ENDS = {"4w": timedelta(weeks=4), "3m": timedelta(days=91)}
AimedBy = Literal[SubscriptionKind.AREA, SubscriptionKind.TOPIC]  # what an alert is aimed at


@dataclass
class AnnounceDraft:
    """What the /announce wizard has gathered so far (kept in the conversation state)."""

    author_id: int | None = None
    areas: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    urgent: bool = False
    texts: dict[str, str] = field(default_factory=dict)
    photo: str | None = None
    first: str | None = None  # ISO time of the first sending
    repeat: str = ONCE
    until: str | None = None  # ISO time; required when the announcement repeats

    @classmethod
    def of(cls, data: dict[str, Any]) -> AnnounceDraft:
        return cls(**data.get("draft", {}))

    def saved(self) -> dict[str, Any]:
        return {"draft": asdict(self)}

    @property
    def schedule(self) -> Schedule:
        assert self.first is not None
        until = datetime.fromisoformat(self.until) if self.until else None
        return Schedule(datetime.fromisoformat(self.first), self.repeat, until)

    def as_engine_draft(self) -> engine.Draft:
        return engine.Draft(
            texts=self.texts,
            areas=self.areas,
            topics=self.topics,
            urgent=self.urgent,
            photo_file_id=self.photo,
        )

    def chosen(self, kind: AimedBy) -> list[str]:
        """The areas or topics ticked so far (empty: all of them)."""
        match kind:
            case SubscriptionKind.AREA:
                return self.areas
            case SubscriptionKind.TOPIC:
                return self.topics

    def toggle(self, kind: AimedBy, code: str) -> list[str]:
        """Tick `code` of this kind, or untick it if it was; returns what is ticked now."""
        chosen = self.chosen(kind)
        if code in chosen:
            chosen.remove(code)
        else:
            chosen.append(code)
        return chosen


def quick_time(value: str, now: datetime, network: Network) -> Schedule:
    """The time buttons: now, tonight 18:00 (tomorrow's if that has passed), tomorrow 09:00."""
    local = now.astimezone(network.zone)
    if value == "now":
        return Schedule(now)
    if value == "tonight":
        evening = local.replace(hour=18, minute=0, second=0, microsecond=0)
        return Schedule(evening if evening > local else evening + timedelta(days=1))
    morning = local.replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=1)
    return Schedule(morning)


def end_after(value: str, first: datetime) -> datetime:
    return first + QUICK_ENDS[value]


def preview(
    outbox: Outbox,
    chat_id: int,
    draft: AnnounceDraft,
    i18n: I18n,
    summary: str,
    buttons: InlineKeyboardMarkup,
) -> None:
    """Every language's alert exactly as a resident gets it, then the summary to confirm."""
    for language, text in draft.texts.items():
        with i18n.use_locale(language):
            outbox.send(alert_message(chat_id, draft.urgent, text, draft.photo, PREVIEW))
    outbox.send(SendMessage(chat_id=chat_id, text=summary, reply_markup=buttons))


async def audience(
    session: AsyncSession, draft: AnnounceDraft, network: Network
) -> tuple[int, int]:
    """(residents who would get it now, of whom in the default language)."""
    people = await Subscriptions(session).audience(draft.areas, draft.topics)
    fallback = sum(1 for person in people if person.language not in draft.texts)
    return len(people), fallback


async def summary(session: AsyncSession, draft: AnnounceDraft, network: Network) -> str:
    recipients, fallback = await audience(session, draft, network)
    schedule = draft.schedule
    when = announcing.when_text(
        schedule.first, schedule.repeat, schedule.until, network, network.default_language
    )
    return announcing.summary(
        network, draft.areas, draft.topics, draft.urgent, when, recipients, fallback
    )


async def save(
    session: AsyncSession, draft: AnnounceDraft, network: Network, now: datetime
) -> tuple[Announcement, int]:
    """Store the announcement, awaiting a second coordinator if it is urgent and goes to more
    residents than the network allows at once; and how many residents it goes to today."""
    recipients, _fallback = await audience(session, draft, network)
    awaiting = engine.needs_approval(draft.urgent, recipients, network.approvals.urgent_above)
    announcement = await engine.create(
        session, draft.as_engine_draft(), draft.schedule, draft.author_id, now, awaiting
    )
    return announcement, recipients
