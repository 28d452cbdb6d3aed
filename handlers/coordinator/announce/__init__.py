"""/announce in the coordinators' group, one handler per step: areas → topics → priority →
texts per language (/done) → photo (/skip) → when → until (recurring only) → preview and
summary → schedule. A button of a step that is already answered says it is no longer active."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter

from bot.network.schema import Network
from bot.ui.announcing import AnnounceStep, PickCb
from handlers.coordinator.announce.audience import cb_area, cb_priority, cb_topic, cmd_announce
from handlers.coordinator.announce.confirming import cb_confirm, cmd_stop
from handlers.coordinator.announce.content import (
    on_done,
    on_not_a_photo,
    on_photo,
    on_skip_photo,
    on_text,
)
from handlers.coordinator.announce.flow import AnnounceForm, AnnounceWizard
from handlers.coordinator.announce.timing import cb_until, cb_when, on_until, on_when
from handlers.filters import Match
from handlers.wizard import with_wizard


def create_router(network: Network) -> Router:
    router = with_wizard(Router(name=__name__), AnnounceWizard.of)
    router.message.filter(Match(F.chat.id == network.coordinators_chat_id))
    router.callback_query.filter(Match(F.message.chat.id == network.coordinators_chat_id))
    router.message.register(cmd_announce, Command("announce"))
    router.message.register(cmd_stop, Command("cancel"), StateFilter(AnnounceForm))
    buttons = {
        AnnounceStep.AREAS: cb_area,
        AnnounceStep.TOPICS: cb_topic,
        AnnounceStep.PRIORITY: cb_priority,
        AnnounceStep.WHEN: cb_when,
        AnnounceStep.UNTIL: cb_until,
        AnnounceStep.CONFIRM: cb_confirm,
    }
    for step, handler in buttons.items():
        router.callback_query.register(
            handler, PickCb.filter(F.step == step), StateFilter(AnnounceForm.at(step))
        )
    router.message.register(on_done, Command("done"), StateFilter(AnnounceForm.texts))
    router.message.register(on_text, StateFilter(AnnounceForm.texts))
    router.message.register(on_skip_photo, Command("skip"), StateFilter(AnnounceForm.photo))
    router.message.register(on_photo, Match(F.photo), StateFilter(AnnounceForm.photo))
    router.message.register(on_not_a_photo, StateFilter(AnnounceForm.photo))
    router.message.register(on_when, StateFilter(AnnounceForm.when))
    router.message.register(on_until, StateFilter(AnnounceForm.until))
    return router
