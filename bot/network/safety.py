"""Safety settings of the network file: the emergency number and keywords, what one resident
may do, who counts as staff in a desk's group, and which alerts need a second coordinator."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bot.network.base import LanguageCode, Strict

# Words that suggest someone is in danger right now; a network file may replace them per language.
DEFAULT_EMERGENCY_KEYWORDS: dict[str, tuple[str, ...]] = {
    "en": (
        "emergency",
        "help me",
        "in danger",
        "fire",
        "weapon",
        "gun",
        "knife",
        "stabbed",
        "shot",
        "bleeding",
        "unconscious",
        "not breathing",
        "overdose",
        "suicide",
        "kill myself",
        "rape",
        "kidnapped",
        "attacked",
        "being followed",
        "break-in now",
    ),
    "nl": (
        "noodgeval",
        "help mij",
        "help me",
        "in gevaar",
        "brand",
        "wapen",
        "pistool",
        "mes",
        "gestoken",
        "neergeschoten",
        "bloedt",
        "bewusteloos",
        "ademt niet",
        "overdosis",
        "zelfmoord",
        "verkracht",
        "verkrachting",
        "ontvoerd",
        "aangevallen",
        "word gevolgd",
        "inbraak nu",
    ),
}


class Limits(Strict):
    """What one resident may do, so one person cannot flood a desk (emergencies always pass)."""

    open_cases: int = Field(default=5, ge=1)
    followups_per_minute: int = Field(default=20, ge=1)
    # A message written this soon after a case closed still goes to that case's topic.
    after_closing_days: int = Field(default=7, ge=0)


class Emergency(Strict):
    """The emergency number, and keywords that make a message urgent."""

    number: str = "112"
    keywords: dict[LanguageCode, tuple[str, ...]] = Field(
        default_factory=lambda: dict(DEFAULT_EMERGENCY_KEYWORDS)
    )


class Staff(Strict):
    """Who in a desk's (or the coordinators') group acts as staff.

    `members` (the default): everyone in the group. `admins`: the group's administrators only.
    `ids`: only the Telegram user ids listed (a message the group posts as itself names nobody,
    so it does not pass this rule). Telegram cannot keep people out of a group's history, so the
    bot warns in the group when someone joins who would not pass.
    """

    who: Literal["members", "admins", "ids"] = "members"
    ids: tuple[int, ...] = ()

    def admits(self, user_id: int | None, is_admin: bool) -> bool:
        """Whether this person (None: the group posting as itself, an admin) is staff here."""
        if self.who == "members":
            return True
        if self.who == "admins":
            return is_admin
        return user_id is not None and user_id in self.ids

    def describe(self) -> str:
        if self.who == "ids":
            return f"ids: {', '.join(str(i) for i in self.ids) or 'none'}"
        return self.who


class Approvals(Strict):
    """An urgent alert to more residents than this needs a second coordinator's approval."""

    urgent_above: int = Field(default=500, ge=0)
