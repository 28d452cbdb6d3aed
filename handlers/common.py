"""Commands that work in any group: /whereami helps an admin fill in network.toml."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.workflows.whereami import WHEREAMI
from handlers.context import Context
from handlers.filters import Match


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(
        cmd_whereami, Command("whereami"), Match(F.chat.type.in_({"group", "supergroup"}))
    )
    return router


async def cmd_whereami(message: Message, ctx: Context) -> None:
    """Print the chat id and whether topics can be used here."""
    chat = message.chat
    ctx.outbox.compose(
        WHEREAMI,
        chat.id,
        {
            "chat_id": chat.id,
            "thread_id": message.message_thread_id,
            "reply_to": message.message_id,
            "title": chat.title,
            "type": chat.type,
            "is_forum": bool(chat.is_forum),
        },
    )
