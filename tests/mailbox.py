"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for reading."""

from __future__ import annotations

import re
import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from urllib.parse import urlsplit

from aiosmtpd.controller import Controller
from sqlalchemy import select

from meetups.extensions import db
from meetups.models import OutboxMessage


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """Receives mail on 127.0.0.1:`port` while started; `messages` holds what arrived."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    async def handle_DATA(self, server: object, session: object, envelope) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append(message)
        return "250 Message accepted"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.messages if message["To"] == address]


def queued_to(address: str) -> list[OutboxMessage]:
    """What the outbox holds for `address`, oldest first (before or after sending)."""
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.recipient == address)
            .order_by(OutboxMessage.id)
        )
    )


def link_in(text: str, path_start: str) -> str:
    """The path (and query) of the first link in `text` whose path starts with `path_start`."""
    for url in re.findall(r"https?://[^\s<>\"']+", text):
        parts = urlsplit(url)
        if parts.path.startswith(path_start):
            return parts._replace(scheme="", netloc="").geturl()
    raise AssertionError(f"no link to {path_start} in:\n{text}")
