"""Filters shared by the citizen handlers."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import Message
from aiogram.utils.i18n import I18n

from bot.i18n import translate_all
from storage.models import Citizen


class MenuButton(Filter):
    """A main-menu button, recognised in any language (the keyboard may predate a switch)."""

    def __init__(self, msgid: str) -> None:
        self.msgid = msgid
        self._labels: frozenset[str] | None = None

    async def __call__(self, message: Message, i18n: I18n) -> bool:
        if message.text is None:
            return False
        if self._labels is None:  # catalogs are loaded once, so the labels never change
            self._labels = frozenset(translate_all(i18n, self.msgid))
        return message.text in self._labels


class Consented(Filter):
    """The citizen has accepted the privacy notice."""

    async def __call__(self, _event: object, citizen: Citizen | None) -> bool:
        return citizen is not None and citizen.consent_at is not None
