"""Words for people that domain modules write in English and the web layer translates. No Flask.

A domain module cannot know the visitor's language, and should not: its errors
are read in logs, by the API and by the command line in English. `N_("…%(n)d…",
n=3)` (pybabel's default keyword, so the text is extracted for translators) gives
that English text as a plain `str` which also remembers its message id and
parameters; `meetups.i18n.translate` says it in the visitor's language.
"""

from __future__ import annotations

from typing import Any


class Text(str):
    """English text (`msgid % params`) that knows how to be translated."""

    msgid: str
    params: dict[str, Any]
    context: str | None = None

    def __new__(cls, msgid: str, params: dict[str, Any]) -> Text:
        text = super().__new__(cls, msgid % params if params else msgid)
        text.msgid = msgid
        text.params = params
        return text


def N_(msgid: str, /, **params: Any) -> Text:
    """Mark `msgid` for translation and fill in its `%(name)s` parameters, in English."""
    return Text(msgid, params)


def NC_(context: str, msgid: str, /) -> Text:
    """Mark `msgid` for translation in `context`: the same English words in another role
    (a weekday in a schedule's sentence, not on a form) may need other words elsewhere."""
    text = Text(msgid, {})
    text.context = context
    return text
