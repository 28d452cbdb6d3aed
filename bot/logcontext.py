"""What a log line may say about the work it belongs to: the update being handled (set by the
dispatcher's outermost middleware for the duration of the update), and how a chat is named.
Ids only, never a person."""

from __future__ import annotations

from contextvars import ContextVar

current_update_id: ContextVar[int | None] = ContextVar("beatline_update_id", default=None)


def chat_for_log(chat_id: int) -> str:
    """A chat as a log line may name it: a group by its id, a private chat never (its id is
    the resident's Telegram id, and beside a case's failure it would unmask them)."""
    return "a resident's chat" if chat_id > 0 else f"chat {chat_id}"
