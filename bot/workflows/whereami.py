"""/whereami: the chat id and whether the bot can work with topics here (for network.toml).

The answer needs the bot's own membership, a Bot API read; it is made when the reply is sent
(a composed outbox message), so the update's transaction never waits for Telegram.
"""

from __future__ import annotations

from aiogram.methods import GetChat, GetChatMember, SendMessage
from aiogram.types import ChatFullInfo, ChatMemberAdministrator, ChatMemberOwner, ReplyParameters
from aiogram.utils.i18n import I18n

from bot.network.schema import Network
from bot.telegram.letters import Call, Sender, Where
from bot.ui.i18n import _, speaking
from bot.ui.texts import fmt, staff_rule_name
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
        full: ChatFullInfo = await send(GetChat(chat_id=chat["chat_id"]))
        with speaking(self.i18n, self.network.default_language):
            text = self._answer(chat, can_manage) + self._exposure(full)
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

    def _exposure(self, full: ChatFullInfo) -> str:
        """Warnings for a group that shows case topics to more people than its members."""
        lines = []
        if full.username:
            lines.append(
                fmt(
                    _(
                        "⚠️ This group is public (@{username}): anyone can find it and read "
                        "it. Make it private before it holds cases."
                    ),
                    username=full.username,
                )
            )
        if full.has_visible_history:
            lines.append(
                _(
                    "⚠️ New members can see the history of this group, so everyone who joins "
                    "reads the earlier cases. Turn off “Chat history for new members”."
                )
            )
        rule = self.network.staff_rule(full.id)
        if rule is not None:
            lines.append(fmt(_("Staff here: {rule}"), rule=staff_rule_name(rule.who)))
        return "".join("\n" + line for line in lines)
