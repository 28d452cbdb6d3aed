"""Commands that work in any group: /whereami helps an admin fill in network.toml."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import ChatMemberAdministrator, ChatMemberOwner, Message

from bot.i18n import _
from bot.network import Network
from bot.texts import fmt


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(
        cmd_whereami, Command("whereami"), F.chat.type.in_({"group", "supergroup"})
    )
    return router


async def cmd_whereami(message: Message, bot: Bot, network: Network) -> None:
    """Print the chat id and whether topics can be used here."""
    member = await bot.get_chat_member(chat_id=message.chat.id, user_id=bot.id)
    can_manage = isinstance(member, ChatMemberOwner) or (
        isinstance(member, ChatMemberAdministrator) and bool(member.can_manage_topics)
    )
    desk = network.desk_for_chat(message.chat.id)
    yes, no = _("yes"), _("no")
    lines = [
        fmt(_("Chat: {title}"), title=message.chat.title or ""),
        _("Chat id: <code>{chat_id}</code>").format(chat_id=message.chat.id),
        fmt(_("Type: {kind}"), kind=message.chat.type),
        _("Topics enabled: {answer}").format(answer=yes if message.chat.is_forum else no),
        _("Bot may manage topics: {answer}").format(answer=yes if can_manage else no),
        fmt(_("Desk in network.toml: {desk}"), desk=desk.code)
        if desk
        else _("Desk in network.toml: none (add this chat id to a desk)"),
    ]
    if message.chat.type != "supergroup" or not message.chat.is_forum or not can_manage:
        lines += [
            "",
            _(
                "A desk needs a supergroup with topics enabled, and the bot as an "
                "administrator allowed to manage topics."
            ),
        ]
    await message.reply("\n".join(lines))
