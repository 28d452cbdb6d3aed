"""What every repository starts from: the session it works in (it never commits); and for a
repository of one kind of row, adding a row, deleting one and reading one by its id."""

from __future__ import annotations

from typing import Generic, TypeVar

from sqlalchemy import Update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import affected_rows

Row = TypeVar("Row")


class Repository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _won(self, claim: Update) -> bool:
        """Run a conditional UPDATE: True when it changed a row (this caller won), False when
        its condition no longer held (another caller had already)."""
        return bool(await affected_rows(self.session, claim))


class Rows(Repository, Generic[Row]):
    model: type[Row]

    async def add(self, row: Row) -> Row:
        """Add `row`; flushed, so it has its id."""
        self.session.add(row)
        await self.session.flush()
        return row

    async def delete(self, row: Row) -> None:
        """Delete `row`; flushed, so later statements no longer see it."""
        await self.session.delete(row)
        await self.session.flush()

    async def by_id(self, row_id: int) -> Row | None:
        return await self.session.get(self.model, row_id)
