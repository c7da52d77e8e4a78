"""Meetup descriptions: Markdown in, sanitised HTML out."""

from __future__ import annotations

import html
from functools import lru_cache

import markdown
import nh3

ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre", "h3", "h4"}
)


@lru_cache(maxsize=4096)
def render_markdown(text: str) -> str:
    """HTML safe to put in a page: raw HTML from the author is escaped, links are inert."""
    html = markdown.markdown(text, extensions=[], output_format="html")
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener ugc",
    )


@lru_cache(maxsize=16384)
def markdown_to_text(text: str) -> str:
    """Plain text for places that show no HTML, such as a calendar event's description.

    Cached: every feed holding a meetup (its own, its venue's, city's, tags', all)
    needs the same text, and Markdown parsing dominated rendering the directory.
    """
    paragraphs = nh3.clean(markdown.markdown(text), tags={"p"}, attributes={}).split("</p>")
    cleaned = (nh3.clean(paragraph, tags=set()).strip() for paragraph in paragraphs)
    return "\n\n".join(html.unescape(p) for p in cleaned if p)
