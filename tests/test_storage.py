"""Migrations walk up, down and up again; repositories leave committing to the caller."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, inspect, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.cases import format_ref
from storage import migrate
from storage.cases import Cases
from storage.citizens import Citizens
from storage.db import create_engine, create_session_factory
from storage.models import Announcement, Base, Case, Citizen, Delivery, Occurrence
from storage.updates import UpdateLog
from tests.test_alerts_engine import announce


async def table_names(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))


@pytest.fixture
async def scratch_engine(tmp_path: Path, database_url: str) -> AsyncEngine:
    """A database of its own on SQLite; on PostgreSQL the shared test database, left at head."""
    if os.environ.get("TEST_DATABASE_URL"):
        return create_engine(database_url)
    return create_engine(f"sqlite+aiosqlite:///{tmp_path / 'stairway.db'}")


async def test_migrations_go_up_down_and_up_again(scratch_engine: AsyncEngine) -> None:
    expected = {table.name for table in Base.metadata.sorted_tables}
    try:
        await migrate.upgrade(scratch_engine)
        assert expected <= await table_names(scratch_engine)
        await migrate.downgrade(scratch_engine, "base")
        assert not expected & await table_names(scratch_engine)
        await migrate.upgrade(scratch_engine)
        assert expected <= await table_names(scratch_engine)
    finally:
        await scratch_engine.dispose()


async def test_migrations_match_the_models(scratch_engine: AsyncEngine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    await migrate.upgrade(scratch_engine)
    async with scratch_engine.connect() as connection:
        diff = await connection.run_sync(
            lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata)
        )
    await scratch_engine.dispose()
    assert diff == []


async def test_statuses_early_versions_left_are_current_ones_after_the_upgrade(
    scratch_engine: AsyncEngine,
) -> None:
    """Migration 0018: a case "referred" is "open", an alert delivery "sending" is "unknown"."""
    factory = create_session_factory(scratch_engine)
    moment = datetime(2025, 3, 1, tzinfo=UTC)
    case, delivery = Case.core_table(), Delivery.core_table()
    try:
        await migrate.upgrade(scratch_engine)
        await migrate.downgrade(scratch_engine, "0017")
        announcement_id = await announce(factory, moment)
        async with scratch_engine.begin() as connection:
            occurrence_id = (
                await connection.execute(
                    insert(Occurrence.core_table())
                    .values(announcement_id=announcement_id, due_at=moment, reported=False)
                    .returning(Occurrence.core_table().c.id)
                )
            ).scalar_one()
            await connection.execute(
                insert(case),
                [
                    {
                        "ref": ref,
                        "category": "burglary",
                        "area": "centre",
                        "language": "nl",
                        "privacy": "confidential",
                        "status": status,
                        "desk": "central",
                        "location_rounded": False,
                        "staff_chat_id": -100,
                        "created_at": moment,
                    }
                    for ref, status in (("BL-25-09001", "referred"), ("BL-25-09002", "closed"))
                ],
            )
            await connection.execute(
                insert(delivery),
                [
                    {
                        "occurrence_id": occurrence_id,
                        "chat_id": chat,
                        "language": "nl",
                        "fallback": False,
                        "not_before": moment,
                        "status": status,
                        "attempts": 1,
                    }
                    for chat, status in ((-1, "sending"), (-2, "sent"))
                ],
            )
        await migrate.upgrade(scratch_engine)
        async with scratch_engine.connect() as connection:
            cases = await connection.execute(
                select(case.c.ref, case.c.status).where(case.c.ref.like("BL-25-090%"))
            )
            deliveries = await connection.execute(
                select(delivery.c.chat_id, delivery.c.status).where(
                    delivery.c.occurrence_id == occurrence_id
                )
            )
            assert sorted(cases.tuples()) == [("BL-25-09001", "open"), ("BL-25-09002", "closed")]
            assert sorted(deliveries.tuples()) == [(-2, "sent"), (-1, "unknown")]
    finally:
        async with scratch_engine.begin() as connection:
            await connection.execute(delete(case).where(case.c.ref.like("BL-25-090%")))
            await connection.execute(delete(Announcement.core_table()))
        await scratch_engine.dispose()


async def test_repositories_do_not_commit(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    async with factory() as session:
        await Citizens(session).add(
            Citizen(
                telegram_id=1,
                chat_id=1,
                first_name="A",
                blocked_bot=False,
                created_at=now,
                last_seen_at=now,
            )
        )
        assert await Cases(session).next_number(2026) == 1
        assert await UpdateLog(session).claim(99, now)
        await session.rollback()
    async with factory() as session:
        assert await Citizens(session).by_telegram_id(1) is None
        assert await Cases(session).next_number(2026) == 1
        assert await UpdateLog(session).claim(99, now)


async def test_update_log_refuses_a_second_claim(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    async with factory() as session:
        assert await UpdateLog(session).claim(5, now)
        await session.commit()
    async with factory() as session:
        assert not await UpdateLog(session).claim(5, now)


def test_reference_format() -> None:
    assert format_ref("BL", 2026, 42) == "BL-26-00042"
    assert format_ref("ZW", 2031, 123456) == "ZW-31-123456"


async def test_datetimes_come_back_timezone_aware(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    moment = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    async with factory() as session:
        await Citizens(session).add(
            Citizen(
                telegram_id=2,
                chat_id=2,
                first_name="B",
                blocked_bot=False,
                created_at=moment,
                last_seen_at=moment,
            )
        )
        await session.commit()
    async with factory() as session:
        citizen = await Citizens(session).by_telegram_id(2)
        assert citizen is not None and citizen.created_at == moment
        assert citizen.created_at.tzinfo is not None


async def test_old_update_proofs_are_pruned(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    async with factory() as session:
        log = UpdateLog(session)
        await log.claim(1, datetime(2026, 1, 1, tzinfo=UTC))
        await log.claim(2, datetime(2026, 1, 20, tzinfo=UTC))
        assert await log.prune(datetime(2026, 1, 10, tzinfo=UTC)) == 1
        await session.commit()
    async with factory() as session:
        assert await UpdateLog(session).claim(1, datetime(2026, 1, 21, tzinfo=UTC))
        assert not await UpdateLog(session).claim(2, datetime(2026, 1, 21, tzinfo=UTC))


async def test_datetimes_in_other_zones_are_stored_as_the_same_instant(
    engine: AsyncEngine,
) -> None:
    from zoneinfo import ZoneInfo

    factory = create_session_factory(engine)
    local = datetime(2026, 3, 9, 8, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
    async with factory() as session:
        await Citizens(session).add(
            Citizen(
                telegram_id=3,
                chat_id=3,
                first_name="Z",
                blocked_bot=False,
                created_at=local,
                last_seen_at=local,
            )
        )
        await session.commit()
    async with factory() as session:
        citizen = await Citizens(session).by_telegram_id(3)
        assert citizen is not None
        assert citizen.created_at == local
        assert citizen.created_at.astimezone(UTC).hour == 7
