"""Meetup descriptions: Markdown in, sanitised HTML out."""

from __future__ import annotations

import markdown
import nh3

ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre", "h3", "h4"}
)


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
