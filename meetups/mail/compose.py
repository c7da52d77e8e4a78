"""Messages in the recipient's language, as plain text and simple HTML, queued in the outbox.

Templates live in `templates/mail/`: `<name>.txt` and `<name>.html` for each
message. Links are absolute, built from MEETUPS_BASE_URL whatever request (or
command) is running, and carry the recipient's language.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import current_app
from flask_babel import force_locale
from sqlalchemy.orm import Session

from meetups.accounts import tokens
from meetups.mail import outbox
from meetups.models import OutboxMessage, User
from meetups.web.i18n import DEFAULT_LANGUAGE, LANGUAGES


def link(endpoint: str, language: str = DEFAULT_LANGUAGE, **values: Any) -> str:
    """An absolute address on the public site, in `language`, from any context."""
    base = urlsplit(current_app.config["BASE_URL"].rstrip("/"))
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    anchor = values.pop("_anchor", None)
    if language != DEFAULT_LANGUAGE:
        values["lang"] = language
    address = adapter.build(endpoint, values, force_external=True)
    return f"{address}#{anchor}" if anchor else address


def page_link(path: str, language: str = DEFAULT_LANGUAGE) -> str:
    """An absolute address for a path on the site (as alerts store them), in `language`."""
    address = current_app.config["BASE_URL"].rstrip("/") + path
    if language == DEFAULT_LANGUAGE:
        return address
    return f"{address}{'&' if '?' in path else '?'}{urlencode({'lang': language})}"


def queue_message(
    session: Session,
    *,
    to: str,
    language: str,
    template: str,
    subject: object,
    unsubscribe_user: User | None = None,
    **context: Any,
) -> OutboxMessage:
    """Render `template` in `language` and queue it; `subject` is a lazy string.

    Alerts pass `unsubscribe_user`: the message then carries a working unsubscribe
    link and the `List-Unsubscribe` headers (one click, RFC 8058).
    """
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    headers: dict[str, str] = {}
    if unsubscribe_user is not None:
        token = tokens.unsubscribe_token(current_app.config["SECRET_KEY"], unsubscribe_user.id)
        context["unsubscribe_url"] = link("accounts.unsubscribe", language, token=token)
        context["settings_url"] = link("accounts.account", language, _anchor="mail")
        headers["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    context.update(site_name=current_app.config["SITE_NAME"], language=language)
    with force_locale(language):
        environment = current_app.jinja_env
        text = environment.get_template(f"mail/{template}.txt").render(context)
        html = environment.get_template(f"mail/{template}.html").render(context)
        return outbox.queue(
            session,
            recipient=to,
            subject=str(subject),
            text=_paragraphs(text),
            html=html,
            headers=headers,
        )


def _paragraphs(text: str) -> str:
    """Plain text as templates leave it, with one blank line between paragraphs at most."""
    return re.sub(r"\n{3,}", "\n\n", text.strip()) + "\n"
