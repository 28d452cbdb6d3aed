"""The migrated database (SQLite, or PostgreSQL with TEST_DATABASE_URL) has the indexes that
keep the bot's lookups fast on a city's database (migrations 0011 and 0017; figures:
bench.seeded)."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine


async def indexes(engine: AsyncEngine, table: str) -> dict[str, list[str]]:
    async with engine.connect() as connection:
        found = await connection.run_sync(lambda c: inspect(c).get_indexes(table))
    return {str(index["name"]): [str(c) for c in index["column_names"]] for index in found}


@pytest.mark.parametrize(
    ("table", "name", "columns"),
    [
        ("case_message", "ix_case_message_target", ["target_chat_id", "target_message_id"]),
        ("case", "ix_case_created_at", ["created_at"]),
        ("case", "ix_case_closed_at", ["closed_at"]),
        ("referral", "ix_referral_created_at", ["created_at"]),
        ("case", "ix_case_citizen_created", ["citizen_id", "created_at", "id"]),
    ],
)
async def test_the_migrations_make_the_lookup_indexes(
    engine: AsyncEngine, table: str, name: str, columns: list[str]
) -> None:
    assert (await indexes(engine, table)).get(name) == columns
