"""Delivering the outbox: `flask --app meetups send-mail`, once or in a loop.

Each run claims a batch, commits the claim, then sends message by message,
committing each outcome, so a worker killed mid-batch resends at most the one
message it was sending. With no mail server configured, messages are written to
the log instead (and kept in the outbox as sent).
"""

from __future__ import annotations

import logging
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_mailman import EmailMultiAlternatives
from flask_mailman.backends.base import BaseEmailBackend

from meetups.extensions import db, mail
from meetups.mail import digests, outbox
from meetups.models import OutboxMessage, utcnow

log = logging.getLogger(__name__)
BATCH = 50


@dataclass
class Tally:
    sent: int = 0
    failed: int = 0


def send_due(clock: Callable[[], datetime] = utcnow) -> Tally:
    """Turn due alerts into messages, then send every message due now, batch after batch,
    until none is left or the server fails."""
    tally = Tally()
    digests.queue_due_alerts(clock())
    while True:
        claimed = outbox.claim_due(db.session, clock(), BATCH)
        db.session.commit()
        if not claimed:
            return tally
        if not _send_batch(claimed, tally, clock):
            return tally


def run_forever(interval: float, stop: Callable[[], bool]) -> None:
    """`send-mail --loop`: send what is due, wait `interval` seconds, until told to stop."""
    while not stop():
        try:
            send_due()
        except Exception:
            # A database restart must not end the service; the next round tries again.
            db.session.rollback()
            log.exception("Sending mail failed; trying again in %s s", interval)
        db.session.remove()
        _sleep(interval, stop)


def _sleep(seconds: float, stop: Callable[[], bool]) -> None:
    deadline = time.monotonic() + seconds
    while not stop() and time.monotonic() < deadline:
        time.sleep(min(0.2, seconds))


def _send_batch(claimed: list[int], tally: Tally, clock: Callable[[], datetime]) -> bool:
    """Send claimed messages; False when the server failed and the rest were handed back."""
    connection = _connection()
    try:
        for position, message_id in enumerate(claimed):
            message = db.session.get(OutboxMessage, message_id)
            try:
                _send(connection, message)
            except OSError as error:  # smtplib's errors included
                _record_failure(message, error, clock(), tally)
                if _server_trouble(error):
                    outbox.release(db.session, claimed[position + 1 :])
                    db.session.commit()
                    return False
            except ValueError as error:
                # A message that cannot be written (a header with a line break): it fails
                # alone, and is given up after its attempts like any other.
                _record_failure(message, error, clock(), tally)
            else:
                outbox.mark_sent(message, clock())
                tally.sent += 1
            db.session.commit()
    finally:
        if connection is not None:
            connection.close()
    return True


def _server_trouble(error: OSError) -> bool:
    """The server, not this message, is the problem (down, gone away): stop, try later."""
    if isinstance(error, smtplib.SMTPConnectError | smtplib.SMTPServerDisconnected):
        return True
    return not isinstance(error, smtplib.SMTPException)


def server_answer(error: Exception) -> str:
    """What went wrong, as a moderator can read it: the server's code and words."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address}: {code} {_text(words)}"
            for address, (code, words) in error.recipients.items()
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_text(error.smtp_error)}"
    return str(error) or type(error).__name__


def _text(words: bytes | str) -> str:
    return words.decode("utf-8", "replace") if isinstance(words, bytes) else words


def _record_failure(message: OutboxMessage, error: Exception, now: datetime, tally: Tally) -> None:
    log.warning("Could not send message %s to %s: %s", message.id, message.recipient, error)
    outbox.mark_failed(message, now, server_answer(error))
    tally.failed += 1


def _connection() -> BaseEmailBackend | None:
    """An SMTP connection, opened at the first message; None when mail goes to the log."""
    if not current_app.config["MAIL_SERVER"]:
        return None
    config = current_app.config
    # Read at each run rather than when the app started, like every other setting.
    return mail.get_connection(
        backend="smtp",
        fail_silently=False,
        host=config["MAIL_SERVER"],
        port=config["MAIL_PORT"],
        username=config["MAIL_USERNAME"],
        password=config["MAIL_PASSWORD"],
        use_tls=config["MAIL_USE_TLS"],
        use_ssl=config["MAIL_USE_SSL"],
        timeout=config["MAIL_TIMEOUT"],
    )


def _send(connection: BaseEmailBackend | None, message: OutboxMessage) -> None:
    if connection is None:
        log.info(
            "No mail server configured (MEETUPS_MAIL_SERVER); message to %s:\nSubject: %s\n\n%s",
            message.recipient,
            message.subject,
            message.body_text,
        )
        return
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=current_app.config["MAIL_DEFAULT_SENDER"],
        to=[message.recipient],
        headers=message.headers,
        connection=connection,
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    email.send()
