"""`flask --app meetups send-mail`: deliver the outbox, once (cron) or as a service."""

from __future__ import annotations

import logging
import signal
from types import FrameType

import click

from meetups.mail import delivery


@click.command("send-mail")
@click.option("--loop", is_flag=True, help="Keep running, sending new messages as they come.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=10.0,
    show_default=True,
    help="With --loop: seconds between rounds.",
)
def send_mail_command(loop: bool, interval: float) -> None:
    """Send the messages waiting in the outbox; failures are tried again later."""
    # Failures, and with no mail server the messages themselves, go to the log: to standard
    # error unless the deployment configured logging itself.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if not loop:
        tally = delivery.send_due()
        click.echo(f"{tally.sent} sent, {tally.failed} to try again later.")
        return
    stopping: list[int] = []

    def stop_after_this_round(signum: int, frame: FrameType | None) -> None:
        stopping.append(signum)

    signal.signal(signal.SIGTERM, stop_after_this_round)
    signal.signal(signal.SIGINT, stop_after_this_round)
    click.echo(f"Sending mail every {interval:g} s; stop with Ctrl-C or SIGTERM.")
    delivery.run_forever(interval, stop=lambda: bool(stopping))
