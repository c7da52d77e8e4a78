"""Sitemaps (sitemaps.org 0.9) and robots.txt: addresses in, bytes out. Pure, no Flask.

A sitemap file holds at most 50,000 addresses; a bigger directory gets an index
at /sitemap.xml pointing to numbered parts, /sitemap-1.xml, /sitemap-2.xml, …
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree import ElementTree

NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
# The protocol's limit per file (the other, 50 MB, is far off: an address is ~150 bytes).
MAX_URLS = 50_000


@dataclass(frozen=True)
class Url:
    loc: str
    lastmod: datetime | None = None


def split(urls: Sequence[Url], max_urls: int = MAX_URLS) -> list[Sequence[Url]]:
    """The files the addresses need: one, or as many parts of `max_urls` as it takes."""
    if len(urls) <= max_urls:
        return [urls]
    return [urls[start : start + max_urls] for start in range(0, len(urls), max_urls)]


def part_path(number: int) -> str:
    return f"/sitemap-{number}.xml"


def urlset(urls: Iterable[Url]) -> bytes:
    root = ElementTree.Element("urlset", xmlns=NAMESPACE)
    for url in urls:
        _entry(root, "url", url)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def index(parts: Iterable[Url]) -> bytes:
    """A sitemap index: each part's address and the newest lastmod among its addresses."""
    root = ElementTree.Element("sitemapindex", xmlns=NAMESPACE)
    for part in parts:
        _entry(root, "sitemap", part)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def newest(urls: Iterable[Url]) -> datetime | None:
    return max((url.lastmod for url in urls if url.lastmod is not None), default=None)


def w3c_datetime(moment: datetime) -> str:
    """ "2026-03-05T08:15:00+00:00": W3C Datetime to the second, in UTC."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def robots_txt(disallowed: Iterable[str], sitemap_url: str) -> str:
    """Every crawler may read every public page except `disallowed` (RFC 9309 patterns)."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in disallowed), "Allow: /"]
    return "\n".join([*lines, "", f"Sitemap: {sitemap_url}", ""])


def _entry(root: ElementTree.Element, tag: str, url: Url) -> None:
    element = ElementTree.SubElement(root, tag)
    ElementTree.SubElement(element, "loc").text = url.loc
    if url.lastmod is not None:
        ElementTree.SubElement(element, "lastmod").text = w3c_datetime(url.lastmod)
