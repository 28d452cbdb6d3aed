"""/whereami: the chat id and whether the bot can work with topics here (for network.toml).

The answer needs the bot's own membership, a Bot API read; it is made when the reply is sent
(a composed outbox message), so the update's transaction never waits for Telegram.
"""

from __future__ import annotations

from aiogram.methods import GetChatMember, SendMessage
from aiogram.types import ChatMemberAdministrator, ChatMemberOwner, ReplyParameters
from aiogram.utils.i18n import I18n

from bot.network.schema import Network
from bot.telegram.courier import Call, Sender, Where
from bot.ui.i18n import _, speaking
from bot.ui.texts import fmt
from storage.models import OutboxMessage

WHEREAMI = "whereami"


class WhereAmI:
    def __init__(self, i18n: I18n, network: Network, bot_id: int) -> None:
        self.i18n = i18n
        self.network = network
        self.bot_id = bot_id

    async def __call__(self, row: OutboxMessage, where: Where | None, send: Sender) -> list[Call]:
        chat = dict(row.payload)
        member = await send(GetChatMember(chat_id=chat["chat_id"], user_id=self.bot_id))
        can_manage = isinstance(member, ChatMemberOwner) or (
            isinstance(member, ChatMemberAdministrator) and bool(member.can_manage_topics)
        )
        with speaking(self.i18n, self.network.default_language):
            text = self._answer(chat, can_manage)
        return [
            Call(
                SendMessage(
                    chat_id=chat["chat_id"],
                    message_thread_id=chat.get("thread_id"),
                    text=text,
                    reply_parameters=ReplyParameters(
                        message_id=chat["reply_to"], allow_sending_without_reply=True
                    ),
                )
            )
        ]

    def _answer(self, chat: dict[str, object], can_manage: bool) -> str:
        desk = self.network.desk_for_chat(int(str(chat["chat_id"])))
        yes, no = _("yes"), _("no")
        lines = [
            fmt(_("Chat: {title}"), title=chat.get("title") or ""),
            _("Chat id: <code>{chat_id}</code>").format(chat_id=chat["chat_id"]),
            fmt(_("Type: {kind}"), kind=chat.get("type")),
            _("Topics enabled: {answer}").format(answer=yes if chat.get("is_forum") else no),
            _("Bot may manage topics: {answer}").format(answer=yes if can_manage else no),
            fmt(_("Desk in network.toml: {desk}"), desk=desk.code)
            if desk
            else _("Desk in network.toml: none (add this chat id to a desk)"),
        ]
        if chat.get("type") != "supergroup" or not chat.get("is_forum") or not can_manage:
            lines += [
                "",
                _(
                    "A desk needs a supergroup with topics enabled, and the bot as an "
                    "administrator allowed to manage topics."
                ),
            ]
        return "\n".join(lines)
