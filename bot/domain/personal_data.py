"""A resident's data export (/mydata): everything Beatline stores about them, as one JSON
document, and the counts its readable summary shows.

It holds nothing about other people: staff appear as residents see them ("police", a partner's
name, "Beatline" for the bot's own messages), never by name or Telegram id, and the police's
internal notes are left out. Anonymous cases are included: the resident asking is their
reporter (the sealed link is opened with the key)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import bans
from bot.domain.cases import own_cases
from bot.kinds import Direction, Privacy, SubscriptionKind
from bot.network.desks import DeskKind
from bot.network.schema import Network
from storage.models import Case, CaseMessage, Citizen, MessageVersion
from storage.personal import PersonalData

FORMAT = "beatline-personal-data/1"


@dataclass(frozen=True)
class Summary:
    """The counts the readable summary shows beside the document."""

    cases: int
    anonymous_cases: int
    messages: int
    areas: tuple[str, ...]  # names in the resident's language
    topics: tuple[str, ...]
    pulse: bool
    ratings: int
    alerts: int


@dataclass(frozen=True)
class Export:
    document: dict[str, Any]
    summary: Summary


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


async def export(
    session: AsyncSession, citizen: Citizen, network: Network, language: str, now: datetime
) -> Export:
    """Everything stored about `citizen`, names in `language` where the network has them."""
    data = PersonalData(session)
    cases = list(await own_cases(session, citizen, limit=None))
    case_ids = [case.id for case in cases]
    messages = await data.messages(case_ids)
    versions = await data.versions([message.id for message in messages])
    referrals = await data.referrals(case_ids)
    subscriptions = await data.subscriptions(citizen.id)
    deliveries = await data.deliveries(citizen.id)
    pulse = await data.pulse(citizen.id)
    banned = await bans.standing_against(session, citizen)

    edits: dict[int, list[MessageVersion]] = defaultdict(list)
    for version in versions:
        edits[version.case_message_id].append(version)
    by_case: dict[int, list[CaseMessage]] = defaultdict(list)
    for message in messages:
        by_case[message.case_id].append(message)
    referred: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for referral in referrals:
        referred[referral.case_id].append(
            {
                "partner": _desk_name(network, referral.partner, language),
                "status": referral.status,
                "information_only": referral.info_only,
                "reason": referral.reason,
                "asked_at": _time(referral.created_at),
                "answered_at": _time(referral.answered_at),
            }
        )

    def message_entry(message: CaseMessage) -> dict[str, Any]:
        return {
            "at": _time(message.created_at),
            "from": _sender(network, message, language),
            "kind": message.kind,
            "text": message.text,
            "has_file": message.file_id is not None,
            "edits": [
                {"at": _time(edit.edited_at), "text": edit.text} for edit in edits[message.id]
            ],
        }

    def case_entry(case: Case) -> dict[str, Any]:
        location = (
            {
                "latitude": case.latitude,
                "longitude": case.longitude,
                "rounded_to_500_m": case.location_rounded,
            }
            if case.latitude is not None and case.longitude is not None
            else None
        )
        return {
            "reference": case.ref,
            "privacy": case.privacy,
            "pseudonym_staff_see": case.pseudonym,
            "status": case.status,
            "category": _named(network.category(case.category), case.category, language),
            "area": _named(network.area(case.area), case.area, language),
            "language": case.language,
            "reported_at": _time(case.created_at),
            "first_reply_at": _time(case.first_reply_at),
            "closed_at": _time(case.closed_at),
            "outcome": case.outcome,
            "your_rating": case.rating,
            "location": location,
            "location_in_your_words": case.location_note,
            "description": case.description,
            "in_reply_to_alert": case.alert_id,
            "referrals": referred[case.id],
            "messages": [message_entry(message) for message in by_case[case.id]],
        }

    kinds: dict[str, list[str]] = defaultdict(list)
    for subscription in subscriptions:
        kinds[subscription.kind].append(subscription.code)
    document = {
        "format": FORMAT,
        "made_at": _time(now),
        "profile": {
            "telegram_id": citizen.telegram_id,
            "chat_id": citizen.chat_id,
            "first_name": citizen.first_name,
            "username": citizen.username,
            "language": citizen.language,
            "privacy_notice_accepted_at": _time(citizen.consent_at),
            "registered_at": _time(citizen.created_at),
            "last_seen_at": _time(citizen.last_seen_at),
            "quiet_hours": (
                {"from": citizen.quiet_start, "to": citizen.quiet_end}
                if citizen.quiet_start and citizen.quiet_end
                else None
            ),
            "has_blocked_the_bot": citizen.blocked_bot,
            "may_send_messages": not banned,
        },
        "subscriptions": [
            {
                "kind": subscription.kind,
                "code": subscription.code,
                "name": _subscription_name(
                    network, subscription.kind, subscription.code, language
                ),
                "since": _time(subscription.created_at),
            }
            for subscription in subscriptions
        ],
        "monthly_question": {
            "opted_in": bool(kinds.get(SubscriptionKind.PULSE)),
            "last_asked_at": _time(pulse.asked_at) if pulse else None,
            "last_question": pulse.question if pulse else None,
            "waiting_for_answer": pulse.waiting if pulse else False,
            "answers": "counted per month, area and score only; not linked to you",
        },
        "cases": [case_entry(case) for case in cases],
        "alerts_received": [
            {
                "alert": number,
                "status": delivery.status,
                "in_language": delivery.language,
                "sent_at": _time(delivery.sent_at),
                "your_feedback": delivery.feedback,
            }
            for delivery, number in deliveries
        ],
    }
    summary = Summary(
        cases=len(cases),
        anonymous_cases=sum(1 for case in cases if case.privacy == Privacy.ANONYMOUS),
        messages=len(messages),
        areas=tuple(
            _named(network.area(code), code, language) for code in kinds[SubscriptionKind.AREA]
        ),
        topics=tuple(
            _named(network.topic(code), code, language) for code in kinds[SubscriptionKind.TOPIC]
        ),
        pulse=bool(kinds.get(SubscriptionKind.PULSE)),
        ratings=sum(1 for case in cases if case.rating is not None),
        alerts=len(deliveries),
    )
    return Export(document, summary)


class _HasName(Protocol):
    def name(self, language: str, fallback: str) -> str: ...


def _named(item: _HasName | None, code: str, language: str) -> str:
    return item.name(language, language) if item is not None else code


def _desk_name(network: Network, code: str, language: str) -> str:
    desk = network.desks_by_code().get(code)
    return desk.name(language, network.default_language) if desk is not None else code


def _subscription_name(network: Network, kind: str, code: str, language: str) -> str | None:
    if kind == SubscriptionKind.AREA:
        return _named(network.area(code), code, language)
    if kind == SubscriptionKind.TOPIC:
        return _named(network.topic(code), code, language)
    return None


def _sender(network: Network, message: CaseMessage, language: str) -> str:
    """Who a message is from, as the resident saw it."""
    if message.direction == Direction.CITIZEN:
        return "you"
    if message.direction == Direction.SYSTEM:
        return "Beatline"
    desk = network.desk_for_chat(message.source_chat_id)
    if desk is not None and desk.kind is DeskKind.PARTNER:
        return desk.name(language, network.default_language)
    return "police"
