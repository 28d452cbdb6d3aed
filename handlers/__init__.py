"""aiogram routers, one module per surface; `create_routers` scopes each to its chats."""

from __future__ import annotations

from aiogram import F, Router

from bot.network.schema import Network
from handlers import common, fallback, stats
from handlers.context import Context, provide
from handlers.coordinator import announce, audit, manage
from handlers.desk import bans, case_commands, members, moves, outsiders, staff
from handlers.filters import Match, StaffOnly
from handlers.resident import (
    case_choice,
    case_views,
    followups,
    language_offer,
    onboarding,
    pulse,
    report,
    rights,
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
        rights.create_router(),
        followups.create_router(),
        case_choice.create_router(),
        language_offer.create_router(),
        followups.create_stale_router(),
    )
    desks = Router(name="desks")
    desks.message.filter(Match(F.chat.id.in_(network.staff_chat_ids)), StaffOnly())
    desks.edited_message.filter(Match(F.chat.id.in_(network.staff_chat_ids)), StaffOnly())
    desks.callback_query.filter(Match(F.message.chat.id.in_(network.staff_chat_ids)), StaffOnly())
    desks.include_routers(
        case_commands.create_router(),
        moves.create_router(),
        bans.create_router(),
        staff.create_router(),
    )
    # Statistics go before the desks' routers, which take every other command in a topic.
    routers = [common.create_router(), stats.create_router(network), citizen, desks]
    staff_groups = set(network.staff_chat_ids)
    if network.coordinators_chat_id is not None:
        staff_groups.add(network.coordinators_chat_id)
        coordinators = Router(name="coordinators")
        coordinators.message.filter(StaffOnly())
        coordinators.callback_query.filter(StaffOnly())
        coordinators.include_routers(
            announce.create_router(network),
            manage.create_router(network),
            audit.create_router(network),
        )
        routers.append(coordinators)
    routers += [outsiders.create_router(staff_groups), members.create_router(staff_groups)]
    routers.append(fallback.create_router())  # last: answers any button nothing else took
    # Every message and button handler below these routers gets the update's tools as `ctx`.
    return [provide(router, "ctx", Context.of) for router in routers]
