"""What a log line may say about the work it belongs to: the update being handled (set by the
dispatcher's outermost middleware for the duration of the update). Ids only, never a person."""

from __future__ import annotations

from contextvars import ContextVar

current_update_id: ContextVar[int | None] = ContextVar("beatline_update_id", default=None)
