"""Logging set-up: our own loggers at the configured level, chatty libraries kept quiet."""

from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError

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
    for handler in logging.getLogger().handlers:
        handler.addFilter(HideDatabaseDetails())
    quiet_parameter_loggers()


class HideDatabaseDetails(logging.Filter):
    """Database errors keep their kind, constraint and traceback in the log, never their text:
    PostgreSQL puts the offending values there ("Key (telegram_id)=(…) already exists"), and a
    resident's id or name must not reach a log line (statement parameters are hidden already by
    `hide_parameters`, see storage.db)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            hidden = _hidden(record.exc_info[1])
            if hidden is not record.exc_info[1]:
                record.exc_info = (type(hidden), hidden, record.exc_info[2])
                record.exc_text = None
        if isinstance(record.args, tuple):
            record.args = tuple(
                _hidden(arg) if isinstance(arg, BaseException) else arg for arg in record.args
            )
        return True


class DatabaseError(Exception):
    """What is logged instead of a database error: its kind and constraint, no values."""


def _hidden(error: BaseException) -> BaseException:
    database = _database_error(error)
    if database is None:
        return error
    original = getattr(database, "orig", None)
    kind = type(original).__name__ if original is not None else type(database).__name__
    constraint = getattr(original, "constraint_name", None) or getattr(
        getattr(original, "__cause__", None), "constraint_name", None
    )
    text = f"{type(database).__name__} ({kind}{', ' + constraint if constraint else ''})"
    hidden = DatabaseError(f"{text}; details hidden from the log")
    hidden.__traceback__ = error.__traceback__
    return hidden


def _database_error(error: BaseException) -> BaseException | None:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, DBAPIError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None
