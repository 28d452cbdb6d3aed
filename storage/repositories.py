"""Queries and writes, one small class per aggregate; they flush for ids but never commit."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from functools import cache

from sqlalchemy import Select, bindparam, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.kinds import CaseStatus, Direction, ReferralStatus
from storage.db import affected_rows, insert_ignoring_duplicates, inserted
from storage.models import (
    AuditEvent,
    Case,
    CaseCounter,
    CaseMessage,
    Citizen,
    MessageVersion,
    ProcessedUpdate,
    Referral,
)
from storage.sealing import optional_sealer


class UpdateLog:
    """Which Telegram updates were already handled."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, update_id: int, now: datetime) -> bool:
        """Record `update_id`; False when it was recorded before (a redelivery).

        One INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL (this runs for every
        update); other databases take the portable savepoint route.
        """
        values = {"update_id": update_id, "processed_at": now}
        insert = insert_ignoring_duplicates(self.session, ProcessedUpdate)
        if insert is not None:
            return bool(await inserted(self.session, insert, values))
        if await self.session.get(ProcessedUpdate, update_id) is not None:
            return False
        try:
            async with self.session.begin_nested():
                self.session.add(ProcessedUpdate(**values))
        except IntegrityError:
            return False
        return True

    async def prune(self, before: datetime) -> int:
        return await affected_rows(
            self.session, delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < before)
        )


class Citizens:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_id(self, citizen_id: int) -> Citizen | None:
        return await self.session.get(Citizen, citizen_id)

    async def by_telegram_id(self, telegram_id: int) -> Citizen | None:
        """(Runs for every update from a private chat: the statement is built once.)"""
        return (await self.session.scalars(_BY_TELEGRAM_ID, {"telegram_id": telegram_id})).first()

    async def add(self, citizen: Citizen) -> Citizen:
        self.session.add(citizen)
        await self.session.flush()
        return citizen

    async def add_if_missing(
        self,
        *,
        telegram_id: int,
        chat_id: int,
        first_name: str,
        username: str | None,
        language: str,
        now: datetime,
    ) -> bool:
        """Create the resident unless they exist; True when this call created them."""
        values = {
            "telegram_id": telegram_id,
            "chat_id": chat_id,
            "first_name": first_name,
            "username": username,
            "language": language,
            "blocked_bot": False,
            "banned": False,
            "created_at": now,
            "last_seen_at": now,
        }
        insert = insert_ignoring_duplicates(self.session, Citizen)
        if insert is None:  # other databases: the portable savepoint route
            try:
                async with self.session.begin_nested():
                    self.session.add(Citizen(**values))
            except IntegrityError:
                return False
            return True
        return bool(await inserted(self.session, insert, values))


class Cases:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

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
        try:
            async with self.session.begin_nested():
                self.session.add(CaseCounter(year=year, last=1))
        except IntegrityError:
            return await self.next_number(year)
        return 1

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
        return bool(
            await affected_rows(
                self.session,
                update(Case)
                .where(Case.id == case_id, Case.thread_id.is_(None))
                .values(thread_id=None),
            )
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
        return bool(
            await affected_rows(
                self.session,
                update(Case)
                .where(Case.id == case_id, Case.staff_chat_id == chat_id)
                .values(thread_id=thread_id),
            )
        )

    async def forget_topic(self, case_id: int, dead_thread_id: int) -> bool:
        """Drop a deleted topic; False if another update already replaced it."""
        return bool(
            await affected_rows(
                self.session,
                update(Case)
                .where(Case.id == case_id, Case.thread_id == dead_thread_id)
                .values(thread_id=None),
            )
        )

    async def add(self, case: Case) -> Case:
        self.session.add(case)
        await self.session.flush()
        return case

    async def by_id(self, case_id: int) -> Case | None:
        return await self.session.get(Case, case_id)

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


_BY_TELEGRAM_ID = select(Citizen).where(Citizen.telegram_id == bindparam("telegram_id"))


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


class CaseMessages:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, message: CaseMessage) -> CaseMessage:
        self.session.add(message)
        await self.session.flush()
        return message

    async def by_id(self, message_id: int) -> CaseMessage | None:
        return await self.session.get(CaseMessage, message_id)

    async def load(self, message_ids: Collection[int]) -> Sequence[CaseMessage]:
        """Read these messages in one query (later `by_id` calls in the session find them)."""
        if not message_ids:
            return []
        query = select(CaseMessage).where(CaseMessage.id.in_(list(message_ids)))
        return (await self.session.scalars(query)).all()

    async def add_version(self, version: MessageVersion) -> None:
        self.session.add(version)
        await self.session.flush()

    async def versions(self, case_message_id: int) -> Sequence[MessageVersion]:
        query = (
            select(MessageVersion)
            .where(MessageVersion.case_message_id == case_message_id)
            .order_by(MessageVersion.id)
        )
        return (await self.session.scalars(query)).all()

    async def attachments(self, case_id: int) -> int:
        """How many files (photos, videos, voice, documents …) the resident sent in the case."""
        found = await self.session.scalar(
            select(func.count(CaseMessage.id)).where(
                CaseMessage.case_id == case_id,
                CaseMessage.direction == Direction.CITIZEN,
                CaseMessage.file_id.is_not(None),
            )
        )
        return int(found or 0)

    def _chats(self, chat_id: int, message_id: int) -> list[int]:
        """The chat ids a message at (`chat_id`, `message_id`) may be stored under: a private
        chat's message in an anonymous case is stored under its blind id (storage.sealing)."""
        sealer = optional_sealer(self.session)
        if chat_id <= 0 or sealer is None:
            return [chat_id]
        return [chat_id, sealer.blind(chat_id, message_id)]

    async def exists(self, source_chat_id: int, source_message_id: int) -> bool:
        found = await self.session.scalar(
            select(CaseMessage.id).where(
                CaseMessage.source_chat_id.in_(self._chats(source_chat_id, source_message_id)),
                CaseMessage.source_message_id == source_message_id,
            )
        )
        return found is not None

    async def case_of_target(self, target_chat_id: int, target_message_id: int) -> int | None:
        """The case a relayed copy belongs to, found by where the copy landed."""
        query = select(CaseMessage.case_id).where(
            CaseMessage.target_chat_id.in_(self._chats(target_chat_id, target_message_id)),
            CaseMessage.target_message_id == target_message_id,
        )
        return (await self.session.scalars(query)).first()

    async def by_target(self, target_chat_id: int, target_message_id: int) -> CaseMessage | None:
        query = select(CaseMessage).where(
            CaseMessage.target_chat_id == target_chat_id,
            CaseMessage.target_message_id == target_message_id,
        )
        return (await self.session.scalars(query)).first()

    async def by_source(self, source_chat_id: int, source_message_id: int) -> CaseMessage | None:
        query = select(CaseMessage).where(
            CaseMessage.source_chat_id.in_(self._chats(source_chat_id, source_message_id)),
            CaseMessage.source_message_id == source_message_id,
        )
        return (await self.session.scalars(query)).first()

    async def case_of_source(self, source_chat_id: int, source_message_id: int) -> int | None:
        query = select(CaseMessage.case_id).where(
            CaseMessage.source_chat_id.in_(self._chats(source_chat_id, source_message_id)),
            CaseMessage.source_message_id == source_message_id,
        )
        return (await self.session.scalars(query)).first()

    async def unrelayed(self, case_id: int) -> Sequence[CaseMessage]:
        """The citizen's messages of a case that never reached the desk, oldest first."""
        query = (
            select(CaseMessage)
            .where(
                CaseMessage.case_id == case_id,
                CaseMessage.direction == Direction.CITIZEN,
                CaseMessage.target_message_id.is_(None),
            )
            .order_by(CaseMessage.id)
        )
        return (await self.session.scalars(query)).all()

    async def last_answer_at(self, case_id: int) -> datetime | None:
        """When staff (police or a partner) last wrote to the resident in the case."""
        found: datetime | None = await self.session.scalar(
            select(func.max(CaseMessage.created_at)).where(
                CaseMessage.case_id == case_id, CaseMessage.direction == Direction.STAFF
            )
        )
        return found

    async def of_case(self, case_id: int) -> Sequence[CaseMessage]:
        return (
            await self.session.scalars(
                select(CaseMessage).where(CaseMessage.case_id == case_id).order_by(CaseMessage.id)
            )
        ).all()


class Referrals:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, referral: Referral) -> Referral:
        self.session.add(referral)
        await self.session.flush()
        return referral

    async def by_id(self, referral_id: int) -> Referral | None:
        return await self.session.get(Referral, referral_id)

    async def of_case(self, case_id: int) -> Sequence[Referral]:
        query = select(Referral).where(Referral.case_id == case_id).order_by(Referral.id)
        return (await self.session.scalars(query)).all()

    async def latest_of_case(self, case_id: int) -> Referral | None:
        query = select(Referral).where(Referral.case_id == case_id).order_by(Referral.id.desc())
        return (await self.session.scalars(query)).first()

    async def accepted_of_case(self, case_id: int) -> Sequence[Referral]:
        query = select(Referral).where(
            Referral.case_id == case_id,
            Referral.status == ReferralStatus.ACCEPTED,
            Referral.thread_id.is_not(None),
        )
        return (await self.session.scalars(query)).all()

    async def by_topic(self, chat_id: int, thread_id: int) -> Referral | None:
        query = select(Referral).where(
            Referral.partner_chat_id == chat_id, Referral.thread_id == thread_id
        )
        return (await self.session.scalars(query)).first()


class AuditLog:
    """Append-only: there is no update or delete here on purpose."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, event: AuditEvent) -> None:
        self.session.add(event)
        await self.session.flush()

    async def between(
        self, start: datetime, end: datetime
    ) -> Sequence[tuple[AuditEvent, Case | None]]:
        query = (
            select(AuditEvent, Case)
            .outerjoin(Case, Case.id == AuditEvent.case_id)
            .where(AuditEvent.created_at >= start, AuditEvent.created_at < end)
            .order_by(AuditEvent.created_at, AuditEvent.id)
        )
        return [(event, case) for event, case in (await self.session.execute(query)).all()]

    async def of_case(self, case_id: int) -> Sequence[AuditEvent]:
        query = (
            select(AuditEvent)
            .where(AuditEvent.case_id == case_id)
            .order_by(AuditEvent.created_at, AuditEvent.id)
        )
        return (await self.session.scalars(query)).all()


class Deadlines:
    """Cases waiting for a first staff reply, for the response-time sweep."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def unanswered(self, desks: Sequence[str]) -> Sequence[Case]:
        query = select(Case).where(
            Case.desk.in_(desks),
            Case.first_reply_at.is_(None),
            Case.status != CaseStatus.CLOSED,
            Case.sla_escalated_at.is_(None),
        )
        return (await self.session.scalars(query.order_by(Case.id))).all()

    async def claim(self, case_id: int, escalation: bool, now: datetime) -> bool:
        """Mark the reminder (or, with `escalation`, the escalation) as done; False if another
        run already did."""
        field = Case.sla_escalated_at if escalation else Case.sla_reminded_at
        return bool(
            await affected_rows(
                self.session,
                update(Case).where(Case.id == case_id, field.is_(None)).values({field: now}),
            )
        )
