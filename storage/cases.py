"""Queries and writes for cases: reference numbers, topics, a resident's list, and the cases
waiting for a first staff reply (the response-time sweep). Claims are conditional UPDATEs
(1: this caller won, 0: another had)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from functools import cache

from sqlalchemy import Select, bindparam, func, select, update

from bot.kinds import CaseStatus, Direction, ResponseAction
from storage.db import add_once
from storage.models import Case, CaseCounter, CaseMessage
from storage.rows import Repository, Rows


class Cases(Rows[Case]):
    model = Case

    async def next_number(self, year: int) -> int:
        """The next reference number of `year`, counted in the database."""
        bumped = await self.session.scalar(
            update(CaseCounter)
            .where(CaseCounter.year == year)
            .values(last=CaseCounter.last + 1)
            .returning(CaseCounter.last)
        )
        if bumped is not None:
            return int(bumped)
        if await add_once(self.session, CaseCounter, {"year": year, "last": 1}):
            return 1
        return await self.next_number(year)  # another transaction started the year meanwhile

    async def waiting_for_desk(self) -> Sequence[int]:
        """Open cases without a topic, or with citizen messages that never reached the desk."""
        undelivered = select(CaseMessage.case_id).where(
            CaseMessage.direction == Direction.CITIZEN, CaseMessage.target_message_id.is_(None)
        )
        query = (
            select(Case.id)
            .where(
                Case.status != CaseStatus.CLOSED,
                Case.thread_id.is_(None) | Case.id.in_(undelivered),
            )
            .order_by(Case.id)
        )
        return (await self.session.scalars(query)).all()

    async def claim_topic(self, case_id: int) -> bool:
        """Lock the case row while it has no topic; False if another update gave it one."""
        return await self._won(
            update(Case).where(Case.id == case_id, Case.thread_id.is_(None)).values(thread_id=None)
        )

    async def load(self, case_ids: Collection[int]) -> Sequence[Case]:
        """Read these cases in one query (later `by_id` calls in the session find them)."""
        if not case_ids:
            return []
        return (await self.session.scalars(select(Case).where(Case.id.in_(list(case_ids))))).all()

    async def topics(self, case_ids: Collection[int]) -> dict[int, tuple[int, int]]:
        """(chat, thread) of those `case_ids` that have a topic with its card posted."""
        rows = await self.session.execute(
            select(Case.id, Case.staff_chat_id, Case.thread_id).where(
                Case.id.in_(list(case_ids)),
                Case.thread_id.is_not(None),
                Case.card_message_id.is_not(None),
            )
        )
        return {int(case): (int(chat), int(thread)) for case, chat, thread in rows.all()}

    async def set_topic(self, case_id: int, chat_id: int, thread_id: int) -> bool:
        """Give the case its new topic; False if it moved to another desk meanwhile."""
        return await self._won(
            update(Case)
            .where(Case.id == case_id, Case.staff_chat_id == chat_id)
            .values(thread_id=thread_id)
        )

    async def forget_topic(self, case_id: int, dead_thread_id: int) -> bool:
        """Drop a deleted topic; False if another update already replaced it."""
        return await self._won(
            update(Case)
            .where(Case.id == case_id, Case.thread_id == dead_thread_id)
            .values(thread_id=None)
        )

    async def by_ref(self, ref: str) -> Case | None:
        return (await self.session.scalars(select(Case).where(Case.ref == ref))).first()

    async def earlier_of_citizen(self, case: Case) -> int:
        """How many cases the same resident reported before this one."""
        found = await self.session.scalar(
            select(func.count(Case.id)).where(
                Case.citizen_id == case.citizen_id, Case.id < case.id
            )
        )
        return int(found or 0)

    async def by_draft_key(self, key: str) -> Case | None:
        return (await self.session.scalars(select(Case).where(Case.draft_key == key))).first()

    async def by_topic(self, chat_id: int, thread_id: int) -> Case | None:
        query = select(Case).where(Case.staff_chat_id == chat_id, Case.thread_id == thread_id)
        return (await self.session.scalars(query)).first()

    async def closed_since(
        self, citizen_id: int, anonymous: Collection[int], since: datetime
    ) -> Case | None:
        """The citizen's most recently closed case, if it closed after `since`."""
        owned = Case.citizen_id == citizen_id
        if anonymous:
            owned = owned | Case.id.in_(list(anonymous))
        query = (
            select(Case)
            .where(
                owned,
                Case.status == CaseStatus.CLOSED,
                Case.closed_at >= since,
            )
            .order_by(Case.closed_at.desc())
            .limit(1)
        )
        return (await self.session.scalars(query)).first()

    async def open_per_chat(self, chats: Sequence[int]) -> dict[int, int]:
        rows = await self.session.execute(
            select(Case.staff_chat_id, func.count())
            .where(Case.staff_chat_id.in_(chats), Case.status != CaseStatus.CLOSED)
            .group_by(Case.staff_chat_id)
        )
        return {int(chat): int(count) for chat, count in rows.all()}

    async def of_citizen(
        self,
        citizen_id: int,
        anonymous: Collection[int] = (),
        *,
        open_only: bool = False,
        limit: int | None = 20,
    ) -> Sequence[Case]:
        """The resident's cases: named ones by `citizen_id`, and the `anonymous` case ids
        their sealed list holds (storage.seals)."""
        statement = _cases_of_citizen(bool(anonymous), open_only, limit)
        parameters = {"citizen_id": citizen_id, "anonymous": list(anonymous)}
        return (await self.session.scalars(statement, parameters)).all()


@cache
def _cases_of_citizen(anonymous: bool, open_only: bool, limit: int | None) -> Select[tuple[Case]]:
    """`Cases.of_citizen`'s query (it runs for every follow-up: built once per shape)."""
    owned = Case.citizen_id == bindparam("citizen_id")
    if anonymous:
        owned = owned | Case.id.in_(bindparam("anonymous", expanding=True))
    query = select(Case).where(owned)
    if open_only:
        query = query.where(Case.status != CaseStatus.CLOSED)
    return query.order_by(Case.created_at.desc(), Case.id.desc()).limit(limit)


class Deadlines(Repository):
    """Cases waiting for a first staff reply, for the response-time sweep."""

    async def unanswered(self, desks: Sequence[str]) -> Sequence[Case]:
        query = select(Case).where(
            Case.desk.in_(desks),
            Case.first_reply_at.is_(None),
            Case.status != CaseStatus.CLOSED,
            Case.sla_escalated_at.is_(None),
        )
        return (await self.session.scalars(query.order_by(Case.id))).all()

    async def claim(self, case_id: int, action: ResponseAction, now: datetime) -> bool:
        """Mark the reminder or the escalation of the case as done; False if another run
        already did."""
        match action:
            case ResponseAction.REMIND:
                field = Case.sla_reminded_at
            case ResponseAction.ESCALATE:
                field = Case.sla_escalated_at
        return await self._won(
            update(Case).where(Case.id == case_id, field.is_(None)).values({field: now})
        )
