"""Logging set-up: our own loggers at the configured level, chatty libraries kept quiet."""

from __future__ import annotations

import logging

# aiosqlite logs every statement with its parameters at DEBUG, which would put citizens'
# names and Telegram ids (including anonymous reporters') into the log.
PARAMETER_LOGGERS = ("aiosqlite", "sqlalchemy.engine", "asyncpg")


def quiet_parameter_loggers() -> None:
    for name in PARAMETER_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    quiet_parameter_loggers()
