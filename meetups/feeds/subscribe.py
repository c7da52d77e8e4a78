"""Links that subscribe a calendar app to a feed, for people who never type a URL."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit


@dataclass(frozen=True)
class SubscriptionLinks:
    url: str
    webcal: str
    google: str
    outlook: str


def subscription_links(feed_url: str, name: str) -> SubscriptionLinks:
    """webcal:// opens Apple Calendar, Outlook and Thunderbird; the web calendars get their own."""
    parts = urlsplit(feed_url)
    webcal = urlunsplit(("webcal", *parts[1:]))
    return SubscriptionLinks(
        url=feed_url,
        webcal=webcal,
        google="https://calendar.google.com/calendar/r?cid=" + quote(webcal, safe=""),
        outlook=(
            "https://outlook.live.com/calendar/0/addfromweb?url="
            + quote(feed_url, safe="")
            + "&name="
            + quote(name, safe="")
        ),
    )
