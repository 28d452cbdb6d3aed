"""What a log line may say about the work it belongs to: the update being handled (set by the
dispatcher's outermost middleware for the duration of the update), and how a chat is named.
Ids only, never a person."""

from __future__ import annotations

import logging
import time
from contextvars import ContextVar

current_update_id: ContextVar[int | None] = ContextVar("beatline_update_id", default=None)


def chat_for_log(chat_id: int) -> str:
    """A chat as a log line may name it: a group by its id, a private chat never (its id is
    the resident's Telegram id, and beside a case's failure it would unmask them)."""
    return "a resident's chat" if chat_id > 0 else f"chat {chat_id}"


class OutageLog:
    """A warning about a helper service that does not answer (Redis), logged at most once a
    minute while the outage lasts: `what` did not answer, and what the process does instead."""

    def __init__(self, logger: logging.Logger, what: str, instead: str) -> None:
        self.logger, self.what, self.instead = logger, what, instead
        self._since: float | None = None

    def __call__(self, error: Exception) -> None:
        now = time.monotonic()
        if self._since is None or now - self._since > 60:
            self._since = now
            self.logger.warning(
                "%s: Redis did not answer (%s); %s", self.what, type(error).__name__, self.instead
            )
