"""aiogram routers, one module per surface; `create_routers` scopes each to its chats."""

from __future__ import annotations

from aiogram import F, Router

from bot.network.schema import Network
from handlers import common, stats
from handlers.coordinator import announce, manage
from handlers.desk import case_commands, staff
from handlers.filters import Match
from handlers.resident import (
    case_views,
    conversation,
    onboarding,
    pulse,
    report,
    subscriptions,
)


def create_routers(network: Network) -> list[Router]:
    """Fresh routers for one Dispatcher, private-chat ones apart from the staff-group one."""
    citizen = Router(name="citizen")
    citizen.message.filter(Match(F.chat.type == "private"))
    citizen.edited_message.filter(Match(F.chat.type == "private"))
    citizen.callback_query.filter(Match(F.message.chat.type == "private"))
    citizen.include_routers(
        onboarding.create_router(),
        report.create_router(),
        subscriptions.create_router(),
        pulse.create_router(),
        case_views.create_router(),
        conversation.create_router(),
    )
    desks = Router(name="desks")
    desks.message.filter(Match(F.chat.id.in_(network.staff_chat_ids)))
    desks.edited_message.filter(Match(F.chat.id.in_(network.staff_chat_ids)))
    desks.callback_query.filter(Match(F.message.chat.id.in_(network.staff_chat_ids)))
    desks.include_routers(case_commands.create_router(), staff.create_router())
    # Statistics go before the desks' routers, which take every other command in a topic.
    routers = [common.create_router(), stats.create_router(network), citizen, desks]
    if network.coordinators_chat_id is not None:
        routers += [announce.create_router(network), manage.create_router(network)]
    return routers
