"""Moving messages between a citizen's private chat and the case topic in a desk's supergroup.

Everything here writes to the outbox; nothing waits for Telegram (the courier sends after the
update's transaction commits). Identified and confidential cases are relayed with
copyMessage(s), which never shows a "forwarded from" header. Anonymous cases are re-sent from
their content (text, file ids, coordinates), so no request to a staff chat even names the
citizen's chat. Messages `into_topic` reach the case's current topic; the courier creates it,
with the case card, when the case has none (or staff deleted it).

The parts: the topic keeper (bot.workflows.relay.topic), citizen → desk (to_desk), desk →
citizen (to_resident); anonymous re-sends are built in bot.workflows.anonymous.
"""

from bot.workflows.relay.base import (
    DELIVERED,
    OPEN_TOPIC,
    REFRESH_CARD,
    RELAYABLE,
    SYSTEM_RECORD,
    TO_CITIZEN,
    TO_DESK,
    TO_RESIDENT,
    UNDELIVERED,
)
from bot.workflows.relay.to_desk import ToDesk
from bot.workflows.relay.to_resident import ToResident


class Relay(ToDesk, ToResident):
    """The Telegram side of a case for one transaction: queues messages, never sends them."""


__all__ = [
    "DELIVERED",
    "OPEN_TOPIC",
    "REFRESH_CARD",
    "RELAYABLE",
    "SYSTEM_RECORD",
    "TO_CITIZEN",
    "TO_DESK",
    "TO_RESIDENT",
    "UNDELIVERED",
    "Relay",
]
