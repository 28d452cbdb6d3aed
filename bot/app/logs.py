"""Logging set-up: our own loggers at the configured level, chatty libraries kept quiet; plain
lines or JSON lines (LOG_FORMAT=json) for a log collector."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from sqlalchemy.exc import DBAPIError

from bot.logcontext import current_update_id

# aiosqlite logs every statement with its parameters at DEBUG, which would put citizens'
# names and Telegram ids (including anonymous reporters') into the log.
PARAMETER_LOGGERS = ("aiosqlite", "sqlalchemy.engine", "asyncpg")


def quiet_parameter_loggers() -> None:
    for name in PARAMETER_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def configure_logging(level: str, log_format: str = "text") -> None:
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(HideDatabaseDetails())
        handler.addFilter(StampUpdate())
        if log_format == "json":
            handler.setFormatter(JsonLines())
    quiet_parameter_loggers()


class StampUpdate(logging.Filter):
    """Notes on each record the update being handled when it was written."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "update_id", None) is None:
            record.update_id = current_update_id.get()
        return True


class JsonLines(logging.Formatter):
    """One JSON object per record: time (UTC), level, logger, message, and when known the
    update being handled and a case reference (`extra={"case_ref": ...}`), and the traceback.
    The message is the same text a plain line would carry, with the same filters applied:
    nothing here adds a person's name or id."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        update_id = getattr(record, "update_id", None)
        if update_id is not None:
            entry["update_id"] = update_id
        case_ref = getattr(record, "case_ref", None)
        if case_ref is not None:
            entry["case"] = str(case_ref)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


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
