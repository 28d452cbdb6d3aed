"""Throw-away databases for the benchmarks: a SQLite file, or a fresh PostgreSQL database."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url


@asynccontextmanager
async def scratch_database(
    database: str, sqlite_file: Path, *, prefix: str = "beatline_bench", keep: bool = False
) -> AsyncIterator[str]:
    """A URL to an empty database: `sqlite_file`, or a new database on the given server, named
    `prefix`, the process id and the file's stem, and dropped afterwards unless `keep`."""
    if database == "sqlite":
        yield f"sqlite+aiosqlite:///{sqlite_file}"
        return
    url = make_url(database)
    name = f"{prefix}_{os.getpid()}_{sqlite_file.stem.replace('-', '_')}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        if not keep:
            await _drop(admin, name)


async def _drop(admin: str, name: str) -> None:
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()
