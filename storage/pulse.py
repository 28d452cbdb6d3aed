"""The trust pulse's tables: who is due a question and what they were asked (`pulse_ask`), and
the answers as counts per month, area, question and score (`pulse_tally`), never per person.

Taking an answer is a conditional UPDATE on the resident's waiting question (1: count it, 0:
answered already or never asked), so a double tap or a redelivered update counts once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select, update

from bot.kinds import SubscriptionKind
from storage.db import affected_rows, insert_ignoring_duplicates
from storage.models import Citizen, PulseAsk, PulseTally, Subscription
from storage.rows import Repository


class Pulses(Repository):
    async def due(self, asked_before: datetime) -> list[tuple[Citizen, str | None]]:
        """Residents who opted in, can be reached, and were not asked since `asked_before`;
        with the question they were asked last (None: never asked). Banned ones are among
        them: a ban is not stored on the resident (bot.domain.bans)."""
        opted_in = select(Subscription.citizen_id).where(
            Subscription.kind == SubscriptionKind.PULSE
        )
        query = (
            select(Citizen, PulseAsk.question)
            .outerjoin(PulseAsk, PulseAsk.citizen_id == Citizen.id)
            .where(
                Citizen.id.in_(opted_in),
                Citizen.consent_at.is_not(None),
                Citizen.blocked_bot.is_(False),
                PulseAsk.asked_at.is_(None) | (PulseAsk.asked_at <= asked_before),
            )
            .order_by(Citizen.id)
        )
        return [(citizen, question) for citizen, question in (await self.session.execute(query))]

    async def areas_followed(self, citizen_ids: Sequence[int]) -> dict[int, set[str]]:
        if not citizen_ids:
            return {}
        rows = await self.session.execute(
            select(Subscription.citizen_id, Subscription.code).where(
                Subscription.kind == SubscriptionKind.AREA,
                Subscription.citizen_id.in_(list(citizen_ids)),
            )
        )
        found: dict[int, set[str]] = {}
        for citizen_id, code in rows.all():
            found.setdefault(int(citizen_id), set()).add(code)
        return found

    async def asked(self, citizen_id: int, question: str, area: str, now: datetime) -> None:
        """Record that the resident is being asked `question` about `area` (replacing the last)."""
        ask = await self.session.get(PulseAsk, citizen_id)
        if ask is None:
            self.session.add(
                PulseAsk(citizen_id=citizen_id, asked_at=now, question=question, area=area)
            )
        else:
            ask.asked_at, ask.question, ask.area, ask.waiting = now, question, area, True
        await self.session.flush()

    async def take_answer(self, citizen_id: int, question: str) -> str | None:
        """Close the resident's waiting `question`; the area it was about, or None when there is
        nothing to answer (answered already, or another question is waiting)."""
        result = await self.session.execute(
            update(PulseAsk)
            .where(
                PulseAsk.citizen_id == citizen_id,
                PulseAsk.question == question,
                PulseAsk.waiting.is_(True),
            )
            .values(waiting=False)
            .returning(PulseAsk.area)
            .execution_options(synchronize_session=False)
        )
        return result.scalar_one_or_none()

    async def count(self, month: date, area: str, question: str, score: int) -> None:
        """One more answer `score` to `question` in `area` in `month`."""
        insert = insert_ignoring_duplicates(self.session, PulseTally)
        if insert is None:
            msg = "the trust pulse needs SQLite or PostgreSQL (INSERT … ON CONFLICT DO NOTHING)"
            raise NotImplementedError(msg)
        await self.session.execute(
            insert.values(month=month, area=area, question=question, score=score, count=0)
        )
        await affected_rows(
            self.session,
            update(PulseTally)
            .where(
                PulseTally.month == month,
                PulseTally.area == area,
                PulseTally.question == question,
                PulseTally.score == score,
            )
            .values(count=PulseTally.count + 1),
        )
