"""Who administers each staff group, as last read from Telegram.

A desk whose staff rule is "admins" needs this on every staff message, and a handler never
waits for Telegram (it runs inside the update's transaction). So the lists are read when the
bot starts and every few minutes after (`refresh`, from a timer), and kept current between
reads from the `chat_member` updates Telegram sends when someone is promoted or demoted.
A group whose list could not be read yet has no administrators here: its admins-only desk
refuses everyone until the next read, which is the safe side.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ChatMemberAdministrator, ChatMemberOwner, ChatMemberUpdated

logger = logging.getLogger(__name__)

ADMIN_STATUSES = frozenset({"administrator", "creator"})


class GroupAdmins:
    def __init__(self) -> None:
        self._admins: dict[int, frozenset[int]] = {}

    def is_admin(self, chat_id: int, user_id: int | None) -> bool:
        return user_id is not None and user_id in self._admins.get(chat_id, frozenset())

    def set(self, chat_id: int, user_ids: Iterable[int]) -> None:
        self._admins[chat_id] = frozenset(user_ids)

    def member_changed(self, event: ChatMemberUpdated) -> None:
        """Follow a promotion or a demotion between two reads."""
        user = event.new_chat_member.user.id
        admins = set(self._admins.get(event.chat.id, frozenset()))
        if event.new_chat_member.status in ADMIN_STATUSES:
            admins.add(user)
        else:
            admins.discard(user)
        self._admins[event.chat.id] = frozenset(admins)

    async def refresh(self, bot: Bot, chat_ids: Iterable[int]) -> None:
        """Read every group's administrators; a group that cannot be read keeps its last list."""
        for chat_id in chat_ids:
            try:
                members = await bot.get_chat_administrators(chat_id)
            except TelegramAPIError as exc:
                logger.warning("chat %d: cannot read its administrators: %s", chat_id, exc)
                continue
            self.set(
                chat_id,
                (
                    member.user.id
                    for member in members
                    if isinstance(member, ChatMemberOwner | ChatMemberAdministrator)
                ),
            )
