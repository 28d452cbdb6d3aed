"""The Atom feed of the CAP messages still current, each entry linking to its CAP document."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import UTC, datetime

from bot.domain.cap.document import CAP_MEDIA_TYPE, NAMESPACE, XML_DECLARATION
from storage.models import CapMessage

ATOM = "http://www.w3.org/2005/Atom"


def atom_time(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _description(message: CapMessage) -> str:
    root = ET.fromstring(message.xml)
    return root.findtext(f"{{{NAMESPACE}}}info/{{{NAMESPACE}}}description") or ""


def atom_feed(messages: Iterable[CapMessage], *, base_url: str, title: str, now: datetime) -> str:
    """An Atom feed with an entry per message, each linking to its CAP document."""
    entries = list(messages)

    def sub(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, name, attrs)
        if text is not None:
            element.text = text
        return element

    feed_url = f"{base_url}/cap/alerts.atom"
    # Atom's attributes (rel, href) are in no namespace, which ElementTree's default_namespace
    # refuses; the elements are written unqualified under an explicit xmlns instead.
    root = ET.Element("feed", {"xmlns": ATOM})
    sub(root, "id", feed_url)
    sub(root, "title", title)
    sub(root, "updated", atom_time(max((m.sent_at for m in entries), default=now)))
    sub(root, "link", rel="self", href=feed_url, type="application/atom+xml")
    sub(sub(root, "author"), "name", title)
    for item in entries:
        url = f"{base_url}/cap/{item.id}.xml"
        entry = sub(root, "entry")
        sub(entry, "id", url)
        sub(entry, "title", item.headline or item.identifier)
        sub(entry, "updated", atom_time(item.sent_at))
        sub(entry, "link", rel="alternate", href=url, type=CAP_MEDIA_TYPE)
        sub(entry, "summary", _description(item))
    ET.indent(root)
    return XML_DECLARATION + ET.tostring(root, encoding="unicode") + "\n"
