"""Mail leaves through the outbox: queued with the change, sent by workers, never lost
or sent twice, whatever the mail server does. A real SMTP server (aiosmtpd) receives it."""

from __future__ import annotations

import logging
import smtplib
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from meetups import create_app
from meetups.config import ConfigError
from meetups.extensions import db
from meetups.mail import delivery, outbox
from meetups.models import OutboxMessage, Role, utcnow
from tests.mailbox import Mailbox


def queue(count: int = 1, **fields: str) -> list[int]:
    messages = [
        outbox.queue(
            db.session,
            recipient=fields.get("recipient", f"reader{number}@example.org"),
            subject=fields.get("subject", f"Message {number}"),
            text=fields.get("text", f"Hello number {number}."),
            html=fields.get("html", ""),
        )
        for number in range(count)
    ]
    db.session.commit()
    return [message.id for message in messages]


def stored(message_id: int) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


def later(minutes: float):
    return lambda: utcnow() + timedelta(minutes=minutes)


def test_send_mail_delivers_plain_text_and_html_with_their_headers(app, mailbox):
    message = outbox.queue(
        db.session,
        recipient="ann@example.org",
        subject="Reset your password",
        text="Open this link: https://example.org/r/1",
        html="<p>Open <a href='https://example.org/r/1'>this link</a></p>",
        headers={"List-Unsubscribe": "<https://example.org/u/1>"},
    )
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["send-mail"])

    assert result.exit_code == 0, result.output
    assert "1 sent, 0 to try again later." in result.output
    [received] = mailbox.messages
    assert received["To"] == "ann@example.org"
    assert received["From"] == "Meetups <noreply@meetups.test>"
    assert received["Subject"] == "Reset your password"
    assert received["List-Unsubscribe"] == "<https://example.org/u/1>"
    assert received.get_body(("plain",)).get_content().strip() == (
        "Open this link: https://example.org/r/1"
    )
    assert "<a href='https://example.org/r/1'>" in received.get_body(("html",)).get_content()
    assert stored(message.id).sent_at is not None


def test_a_message_queued_in_a_transaction_that_rolls_back_is_never_sent(app, mailbox):
    outbox.queue(db.session, recipient="ann@example.org", subject="Never", text="Never.")
    db.session.rollback()

    delivery.send_due()

    assert mailbox.messages == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_without_a_mail_server_messages_go_to_the_log(app, caplog):
    [message_id] = queue(subject="Your link", text="https://example.org/r/1")

    with caplog.at_level(logging.INFO, logger="meetups.mail.delivery"):
        tally = delivery.send_due()

    assert tally.sent == 1
    assert "Subject: Your link" in caplog.text
    assert "https://example.org/r/1" in caplog.text
    assert stored(message_id).sent_at is not None


def test_an_smtp_outage_loses_nothing_and_sends_nothing_twice(app):
    mailbox = Mailbox()  # not started yet: nothing listens on its port
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=mailbox.port)
    ids = queue(3)

    during = delivery.send_due()

    assert (during.sent, during.failed) == (0, 1)
    first = stored(ids[0])
    assert first.attempts == 1 and first.sent_at is None and first.last_error
    assert first.next_attempt_at > utcnow()
    # The others were handed back untried, not counted as failures of their own.
    assert [stored(i).attempts for i in ids[1:]] == [0, 0]

    mailbox.start()
    try:
        after = delivery.send_due(clock=later(5))
        again = delivery.send_due(clock=later(60))
    finally:
        mailbox.stop()

    assert (after.sent, again.sent) == (3, 0)
    assert sorted(m["Subject"] for m in mailbox.messages) == [
        "Message 0",
        "Message 1",
        "Message 2",
    ]


def test_a_message_is_tried_again_later_and_later_then_given_up(app):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=Mailbox().port)
    [message_id] = queue()
    now = utcnow()

    waits = []
    for _ in range(outbox.MAX_ATTEMPTS):
        delivery.send_due(clock=lambda at=now: at)
        message = stored(message_id)
        waits.append(message.next_attempt_at - now)
        now = message.next_attempt_at

    assert waits[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert max(waits) == outbox.LONGEST_WAIT
    assert stored(message_id).gave_up_at is not None
    assert outbox.counts(db.session) == {"waiting": 0, "failed": 1}


@pytest.mark.parametrize(
    ("attempts", "wait"),
    [
        (1, timedelta(minutes=1)),
        (3, timedelta(minutes=4)),
        (9, timedelta(hours=4, minutes=16)),
        (10, timedelta(hours=6)),
        (40, timedelta(hours=6)),
    ],
)
def test_the_wait_before_trying_again_doubles_up_to_six_hours(attempts, wait):
    assert outbox.retry_delay(attempts) == wait


def test_two_workers_on_one_outbox_send_every_message_exactly_once(app, mailbox):
    ids = queue(60)
    start = threading.Barrier(2)
    tallies: list[delivery.Tally] = []

    def worker() -> None:
        with app.app_context():
            start.wait()
            tallies.append(delivery.send_due())
            db.session.remove()

    workers = [threading.Thread(target=worker) for _ in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=60)

    subjects = [message["Subject"] for message in mailbox.messages]
    assert sorted(subjects) == sorted(f"Message {n}" for n in range(60))
    assert sum(tally.sent for tally in tallies) == 60
    assert all(stored(i).attempts == 1 for i in ids)


def test_the_loop_keeps_sending_what_comes_until_told_to_stop(app, mailbox):
    stop = threading.Event()

    def loop() -> None:
        with app.app_context():
            delivery.run_forever(0.1, stop.is_set)

    worker = threading.Thread(target=loop)
    worker.start()
    try:
        queue(subject="First")
        deadline = time.monotonic() + 10
        while not mailbox.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        queue(subject="Second")
        while len(mailbox.messages) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        worker.join(timeout=10)

    assert [m["Subject"] for m in mailbox.messages] == ["First", "Second"]
    assert not worker.is_alive()


def test_moderators_see_waiting_and_undelivered_mail_on_the_dashboard(app, client, auth, make_user):
    make_user(email="mod@example.org", role=Role.MODERATOR)
    [_, failing] = queue(2)
    message = stored(failing)
    message.attempts = outbox.MAX_ATTEMPTS - 1
    outbox.mark_failed(message, utcnow(), "SMTPRecipientsRefused: no such mailbox")
    db.session.commit()
    auth.sign_in("mod@example.org")

    page = BeautifulSoup(client.get("/moderation/").text, "html5lib")

    section = page.find(id="mail-heading").parent.get_text(" ", strip=True)
    assert "Waiting to be sent: 1. Given up after every attempt failed: 1." in section
    assert "reader1@example.org · Message 1" in section
    assert "no such mailbox" in section


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"MAIL_USE_TLS": True, "MAIL_USE_SSL": True}, "cannot both be on"),
        ({"MAIL_PORT": 0}, "MEETUPS_MAIL_PORT must be a port number"),
        ({"MAIL_TIMEOUT": 0.0}, "MEETUPS_MAIL_TIMEOUT must be a number of seconds"),
    ],
)
def test_mail_settings_that_cannot_work_are_refused_at_start_up(tmp_path, setting, message):
    with pytest.raises(ConfigError, match=message):
        create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", **setting})


@pytest.mark.parametrize(
    ("error", "answer"),
    [
        (
            smtplib.SMTPRecipientsRefused({"gone@example.org": (550, b"No such user")}),
            "gone@example.org: 550 No such user",
        ),
        (smtplib.SMTPDataError(554, b"Message rejected"), "554 Message rejected"),
        (ConnectionRefusedError(111, "Connection refused"), "[Errno 111] Connection refused"),
    ],
)
def test_the_servers_answer_is_kept_in_words_a_moderator_can_read(error, answer):
    assert delivery.server_answer(error) == answer


def test_a_message_that_cannot_be_written_fails_alone(app, mailbox):
    outbox.queue(
        db.session,
        recipient="ann@example.org",
        subject="Broken",
        text="x",
        headers={"X-Note": "two\nlines"},
    )
    queue(2)

    tally = delivery.send_due()

    assert (tally.sent, tally.failed) == (2, 1)
    assert sorted(m["Subject"] for m in mailbox.messages) == ["Message 0", "Message 1"]
