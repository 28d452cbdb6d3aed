"""Joins, promotions and demotions in staff groups: the administrators' list is kept current
for admins-only desks, and someone who joins but is not staff under the group's rule is
pointed out, since Telegram shows them the group's case topics all the same."""

from __future__ import annotations

from collections.abc import Iterable

from aiogram import F, Router
from aiogram.methods import SendMessage
from aiogram.types import ChatMemberUpdated

from bot.network.schema import Network
from bot.telegram.admins import ADMIN_STATUSES, GroupAdmins
from bot.telegram.outbox import Outbox
from bot.ui.i18n import _, speaking
from bot.ui.texts import fmt, staff_rule_name
from bot.workflows.relay import Relay
from handlers.filters import Match

OUTSIDE = frozenset({"left", "kicked"})


def create_router(chat_ids: Iterable[int]) -> Router:
    router = Router(name=__name__)
    router.chat_member.register(on_member, Match(F.chat.id.in_(frozenset(chat_ids))))
    return router


async def on_member(
    event: ChatMemberUpdated, outbox: Outbox, network: Network, admins: GroupAdmins, relay: Relay
) -> None:
    admins.member_changed(event)
    rule = network.staff_rule(event.chat.id)
    old, new = event.old_chat_member.status, event.new_chat_member.status
    if rule is None or old not in OUTSIDE or new in OUTSIDE:
        return
    person = event.new_chat_member.user
    if rule.admits(person.id, new in ADMIN_STATUSES):
        return
    with speaking(relay.i18n, network.default_language):
        warning = fmt(
            _(
                "⚠️ {name} joined this group but is not staff here ({rule}): nothing they write "
                "reaches residents, yet they can read every case topic. Remove them if they "
                "should not."
            ),
            name=person.full_name,
            rule=staff_rule_name(rule.who),
        )
    outbox.send(SendMessage(chat_id=event.chat.id, text=warning))
