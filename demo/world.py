"""Who and what exists in the demo: the bot, the people the visitor can act as, and the groups,
which are read from the network file so the emulator and Beatline agree on every chat id."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEMO_TOKEN = "7000000001:DEMO-local-emulator-token-not-for-telegram"
BOT_USERNAME = "beatline_demo_bot"
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur"})


@dataclass(frozen=True)
class Person:
    """A Telegram user the visitor can act as."""

    id: int
    first_name: str
    role: str  # resident | officer | partner | coordinator
    language_code: str = "en"
    last_name: str = ""
    username: str = ""
    note: str = ""  # shown in the page's chooser

    def as_user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        user["language_code"] = self.language_code
        return user


@dataclass(frozen=True)
class Group:
    """A supergroup: a desk's (with topics) or the coordinators' (without)."""

    id: int
    title: str
    kind: str  # police | partner | coordinators
    code: str
    members: tuple[int, ...]

    @property
    def is_forum(self) -> bool:
        return self.kind != "coordinators"

    def as_chat(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": "supergroup", "title": self.title}
        if self.is_forum:
            chat["is_forum"] = True
        return chat


@dataclass(frozen=True)
class Place:
    """A point the visitor can share as a location."""

    label: str
    latitude: float
    longitude: float


@dataclass
class World:
    bot_id: int
    people: dict[int, Person]
    groups: dict[int, Group]
    places: list[Place]
    category_names: dict[str, str] = field(default_factory=dict)  # code -> staff-language name

    def bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Beatline",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def bot_user_short(self) -> dict[str, Any]:
        """The bot as the sender of its messages."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Beatline",
            "username": BOT_USERNAME,
        }

    def residents(self) -> list[Person]:
        return [p for p in self.people.values() if p.role == "resident"]

    def private_chat(self, user_id: int) -> dict[str, Any]:
        person = self.people[user_id]
        chat: dict[str, Any] = {
            "id": person.id,
            "type": "private",
            "first_name": person.first_name,
        }
        if person.last_name:
            chat["last_name"] = person.last_name
        if person.username:
            chat["username"] = person.username
        return chat

    def chat(self, chat_id: int) -> dict[str, Any] | None:
        if chat_id in self.groups:
            return self.groups[chat_id].as_chat()
        if chat_id in self.people:
            return self.private_chat(chat_id)
        return None


RESIDENTS = (
    Person(7101, "Anna", "resident", "en", "Smith", "anna_demo", "English"),
    Person(7102, "Bram", "resident", "nl", "de Vries", "bram_demo", "Nederlands"),
    Person(7103, "ليلى", "resident", "ar", "", "layla_demo", "العربية (Layla)"),
    Person(7104, "Oksana", "resident", "uk", "Koval", "oksana_demo", "Українська"),
)
COORDINATOR = Person(7401, "Coco", "coordinator", "en", "Jansen", "", "coordinator")
# One officer per police desk and one worker for the partner, in desk order.
STAFF_NAMES = (("Sam", "Bakker"), ("Noor", "Visser"), ("Pim", "de Boer"), ("Ilse", "Mulder"))


def load_world(network_file: Path, token: str = DEMO_TOKEN) -> World:
    """The demo's people and groups, with the groups taken from `network_file`."""
    network = tomllib.loads(network_file.read_text(encoding="utf-8"))
    language = network.get("default_language", "en")
    people: dict[int, Person] = {p.id: p for p in RESIDENTS}
    people[COORDINATOR.id] = COORDINATOR
    groups: dict[int, Group] = {}
    for index, desk in enumerate(network.get("desks", [])):
        first, last = STAFF_NAMES[index % len(STAFF_NAMES)]
        role = "officer" if desk["kind"] == "police" else "partner"
        worker = Person(7200 + index, first, role, language, last, "", desk["code"])
        people[worker.id] = worker
        names = desk.get("names", {})
        title = names.get(language) or next(iter(names.values()), desk["code"])
        groups[desk["chat_id"]] = Group(
            desk["chat_id"], title, desk["kind"], desk["code"], (worker.id,)
        )
    coordinators = network.get("coordinators_chat_id")
    if coordinators is not None:
        groups[coordinators] = Group(
            coordinators, "Coordinators", "coordinators", "coordinators", (COORDINATOR.id,)
        )
    return World(
        bot_id=int(token.split(":", 1)[0]),
        people=people,
        groups=groups,
        places=_places(network, language),
        category_names={
            c["code"]: c.get("names", {}).get(language, c["code"])
            for c in network.get("categories", [])
        },
    )


def _places(network: dict[str, Any], language: str) -> list[Place]:
    """One point inside each area: the polygon's middle or the area's centre."""
    places = []
    for area in network.get("areas", []):
        name = area.get("names", {}).get(language, area["code"])
        if "polygon" in area:
            points = area["polygon"]
            latitude = sum(p[0] for p in points) / len(points)
            longitude = sum(p[1] for p in points) / len(points)
        elif "centre" in area:
            latitude, longitude = area["centre"]
        else:
            continue
        places.append(Place(name, round(latitude, 5), round(longitude, 5)))
    return places
