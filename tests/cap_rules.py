"""The rules of CAP 1.2 (OASIS Common Alerting Protocol, version 1.2), written out as a checker
for the tests, because no installed package ships the official XML schema.

It is written from the standard's element tables, not from bot.domain.cap: the order and
number of elements in <alert>, <info> and <area>, the value lists of status, msgType, scope,
category, responseType, urgency, severity and certainty, the date-time format (seconds and a
numeric offset; "Z" is not allowed), references as "sender,identifier,sent" triples, and the
polygon (at least four "lat,lon" pairs, the first repeated last) and circle syntax.
`check(xml)` raises CapRuleError naming the element and the rule broken.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime

CAP = "urn:oasis:names:tc:emergency:cap:1.2"

STATUS = {"Actual", "Exercise", "System", "Test", "Draft"}
MSG_TYPE = {"Alert", "Update", "Cancel", "Ack", "Error"}
SCOPE = {"Public", "Restricted", "Private"}
CATEGORY = {
    "Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra",
    "CBRNE", "Other",
}  # fmt: skip
RESPONSE_TYPE = {
    "Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor", "Assess", "AllClear", "None",
}  # fmt: skip
URGENCY = {"Immediate", "Expected", "Future", "Past", "Unknown"}
SEVERITY = {"Extreme", "Severe", "Moderate", "Minor", "Unknown"}
CERTAINTY = {"Observed", "Likely", "Possible", "Unlikely", "Unknown"}

MANY = 10**6
# (element, least, most) in the order the standard fixes.
ALERT_ORDER = [
    ("identifier", 1, 1),
    ("sender", 1, 1),
    ("sent", 1, 1),
    ("status", 1, 1),
    ("msgType", 1, 1),
    ("source", 0, 1),
    ("scope", 1, 1),
    ("restriction", 0, 1),
    ("addresses", 0, 1),
    ("code", 0, MANY),
    ("note", 0, 1),
    ("references", 0, 1),
    ("incidents", 0, 1),
    ("info", 0, MANY),
]
INFO_ORDER = [
    ("language", 0, 1),
    ("category", 1, MANY),
    ("event", 1, 1),
    ("responseType", 0, MANY),
    ("urgency", 1, 1),
    ("severity", 1, 1),
    ("certainty", 1, 1),
    ("audience", 0, 1),
    ("eventCode", 0, MANY),
    ("effective", 0, 1),
    ("onset", 0, 1),
    ("expires", 0, 1),
    ("senderName", 0, 1),
    ("headline", 0, 1),
    ("description", 0, 1),
    ("instruction", 0, 1),
    ("web", 0, 1),
    ("contact", 0, 1),
    ("parameter", 0, MANY),
    ("resource", 0, MANY),
    ("area", 0, MANY),
]
AREA_ORDER = [
    ("areaDesc", 1, 1),
    ("polygon", 0, MANY),
    ("circle", 0, MANY),
    ("geocode", 0, MANY),
    ("altitude", 0, 1),
    ("ceiling", 0, 1),
]

DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")
TOKEN = re.compile(r"^[^\s,<&]+$")  # identifier and sender: no spaces, commas, < or &
LANGUAGE = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")  # RFC 3066
NUMBER = r"-?\d+(\.\d+)?"
PAIR = re.compile(rf"^({NUMBER}),({NUMBER})$")
CIRCLE = re.compile(rf"^({NUMBER}),({NUMBER}) (\d+(\.\d+)?)$")


class CapRuleError(AssertionError):
    """The message breaks a rule of CAP 1.2."""


def _local(element: ET.Element) -> str:
    namespace, _, name = element.tag[1:].partition("}")
    if namespace != CAP:
        raise CapRuleError(f"<{element.tag}> is not in the CAP 1.2 namespace")
    return name


def _sequence(parent: ET.Element, order: list[tuple[str, int, int]], where: str) -> None:
    names = [_local(child) for child in parent]
    position = 0
    for name, least, most in order:
        count = 0
        while position < len(names) and names[position] == name:
            position += 1
            count += 1
        if count < least:
            raise CapRuleError(f"{where}: <{name}> is required (or out of order)")
        if count > most:
            raise CapRuleError(f"{where}: <{name}> may appear at most {most} time(s)")
    if position < len(names):
        raise CapRuleError(f"{where}: <{names[position]}> is unknown or out of order")


def _one(parent: ET.Element, name: str) -> str | None:
    return parent.findtext(f"{{{CAP}}}{name}")


def _date_time(value: str | None, where: str) -> None:
    if value is None or not DATE_TIME.match(value):
        raise CapRuleError(
            f"{where}: {value!r} is not a CAP date-time (e.g. 2026-03-05T09:30:00-00:00)"
        )
    datetime.fromisoformat(value)


def _in(value: str | None, allowed: set[str], where: str) -> None:
    if value not in allowed:
        raise CapRuleError(f"{where}: {value!r} is not one of {sorted(allowed)}")


def _coordinates(text: str, where: str) -> tuple[float, float]:
    match = PAIR.match(text)
    if match is None:
        raise CapRuleError(f"{where}: {text!r} is not a 'lat,lon' pair")
    latitude, longitude = float(match.group(1)), float(match.group(3))
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise CapRuleError(f"{where}: {text!r} is not a WGS 84 point")
    return latitude, longitude


def polygon(text: str, where: str = "polygon") -> list[tuple[float, float]]:
    pairs = text.split()
    if len(pairs) < 4:
        raise CapRuleError(f"{where}: a polygon needs at least four pairs, not {len(pairs)}")
    points = [_coordinates(pair, where) for pair in pairs]
    if points[0] != points[-1]:
        raise CapRuleError(f"{where}: the first and last pairs must be the same")
    return points


def circle(text: str, where: str = "circle") -> tuple[tuple[float, float], float]:
    match = CIRCLE.match(text)
    if match is None:
        raise CapRuleError(f"{where}: {text!r} is not 'lat,lon radius'")
    centre = _coordinates(text.split()[0], where)
    return centre, float(match.group(5))


def _references(text: str | None, where: str) -> None:
    if not text or not text.split():
        raise CapRuleError(f"{where}: an Update or Cancel must name what it refers to")
    for triple in text.split():
        parts = triple.split(",")
        if len(parts) != 3 or not all(parts):
            raise CapRuleError(f"{where}: {triple!r} is not 'sender,identifier,sent'")
        _date_time(parts[2], f"{where} (sent)")


def check(xml: str) -> ET.Element:
    """The parsed <alert>, if the document follows CAP 1.2; else CapRuleError."""
    try:
        root = ET.fromstring(xml.encode("utf-8"))
    except ET.ParseError as exc:
        raise CapRuleError(f"not well-formed XML: {exc}") from exc
    if _local(root) != "alert":
        raise CapRuleError("the root element must be <alert>")
    _sequence(root, ALERT_ORDER, "alert")
    for name in ("identifier", "sender"):
        if not TOKEN.match(_one(root, name) or ""):
            raise CapRuleError(f"alert.{name}: must be non-empty, without spaces, commas, < or &")
    _date_time(_one(root, "sent"), "alert.sent")
    _in(_one(root, "status"), STATUS, "alert.status")
    msg_type = _one(root, "msgType")
    _in(msg_type, MSG_TYPE, "alert.msgType")
    scope = _one(root, "scope")
    _in(scope, SCOPE, "alert.scope")
    if scope == "Restricted" and _one(root, "restriction") is None:
        raise CapRuleError("alert.restriction: required when the scope is Restricted")
    if scope == "Private" and _one(root, "addresses") is None:
        raise CapRuleError("alert.addresses: required when the scope is Private")
    if msg_type in ("Update", "Cancel", "Ack", "Error"):
        _references(_one(root, "references"), "alert.references")
    for number, info in enumerate(root.findall(f"{{{CAP}}}info")):
        where = f"alert.info[{number}]"
        _sequence(info, INFO_ORDER, where)
        language = _one(info, "language")
        if language is not None and not LANGUAGE.match(language):
            raise CapRuleError(f"{where}.language: {language!r} is not an RFC 3066 code")
        for category in info.findall(f"{{{CAP}}}category"):
            _in(category.text, CATEGORY, f"{where}.category")
        for response in info.findall(f"{{{CAP}}}responseType"):
            _in(response.text, RESPONSE_TYPE, f"{where}.responseType")
        _in(_one(info, "urgency"), URGENCY, f"{where}.urgency")
        _in(_one(info, "severity"), SEVERITY, f"{where}.severity")
        _in(_one(info, "certainty"), CERTAINTY, f"{where}.certainty")
        for name in ("effective", "onset", "expires"):
            if _one(info, name) is not None:
                _date_time(_one(info, name), f"{where}.{name}")
        for index, area in enumerate(info.findall(f"{{{CAP}}}area")):
            place = f"{where}.area[{index}]"
            _sequence(area, AREA_ORDER, place)
            if not (_one(area, "areaDesc") or "").strip():
                raise CapRuleError(f"{place}.areaDesc: must not be empty")
            for shape in area.findall(f"{{{CAP}}}polygon"):
                polygon(shape.text or "", f"{place}.polygon")
            for shape in area.findall(f"{{{CAP}}}circle"):
                circle(shape.text or "", f"{place}.circle")
    return root


def find(element: ET.Element, path: str) -> list[ET.Element]:
    """`path` like "info/area/polygon", in the CAP namespace."""
    return element.findall("/".join(f"{{{CAP}}}{part}" for part in path.split("/")))


def text(element: ET.Element, path: str) -> str:
    found = find(element, path)
    assert found, f"no {path}"
    return found[0].text or ""
