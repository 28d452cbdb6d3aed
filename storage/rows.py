"""What a repository of one kind of row starts from: the session it works in (it never
commits), adding a row, and reading one by its id."""

from __future__ import annotations

from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

Row = TypeVar("Row")


class Rows(Generic[Row]):
    model: type[Row]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, row: Row) -> Row:
        """Add `row`; flushed, so it has its id."""
        self.session.add(row)
        await self.session.flush()
        return row

    async def by_id(self, row_id: int) -> Row | None:
        return await self.session.get(self.model, row_id)
