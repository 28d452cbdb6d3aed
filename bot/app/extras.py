"""Optional parts of the install (`pip install beatline[postgres,redis,posters]`): which one the
settings or a command need, and a plain message when it is missing."""

from __future__ import annotations

import importlib.util

from bot.config import Settings

# extra → the module it installs
EXTRAS = {"postgres": "asyncpg", "redis": "redis", "posters": "qrcode"}


def needed(settings: Settings, command: str) -> list[str]:
    """The extras `command` needs with these settings."""
    wanted = []
    if settings.database_url.startswith("postgresql"):
        wanted.append("postgres")
    if settings.redis_url:
        wanted.append("redis")
    if command == "poster":
        wanted.append("posters")
    return wanted


def missing(settings: Settings, command: str) -> str | None:
    """What to install, or None when everything `command` needs is there."""
    absent = [e for e in needed(settings, command) if importlib.util.find_spec(EXTRAS[e]) is None]
    if not absent:
        return None
    parts = ", ".join(f"{extra} (the {EXTRAS[extra]} package)" for extra in absent)
    return f"this needs {parts}: pip install 'beatline[{','.join(absent)}]'"
