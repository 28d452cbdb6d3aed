"""The XML of one CAP 1.2 message: an `Alert` or `Update` with an `<info>` per language and
an `<area>` per targeted area, or a `Cancel` of earlier ones; built with the standard library."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from bot.network.areas import Area
from bot.network.schema import Network
from storage.models import Announcement, CapMessage

NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
CAP_MEDIA_TYPE = "application/cap+xml"
HEADLINE_LIMIT = 160  # CAP asks for headlines short enough for a text message
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


class MsgType(StrEnum):
    ALERT = "Alert"
    UPDATE = "Update"
    CANCEL = "Cancel"


@dataclass(frozen=True)
class Gravity:
    """CAP's three words for how pressing, how bad and how sure an alert is."""

    urgency: str
    severity: str
    certainty: str


# A coordinator marks an alert urgent or not; that is all Beatline knows of its gravity.
# Urgent: act now, a threat to people or property, issued about something that happened.
# Otherwise: an advisory for the near future with a possible threat, likely to matter.
URGENT = Gravity(urgency="Immediate", severity="Severe", certainty="Observed")
ADVISORY = Gravity(urgency="Future", severity="Moderate", certainty="Likely")


def gravity(urgent: bool) -> Gravity:
    return URGENT if urgent else ADVISORY


def cap_time(moment: datetime) -> str:
    """A CAP date-time: seconds, and the offset written out (`+00:00`, never `Z`)."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def _number(value: float) -> str:
    # Fixed notation: a coordinate must never come out as 1e-05.
    return f"{value:.6f}".rstrip("0").rstrip(".")


def polygon_text(points: Sequence[tuple[float, float]]) -> str:
    """ "lat,lon lat,lon …", closed (the first point repeated at the end) as CAP requires."""
    ring = list(points)
    if ring[0] != ring[-1]:
        ring.append(ring[0])
    return " ".join(f"{_number(lat)},{_number(lon)}" for lat, lon in ring)


def circle_text(centre: tuple[float, float], radius_km: float) -> str:
    return f"{_number(centre[0])},{_number(centre[1])} {_number(radius_km)}"


def headline(text: str) -> str:
    """The first line of the alert, cut to CAP's suggested length."""
    first = text.strip().splitlines()[0].strip() if text.strip() else ""
    if len(first) <= HEADLINE_LIMIT:
        return first
    return first[: HEADLINE_LIMIT - 1].rstrip() + "…"


def _sub(parent: ET.Element, name: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{NAMESPACE}}}{name}")
    if text is not None:
        element.text = text
    return element


def _document(root: ET.Element) -> str:
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode", default_namespace=NAMESPACE)
    return XML_DECLARATION + body + "\n"


def _head(network: Network, message: CapMessage) -> ET.Element:
    root = ET.Element(f"{{{NAMESPACE}}}alert")
    _sub(root, "identifier", message.identifier)
    _sub(root, "sender", network.cap.sender)
    _sub(root, "sent", cap_time(message.sent_at))
    _sub(root, "status", network.cap.status.value)
    _sub(root, "msgType", message.msg_type)
    _sub(root, "scope", "Public")
    return root


def _areas(announcement: Announcement, network: Network) -> list[tuple[str, Area | None]]:
    """(code, its area) of every targeted area; no areas means the whole network."""
    codes = list(announcement.areas) or [area.code for area in network.areas]
    return [(code, network.area(code)) for code in codes]


def _categories(announcement: Announcement, network: Network) -> list[str]:
    chosen = [network.topic(code) for code in announcement.topics]
    named = [topic.cap_category.value for topic in chosen if topic and topic.cap_category]
    return list(dict.fromkeys(named)) or [network.cap.category.value]


def _event(announcement: Announcement, network: Network, language: str) -> str:
    fallback = network.default_language
    names = [
        topic.name(language, fallback)
        for topic in (network.topic(code) for code in announcement.topics)
        if topic is not None
    ]
    if names:
        return ", ".join(names)
    events = network.cap.event
    return events.get(language) or events.get(fallback) or next(iter(events.values()))


def _area(info: ET.Element, code: str, area: Area | None, language: str, network: Network) -> None:
    element = _sub(info, "area")
    _sub(element, "areaDesc", area.name(language, network.default_language) if area else code)
    if area is None:
        return
    if area.polygon:
        _sub(element, "polygon", polygon_text(area.polygon))
    elif area.centre is not None:
        radius = area.radius_km or network.cap.circle_km
        _sub(element, "circle", circle_text(area.centre, radius))


def alert_xml(
    announcement: Announcement,
    network: Network,
    message: CapMessage,
    references: Sequence[str] = (),
) -> str:
    """One `<alert>` with an `<info>` per language of the announcement; its identifier, times
    and type are those of `message`, the row it is stored in."""
    root = _head(network, message)
    if references:
        _sub(root, "references", " ".join(references))
    weight = gravity(announcement.urgent)
    for language, text in announcement.texts.items():
        info = _sub(root, "info")
        _sub(info, "language", language)
        for category in _categories(announcement, network):
            _sub(info, "category", category)
        _sub(info, "event", _event(announcement, network, language))
        _sub(info, "urgency", weight.urgency)
        _sub(info, "severity", weight.severity)
        _sub(info, "certainty", weight.certainty)
        _sub(info, "effective", cap_time(message.sent_at))
        if message.expires_at is not None:
            _sub(info, "expires", cap_time(message.expires_at))
        if network.cap.sender_name:
            _sub(info, "senderName", network.cap.sender_name)
        _sub(info, "headline", headline(text))
        _sub(info, "description", text)
        for code, area in _areas(announcement, network):
            _area(info, code, area, language, network)
    return _document(root)


def cancel_xml(network: Network, message: CapMessage, references: Sequence[str], note: str) -> str:
    """A `Cancel` (`message`, the row it is stored in) of the messages in `references`
    ("sender,identifier,sent" each)."""
    root = _head(network, message)
    _sub(root, "note", note)
    _sub(root, "references", " ".join(references))
    return _document(root)


def reference(message: CapMessage) -> str:
    """ "sender,identifier,sent" of a stored message, read from the XML as it was published."""
    root = ET.fromstring(message.xml)
    parts = (root.findtext(f"{{{NAMESPACE}}}{name}") or "" for name in ("sender", "identifier"))
    sender, identifier = parts
    return f"{sender},{identifier},{root.findtext(f'{{{NAMESPACE}}}sent') or ''}"
