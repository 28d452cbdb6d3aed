"""Desks (police teams and partners, each in its staff supergroups) and the routing rules that
send a report to one of them."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, field_validator, model_validator

from bot.network.base import Code, LanguageCode, Named, Strict
from bot.network.duty import DutyHours
from bot.network.safety import Staff
from bot.network.standards import Open311


class DeskKind(StrEnum):
    POLICE = "police"
    PARTNER = "partner"


class Desk(Named):
    """A team working in its own staff supergroup (or several: `chat_ids`).

    `categories`/`areas` are shorthand for a routing rule to this desk (see Network.rules).
    Telegram lets a bot post about 20 messages a minute into one group; a busy desk lists
    more supergroups in `chat_ids`, and each new case goes to the least busy of them.
    """

    kind: DeskKind
    chat_id: int | None  # required, except beside an `open311` endpoint (see _endpoint_only)
    chat_ids: tuple[int, ...] = ()
    categories: tuple[Code, ...] = ()
    areas: tuple[Code, ...] = ()
    languages: tuple[LanguageCode, ...] = ()
    duty: DutyHours | None = None  # None: always staffed
    response_minutes: int | None = Field(default=None, gt=0)
    escalation_chat_id: int | None = None
    staff: Staff = Field(default_factory=Staff)
    open311: Open311 | None = None

    @model_validator(mode="before")
    @classmethod
    def _endpoint_only(cls, data: object) -> object:
        """A desk with an `open311` endpoint may have no group; any other desk still gets
        pydantic's own "chat_id: Field required"."""
        if isinstance(data, dict) and "open311" in data and "chat_id" not in data:
            return {**data, "chat_id": None}
        return data

    @field_validator("chat_id")
    @classmethod
    def _supergroup_id(cls, value: int | None) -> int | None:
        if value is not None and value >= 0:
            msg = "must be a supergroup id (negative, e.g. -1001234567890); /whereami shows it"
            raise ValueError(msg)
        return value

    @field_validator("chat_ids")
    @classmethod
    def _supergroup_ids(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        for chat in value:
            cls._supergroup_id(chat)
        return value

    @property
    def groups(self) -> tuple[int, ...]:
        """Every supergroup of the desk, the first (`chat_id`) first (none for a partner that
        is only an Open311 endpoint)."""
        first = () if self.chat_id is None else (self.chat_id,)
        return tuple(dict.fromkeys((*first, *self.chat_ids)))

    def shorthand_rule(self) -> Rule | None:
        if self.kind is not DeskKind.POLICE or not (self.categories or self.areas):
            return None
        return Rule(desk=self.code, categories=self.categories, areas=self.areas)


class Rule(Strict):
    """Reports matching every given list (an empty list matches anything) go to `desk`."""

    desk: Code
    categories: tuple[Code, ...] = ()
    areas: tuple[Code, ...] = ()
    languages: tuple[LanguageCode, ...] = ()

    def matches(self, category: str, area: str, language: str) -> bool:
        return (
            (not self.categories or category in self.categories)
            and (not self.areas or area in self.areas)
            and (not self.languages or language in self.languages)
        )

    def describe(self) -> str:
        parts = [
            f"{name} in {', '.join(values)}"
            for name, values in (
                ("category", self.categories),
                ("area", self.areas),
                ("language", self.languages),
            )
            if values
        ]
        return " and ".join(parts) or "anything"
