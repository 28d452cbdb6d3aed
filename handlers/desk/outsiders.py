"""People in a staff group who are not staff under its rule (network.toml `staff`): what they
write in a case topic, their commands and their buttons reach nobody, and they are told so.
Their chatter in the General topic is left alone."""

from __future__ import annotations

from collections.abc import Iterable

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from bot.network.schema import Network
from bot.ui.i18n import _
from bot.ui.texts import staff_rule_name
from handlers.context import Context
from handlers.filters import Match, StaffOnly, WrittenByStaff


def create_router(chat_ids: Iterable[int]) -> Router:
    chats = frozenset(chat_ids)
    router = Router(name=__name__)
    router.message.filter(Match(F.chat.id.in_(chats)), WrittenByStaff(), StaffOnly(passes=False))
    router.callback_query.filter(Match(F.message.chat.id.in_(chats)), StaffOnly(passes=False))
    router.message.register(on_message, Match(F.message_thread_id | F.text.startswith("/")))
    router.callback_query.register(on_button)
    return router


def _refusal(chat_id: int, network: Network) -> str:
    rule = network.staff_rule(chat_id)
    return _(
        "Only this group's staff ({rule}) can work on cases here. Nothing was passed on."
    ).format(rule=staff_rule_name(rule.who if rule else "ids"))


async def on_message(message: Message, ctx: Context) -> None:
    ctx.outbox.send(message.reply(_refusal(message.chat.id, ctx.network)))


async def on_button(query: CallbackQuery, ctx: Context) -> None:
    assert query.message is not None
    ctx.outbox.answer(query.answer(_refusal(query.message.chat.id, ctx.network), show_alert=True))
