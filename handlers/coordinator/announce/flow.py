"""What the /announce wizard's steps share: its states and the `AnnounceWizard` its handlers
get, with the draft kept in the conversation."""

from __future__ import annotations

import re

from aiogram.fsm.state import State, StatesGroup

from bot.ui.announcing import AnnounceStep
from bot.workflows.announcements import AnnounceDraft
from handlers.wizard import Wizard

TEXT_LINE = re.compile(r"^\s*([a-z]{2,3})\s*:\s*(.+)$", re.DOTALL)


class AnnounceForm(StatesGroup):
    """A step answered with buttons waits in the state named after its `AnnounceStep`; the texts
    and the photo are answered with messages."""

    areas = State(AnnounceStep.AREAS)
    topics = State(AnnounceStep.TOPICS)
    priority = State(AnnounceStep.PRIORITY)
    texts = State()
    photo = State()
    when = State(AnnounceStep.WHEN)
    until = State(AnnounceStep.UNTIL)
    confirm = State(AnnounceStep.CONFIRM)

    @classmethod
    def at(cls, step: AnnounceStep) -> State:
        """The state in which the buttons of `step` are live."""
        name = f"{cls.__full_group_name__}:{step}"
        return next(state for state in cls.__states__ if state.state == name)


class AnnounceWizard(Wizard):
    """The /announce wizard's conversation in the coordinators' group."""

    async def draft(self) -> AnnounceDraft:
        return AnnounceDraft.of(await self.state.get_data())
