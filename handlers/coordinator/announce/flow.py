"""What the /announce wizard's steps share: its states and the `AnnounceWizard` its handlers
get, with the draft kept in the conversation."""

from __future__ import annotations

import re

from aiogram.fsm.state import State, StatesGroup

from bot.workflows.announcements import AnnounceDraft
from handlers.wizard import Wizard

TEXT_LINE = re.compile(r"^\s*([a-z]{2,3})\s*:\s*(.+)$", re.DOTALL)


class AnnounceForm(StatesGroup):
    areas = State()
    topics = State()
    priority = State()
    texts = State()
    photo = State()
    when = State()
    until = State()
    confirm = State()


class AnnounceWizard(Wizard):
    """The /announce wizard's conversation in the coordinators' group."""

    async def draft(self) -> AnnounceDraft:
        return AnnounceDraft.of(await self.state.get_data())
