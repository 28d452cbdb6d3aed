"""The trust pulse: residents who opted in (in /alerts) are asked one short question with a 1–5
answer, at most every `pulse.every_days` days, only within the network's asking hours and never
in their own quiet hours; the questions take turns.

What is kept: who opted in (a subscription), when each was last asked and about which area
(`pulse_ask`), and the answers as counts per month, area, question and score (`pulse_tally`).
An answer is never stored with the person who gave it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import bans
from bot.domain.alerts.subscriptions import quiet_until
from bot.kinds import PulseQuestion
from bot.network.duty import span_times
from bot.network.schema import Network
from storage.models import Citizen
from storage.pulse import Pulses

SCORES = range(1, 6)
NO_AREA = ""  # a resident who follows no area: counted for the network only
BATCH = 500  # residents asked per tick at most; the rest on the next ticks


@dataclass(frozen=True)
class Asking:
    """One resident to ask now: which question, about which area."""

    citizen: Citizen
    question: PulseQuestion
    area: str


def asking_hours(network: Network, now: datetime) -> bool:
    """Whether it is within the network's hours for questions (local time)."""
    start, end = span_times(network.pulse.hours)
    clock = now.astimezone(network.zone).time()
    return start <= clock and (end is None or clock < end)


def next_question(network: Network, last: str | None) -> PulseQuestion:
    """The question after `last` in the network's list (the first one for a newcomer)."""
    questions = list(network.pulse.questions)
    if last in questions:
        return questions[(questions.index(PulseQuestion(last)) + 1) % len(questions)]
    return questions[0]


def area_for(network: Network, followed: set[str]) -> str:
    """The first area the resident follows, in the network file's order."""
    return next((area.code for area in network.areas if area.code in followed), NO_AREA)


async def due(session: AsyncSession, network: Network, now: datetime) -> list[Asking]:
    """Who is to be asked now; empty outside the asking hours."""
    if not asking_hours(network, now):
        return []
    repo = Pulses(session)
    candidates = await repo.due(now - timedelta(days=network.pulse.every_days))
    banned = await bans.banned_among(session, [citizen for citizen, _last in candidates])
    awake = [
        (citizen, last)
        for citizen, last in candidates
        if citizen.id not in banned and quiet_until(citizen, now, network.zone) is None
    ][:BATCH]
    areas = await repo.areas_followed([citizen.id for citizen, _last in awake])
    return [
        Asking(
            citizen, next_question(network, last), area_for(network, areas.get(citizen.id, set()))
        )
        for citizen, last in awake
    ]


def month_of(now: datetime, network: Network) -> date:
    return now.astimezone(network.zone).date().replace(day=1)


async def answer(
    session: AsyncSession,
    network: Network,
    citizen: Citizen,
    question: PulseQuestion,
    score: int,
    now: datetime,
) -> bool:
    """Count the resident's answer to their waiting question; False if there is none to answer
    (or the score is not 1–5). Only the count for the month and area changes."""
    if score not in SCORES:
        return False
    repo = Pulses(session)
    area = await repo.take_answer(citizen.id, question)
    if area is None:
        return False
    await repo.count(month_of(now, network), area, question, score)
    return True
