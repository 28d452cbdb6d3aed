"""The sealed link between anonymous cases and their residents, both ways: `case_seal` says who
is behind one case, `citizen.sealed_cases` which anonymous cases a resident has (for /cases,
limits, bans and /mydata). Both are sealed with the anonymity key (storage.sealing).

Whenever a resident's list changes, the lists of up to `DECOYS` other residents are sealed
again in the same transaction (same content, a new nonce, so a new value): two backups taken
around an anonymous report then differ in many residents' lists, not only the reporter's."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from sqlalchemy import ColumnElement, delete, func, select

from storage.db import affected_rows
from storage.models import Case, CaseSeal, Citizen
from storage.rows import Repository
from storage.sealing import sealer_of

DECOYS = 20


def _where(case_id: int) -> str:
    return f"case:{case_id}"


class Seals(Repository):
    def anonymous_case_ids(self, citizen: Citizen) -> set[int]:
        """The resident's anonymous cases (no key is needed for a resident without any)."""
        if citizen.sealed_cases is None:
            return set()
        return sealer_of(self.session).unseal_case_ids(citizen.sealed_cases, citizen.id)

    def start_list(self, citizen: Citizen) -> None:
        """Every resident gets a sealed list, empty at first: whether someone has reported
        anonymously is then no more visible than what."""
        if citizen.sealed_cases is None:
            citizen.sealed_cases = sealer_of(self.session).seal_case_ids((), citizen.id)

    async def seal(self, case: Case, citizen: Citizen) -> None:
        """Link `case` (flushed, anonymous, without citizen_id) to `citizen`, sealed both ways."""
        sealer = sealer_of(self.session)
        self.session.add(
            CaseSeal(case_id=case.id, sealed=sealer.seal_int(citizen.id, _where(case.id)))
        )
        await self._lock(citizen)
        ids = self.anonymous_case_ids(citizen) | {case.id}
        citizen.sealed_cases = sealer.seal_case_ids(ids, citizen.id)
        await self._reseal_others(citizen)
        await self.session.flush()

    async def citizen_id_of(self, case_id: int) -> int | None:
        """Who is behind an anonymous case; None if nobody is any more (or it is not one)."""
        sealed = await self.session.scalar(
            select(CaseSeal.sealed).where(CaseSeal.case_id == case_id)
        )
        if sealed is None:
            return None
        return sealer_of(self.session).unseal_int(sealed, _where(case_id))

    def seal_message_id(self, case_id: int, message_id: int) -> str:
        """A message of the resident's chat that a waiting outbox row of an anonymous case
        must find again (to react to it), sealed: the id counts per chat, so in clear it would
        help tell whose chat it came from."""
        return sealer_of(self.session).seal_int(message_id, f"{_where(case_id)}:message")

    def open_message_id(self, case_id: int, sealed: str) -> int:
        return sealer_of(self.session).unseal_int(sealed, f"{_where(case_id)}:message")

    async def unlink(self, case_id: int, citizen: Citizen | None) -> None:
        """Remove the link for good: the seal, and the case from the resident's list."""
        await affected_rows(self.session, delete(CaseSeal).where(CaseSeal.case_id == case_id))
        if citizen is None or citizen.sealed_cases is None:
            return
        await self._lock(citizen)
        ids = self.anonymous_case_ids(citizen) - {case_id}
        citizen.sealed_cases = sealer_of(self.session).seal_case_ids(ids, citizen.id)
        await self._reseal_others(citizen)

    async def _reseal_others(self, citizen: Citizen) -> None:
        """Seal the lists of up to DECOYS other residents again, unchanged: from a random
        place in the table, skipping rows another transaction holds (PostgreSQL; so two
        reports at once never wait for each other's residents), which also keeps a list
        another transaction is changing from being written back stale."""
        last = await self.session.scalar(select(func.max(Citizen.id)))
        if not last:
            return
        start = secrets.randbelow(int(last))
        others = list(await self._others(citizen, Citizen.id > start, DECOYS))
        if len(others) < DECOYS:  # from the start of the table for the rest
            others += await self._others(citizen, Citizen.id <= start, DECOYS - len(others))
        sealer = sealer_of(self.session)
        for other in others:
            other.sealed_cases = sealer.seal_case_ids(self.anonymous_case_ids(other), other.id)

    async def _others(
        self, citizen: Citizen, where: ColumnElement[bool], limit: int
    ) -> Sequence[Citizen]:
        query = (
            select(Citizen)
            .where(where, Citizen.id != citizen.id, Citizen.sealed_cases.is_not(None))
            .order_by(Citizen.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return (await self.session.scalars(query)).all()

    async def _lock(self, citizen: Citizen) -> None:
        """Read the resident's list under a row lock (PostgreSQL), so two anonymous reports at
        once cannot each write a list without the other's case. Pending changes are flushed
        first, so the reload keeps them; SQLite runs one transaction at a time anyway."""
        if self.session.bind is not None and self.session.bind.dialect.name == "postgresql":
            await self.session.flush()
            await self.session.refresh(citizen, ["sealed_cases"], with_for_update=True)
