"""Deployment settings read from the environment and `.env` (never at import time)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///beatline.db"


class Settings(BaseSettings):
    """Everything a deployment configures; see `.env.example` for the meaning of each field."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_nested_delimiter="__",
        extra="ignore",
    )

    bot_token: SecretStr | None = None
    database_url: str = DEFAULT_DATABASE_URL
    network_file: Path = Path("network.toml")
    bot_api_url: str | None = None
    bot_username: str | None = None  # for deep links on posters
    webhook_url: str | None = None  # set: receive updates by webhook instead of polling
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1:8080"
    # The public https address the bot's HTTP server is reached at (CAP feed links, media
    # links sent to Open311 endpoints); and, in polling mode, where that server listens.
    public_url: str | None = None
    feeds_listen: str | None = None
    redis_url: str | None = None
    # How many processes serve this bot (webhook mode behind a reverse proxy). More than one
    # needs PostgreSQL and Redis: check-config and start-up refuse anything else.
    processes: int = 1
    ref_prefix: str = "BL"
    show_officer_name: bool = False
    # Encrypts the link from an anonymous case to its resident (storage.sealing); 32 random
    # bytes in URL-safe base64, made by `python -m bot new-key`. The bot refuses to run without.
    anonymity_key: SecretStr | None = None
    # Plain follow-ups on the database driver (bot.workflows.express); false: the full path.
    express_lane: bool = True
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"  # json: one JSON object per line

    @field_validator("bot_api_url", "public_url")
    @classmethod
    def _strip_api_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return value.strip().rstrip("/")

    @field_validator("feeds_listen")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() if value and value.strip() else None

    @field_validator("processes")
    @classmethod
    def _check_processes(cls, value: int) -> int:
        if value < 1:
            msg = "must be 1 or more"
            raise ValueError(msg)
        return value

    def several_processes_problems(self) -> list[str]:
        """What stops PROCESSES > 1 from working (empty when it may run)."""
        if self.processes <= 1:
            return []
        problems = []
        if not self.redis_url:
            problems.append(
                f"PROCESSES={self.processes} needs REDIS_URL: wizard state kept in one "
                "process's memory would be lost when the next update reaches another"
            )
        if not self.database_url.startswith("postgresql"):
            problems.append(
                f"PROCESSES={self.processes} needs a PostgreSQL DATABASE_URL: SQLite serves "
                "one process"
            )
        if not self.webhook_url:
            problems.append(
                f"PROCESSES={self.processes} needs WEBHOOK_URL: Telegram gives updates to one "
                "long-polling process at a time"
            )
        return problems

    @field_validator("ref_prefix")
    @classmethod
    def _check_prefix(cls, value: str) -> str:
        if not value.isalnum() or not 1 <= len(value) <= 6:
            msg = "must be 1-6 letters or digits"
            raise ValueError(msg)
        return value.upper()
