"""The contact network read and validated from network.toml: the whole file, its cross-checks
(every code a desk or rule names exists), and the lookups and routing built on it. Its parts
are in bot.network.areas, desks, duty, safety, standards, pulse and retention."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator

from bot.network.areas import Area, Category, Topic
from bot.network.base import Code, LanguageCode, Named, NetworkError, Strict
from bot.network.desks import Desk, DeskKind, Rule
from bot.network.geometry import contains, distance_km
from bot.network.pulse import Pulse
from bot.network.retention import Retention
from bot.network.safety import Approvals, Emergency, Limits, Staff
from bot.network.standards import Cap

# Languages Beatline tells apart by default (issue: interface languages plus frequent others).
DEFAULT_LANGUAGES: tuple[str, ...] = (
    "en",
    "nl",
    "de",
    "fr",
    "es",
    "it",
    "pt",
    "pl",
    "ro",
    "sq",
    "uk",
    "ru",
    "tr",
    "ar",
    "el",
    "fa",
    "sr",
    "so",
    "ti",
)


class Network(Strict):
    """The whole network file."""

    default_language: LanguageCode = "en"
    timezone: str = "UTC"
    default_desk: Code
    coordinators_chat_id: int | None = None
    coordinators_staff: Staff = Field(default_factory=Staff)
    approvals: Approvals = Field(default_factory=Approvals)
    pulse: Pulse = Field(default_factory=Pulse)
    languages: tuple[LanguageCode, ...] = DEFAULT_LANGUAGES
    emergency: Emergency = Field(default_factory=Emergency)
    limits: Limits = Field(default_factory=Limits)
    retention: Retention = Field(default_factory=Retention)
    areas: tuple[Area, ...]
    categories: tuple[Category, ...]
    desks: tuple[Desk, ...]
    rules: tuple[Rule, ...] = ()
    topics: tuple[Topic, ...] = ()
    cap: Cap = Field(default_factory=Cap)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            msg = f"unknown time zone {value!r} (use an IANA name like Europe/Amsterdam)"
            raise ValueError(msg) from exc
        return value

    @field_validator("areas", "categories", "desks")
    @classmethod
    def _unique_codes(cls, value: Sequence[Named]) -> Sequence[Named]:
        if not value:
            msg = "needs at least one entry"
            raise ValueError(msg)
        seen: set[str] = set()
        for item in value:
            if item.code in seen:
                msg = f"code {item.code!r} is used twice"
                raise ValueError(msg)
            seen.add(item.code)
        return value

    # One validator per kind of reference; pydantic runs "after" validators in order.
    @model_validator(mode="after")
    def _desk_references(self) -> Self:
        """Each desk names known categories and areas, and no group serves two desks."""
        areas = {a.code for a in self.areas}
        categories = {c.code for c in self.categories}
        chats: dict[int, str] = {}
        for index, desk in enumerate(self.desks):
            _known(f"desks.{index}.categories", "category", desk.categories, categories)
            _known(f"desks.{index}.areas", "area", desk.areas, areas)
            if desk.kind is DeskKind.PARTNER and desk.chat_ids:
                msg = f"desks.{index}.chat_ids: a partner works in one group (chat_id)"
                raise ValueError(msg)
            if desk.open311 is not None and desk.kind is not DeskKind.PARTNER:
                msg = f"desks.{index}.open311: only a partner desk can be an Open311 endpoint"
                raise ValueError(msg)
            for chat in desk.groups:
                if chat in chats:
                    msg = f"desks.{index}.chat_id: {chat} is already used by desk {chats[chat]!r}"
                    raise ValueError(msg)
                chats[chat] = desk.code
        return self

    @model_validator(mode="after")
    def _topic_codes(self) -> Self:
        codes = [t.code for t in self.topics]
        if len(set(codes)) != len(codes):
            msg = "topics: a code is used twice"
            raise ValueError(msg)
        return self

    @model_validator(mode="after")
    def _rule_references(self) -> Self:
        """Each routing rule sends to a known police desk, for known categories, areas and
        languages."""
        desks = self.desks_by_code()
        for index, rule in enumerate(self.rules):
            target = desks.get(rule.desk)
            if target is None:
                msg = f"rules.{index}.desk: unknown desk {rule.desk!r}"
                raise ValueError(msg)
            if target.kind is not DeskKind.POLICE:
                msg = f"rules.{index}.desk: {rule.desk!r} is a partner; reports go to police desks"
                raise ValueError(msg)
            _known(
                f"rules.{index}.categories",
                "category",
                rule.categories,
                {c.code for c in self.categories},
            )
            _known(f"rules.{index}.areas", "area", rule.areas, {a.code for a in self.areas})
            for code in rule.languages:
                if code not in self.languages:
                    msg = f"rules.{index}.languages: {code!r} is not in `languages`"
                    raise ValueError(msg)
        return self

    @model_validator(mode="after")
    def _default_desk(self) -> Self:
        default = self.desks_by_code().get(self.default_desk)
        if default is None:
            msg = f"default_desk: unknown desk {self.default_desk!r}"
            raise ValueError(msg)
        if default.kind is not DeskKind.POLICE:
            msg = "default_desk: must be a police desk (partners only see cases referred to them)"
            raise ValueError(msg)
        return self

    def desks_by_code(self) -> dict[str, Desk]:
        return {desk.code: desk for desk in self.desks}

    def area(self, code: str) -> Area | None:
        return next((a for a in self.areas if a.code == code), None)

    def topic(self, code: str) -> Topic | None:
        return next((t for t in self.topics if t.code == code), None)

    def category(self, code: str) -> Category | None:
        return next((c for c in self.categories if c.code == code), None)

    def desk(self, code: str) -> Desk:
        return self.desks_by_code()[code]

    def staff_rule(self, chat_id: int) -> Staff | None:
        """Who counts as staff in this group (None: not a staff group of this network)."""
        if chat_id == self.coordinators_chat_id:
            return self.coordinators_staff
        desk = self.desk_for_chat(chat_id)
        return desk.staff if desk is not None else None

    @property
    def admin_ruled_chats(self) -> tuple[int, ...]:
        """The groups whose staff are their administrators: their lists are read from Telegram."""
        chats = [chat for desk in self.desks if desk.staff.who == "admins" for chat in desk.groups]
        if self.coordinators_chat_id is not None and self.coordinators_staff.who == "admins":
            chats.append(self.coordinators_chat_id)
        return tuple(chats)

    def desk_for_chat(self, chat_id: int) -> Desk | None:
        return next((d for d in self.desks if chat_id in d.groups), None)

    @property
    def staff_chat_ids(self) -> frozenset[int]:
        return frozenset(chat for desk in self.desks for chat in desk.groups)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def routing_rules(self) -> tuple[Rule, ...]:
        """Explicit rules first, then each police desk's categories/areas shorthand."""
        shorthand = (desk.shorthand_rule() for desk in self.desks)
        return self.rules + tuple(rule for rule in shorthand if rule is not None)

    def route(self, category: str, area: str, language: str = "") -> Desk:
        """The desk of the first rule that matches, else the default desk."""
        for rule in self.routing_rules:
            if rule.matches(category, area, language):
                return self.desk(rule.desk)
        return self.desk(self.default_desk)

    def locate(self, latitude: float, longitude: float) -> Area | None:
        """The area containing the point, else the one whose centre is nearest, else None."""
        point = (latitude, longitude)
        for area in self.areas:
            if area.polygon and contains(area.polygon, point):
                return area
        candidates = [(area, area.middle()) for area in self.areas]
        placed = [(distance_km(point, middle), area) for area, middle in candidates if middle]
        return min(placed, key=lambda pair: pair[0])[1] if placed else None


def _describe(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(file)"
        text = item["msg"].removeprefix("Value error, ")
        lines.append(f"  {where}: {text}")
    return "\n".join(lines)


def parse_network(text: str, source: str = "network file") -> Network:
    """Parse and validate network TOML text, raising NetworkError with a readable message."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = f"{source} is not valid TOML: {exc}"
        raise NetworkError(msg) from exc
    try:
        return Network.model_validate(raw)
    except ValidationError as exc:
        msg = f"{source} has {exc.error_count()} problem(s):\n{_describe(exc)}"
        raise NetworkError(msg) from exc


def load_network(path: Path) -> Network:
    """Read the network file at `path`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        msg = (
            f"network file {str(path)!r} not found: copy network.example.toml to {path} "
            "and fill in your areas, categories and desks "
            "(NETWORK_FILE in .env names another file)"
        )
        raise NetworkError(msg) from exc
    return parse_network(text, source=str(path))


def _known(where: str, kind: str, codes: Sequence[str], known: set[str]) -> None:
    """Raise "<where>: unknown <kind> '<code>'" for the first code not in `known`."""
    unknown = [code for code in codes if code not in known]
    if unknown:
        msg = f"{where}: unknown {kind} {unknown[0]!r}"
        raise ValueError(msg)
