"""An Atom feed (RFC 4287) of recent changes, so volunteers can watch for vandalism.

Pure: entries in, bytes out. ElementTree escapes every text, so a name with
markup in it stays text in any feed reader; characters XML 1.0 forbids (control
characters, which a name or a display name may hold) are dropped, since one of
them would make the whole feed unreadable for every subscriber.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree import ElementTree

ATOM = "http://www.w3.org/2005/Atom"
# Everything outside XML 1.0's Char production (https://www.w3.org/TR/xml/#charsets).
_NOT_XML = re.compile(r"[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    link: str
    updated: datetime
    author: str
    summary: str


def build_feed(
    title: str, feed_id: str, self_link: str, page_link: str, entries: Iterable[Entry]
) -> bytes:
    entries = list(entries)
    feed = ElementTree.Element("feed", xmlns=ATOM)
    _text(feed, "title", title)
    _text(feed, "id", feed_id)
    ElementTree.SubElement(feed, "link", rel="self", href=self_link)
    ElementTree.SubElement(feed, "link", rel="alternate", href=page_link)
    newest = max((e.updated for e in entries), default=datetime(2000, 1, 1, tzinfo=UTC))
    _text(feed, "updated", _timestamp(newest))
    for entry in entries:
        element = ElementTree.SubElement(feed, "entry")
        _text(element, "id", entry.id)
        _text(element, "title", entry.title)
        ElementTree.SubElement(element, "link", rel="alternate", href=entry.link)
        _text(element, "updated", _timestamp(entry.updated))
        _text(ElementTree.SubElement(element, "author"), "name", entry.author)
        _text(element, "summary", entry.summary)
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)


def _text(parent: ElementTree.Element, tag: str, text: str) -> None:
    ElementTree.SubElement(parent, tag).text = _NOT_XML.sub("", text)


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
