"""The guided tour: four things to try, each ticked off from what the emulator saw happen
(Bot API calls and the chats' messages), never from Beatline's wording or internals."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from demo.content import Params
from demo.state import State, Stored

REFERENCE = re.compile(r"\b[A-Z0-9]{1,6}-\d{2}-\d{3,}\b")
LANGUAGE_PREFIX = re.compile(r"^\s*[a-z]{2,3}\s*:\s*")


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    hint: str
    check: Callable[[State], bool]


def _messages(state: State, chat_id: int) -> Iterator[Stored]:
    for stored in state.messages.get(chat_id, {}).values():
        if not stored.deleted:
            yield stored


def _groups(state: State, kind: str) -> list[int]:
    return [g.id for g in state.world.groups.values() if g.kind == kind]


def _words(data: dict[str, Any]) -> str:
    return str(data.get("text") or data.get("caption") or "")


def _from_bot(state: State, stored: Stored) -> bool:
    return bool(stored.data.get("from", {}).get("id") == state.world.bot_id)


def _identities(state: State) -> list[str]:
    """Everything that would name a resident: names, usernames, ids."""
    found = []
    for person in state.world.residents():
        found += [person.first_name, str(person.id)]
        found += [person.username] if person.username else []
    return [item for item in found if len(item) >= 3]


def reported_anonymously(state: State) -> bool:
    """A burglary topic in a police desk, and nothing that reached it names a resident."""
    burglary = state.world.category_names.get("burglary", "Burglary")
    identities = _identities(state)
    for chat_id in _groups(state, "police"):
        for topic in state.topics.get(chat_id, {}).values():
            if topic.deleted or burglary not in topic.name:
                continue
            calls = [
                c
                for c in state.calls
                if c.ok
                and Params(c.params).number("chat_id") == chat_id
                and Params(c.params).number("message_thread_id") == topic.thread_id
            ]
            if not calls:
                continue
            leaks = any(
                (Params(c.params).number("from_chat_id") or 0) > 0
                or any(i in str(value) for i in identities for value in c.params.values())
                for c in calls
            )
            if not leaks:
                return True
    return False


def _case_topics(state: State, kind: str) -> Iterator[tuple[int, int, str]]:
    for chat_id in _groups(state, kind):
        for topic in state.topics.get(chat_id, {}).values():
            match = REFERENCE.search(topic.name)
            if match and not topic.deleted:
                yield chat_id, topic.thread_id, match.group(0)


def answered_by_officer(state: State) -> bool:
    """An officer wrote in a case topic, and afterwards the resident got a message with its
    reference."""
    for chat_id, thread_id, reference in _case_topics(state, "police"):
        written = [
            s.seq
            for s in _messages(state, chat_id)
            if s.data.get("message_thread_id") == thread_id and not _from_bot(state, s)
        ]
        if not written:
            continue
        first = min(written)
        for resident in state.world.residents():
            if any(
                s.seq > first and _from_bot(state, s) and reference in _words(s.data)
                for s in _messages(state, resident.id)
            ):
                return True
    return False


def referred_to_partner(state: State) -> bool:
    """The partner's group has a topic for a case (created only after the resident agreed)."""
    return any(True for _ in _case_topics(state, "partner"))


def alert_delivered(state: State) -> bool:
    """Words a coordinator wrote in their group reached a resident's private chat."""
    said = []
    for chat_id in _groups(state, "coordinators"):
        for stored in _messages(state, chat_id):
            if not _from_bot(state, stored):
                words = LANGUAGE_PREFIX.sub("", _words(stored.data)).strip()
                if len(words) >= 6 and not words.startswith("/"):
                    said.append((stored.seq, words))
    if not said:
        return False
    for resident in state.world.residents():
        for stored in _messages(state, resident.id):
            if _from_bot(state, stored):
                text = _words(stored.data)
                if any(seq < stored.seq and words in text for seq, words in said):
                    return True
    return False


STEPS = (
    Step(
        "report",
        "Report a burglary anonymously",
        "As a resident: 📝 Report → Burglary → 🕶 Anonymous; add a sample picture "
        "(📎), then 📨 Send report.",
        reported_anonymously,
    ),
    Step(
        "answer",
        "Answer it as an officer",
        "In the desk pane open the new topic and write to the resident.",
        answered_by_officer,
    ),
    Step(
        "refer",
        "Refer it to the partner",
        "In the topic write /refer housing; the resident agrees; the partner's group gets "
        "its own topic.",
        referred_to_partner,
    ),
    Step(
        "alert",
        "Schedule an alert",
        "Residents follow an area with 🔔 Alerts. Then a coordinator sends /announce, picks "
        "areas, writes “en: …”, /done, /skip, “now”, and ✅ Schedule it.",
        alert_delivered,
    ),
)


def progress(state: State) -> list[dict[str, Any]]:
    return [
        {"key": step.key, "title": step.title, "hint": step.hint, "done": step.check(state)}
        for step in STEPS
    ]
