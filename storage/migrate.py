"""Run Alembic migrations from code: `python -m bot migrate`, start-up and tests use this."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Migrate the database behind `engine` up to `revision`."""
    await _run(engine, "upgrade", revision)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Migrate the database behind `engine` down to `revision` ("base" empties it)."""
    await _run(engine, "downgrade", revision)


# Several processes starting at once migrate one after the other: the first does the work,
# the others find the database current (PostgreSQL; SQLite serves one process).
MIGRATION_LOCK = (0x42544C4E, 2)


async def _run(engine: AsyncEngine, action: str, revision: str) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            from sqlalchemy import text

            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:a, :b)"),
                {"a": MIGRATION_LOCK[0], "b": MIGRATION_LOCK[1]},
            )

        def work(sync_connection: object) -> None:
            config.attributes["connection"] = sync_connection
            getattr(command, action)(config, revision)

        await connection.run_sync(work)


def heads() -> set[str]:
    """The revisions a current database is at."""
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


async def is_current(engine: AsyncEngine) -> bool:
    """Whether the database behind `engine` has every migration this code knows."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
            found = {str(row[0]) for row in rows}
    except DBAPIError:
        return False  # no alembic_version table: never migrated
    return found == heads()
