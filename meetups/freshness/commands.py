"""`flask --app meetups ask-confirmations`: the daily round of "still happening?" questions."""

from __future__ import annotations

import click

from meetups.freshness import questions
from meetups.models import utcnow


@click.command("ask-confirmations")
def ask_confirmations_command() -> None:
    """Ask watchers about listings not confirmed lately, and moderators when nobody answered.

    Run it daily; running it again the same day asks nothing twice.
    """
    asked, escalated = questions.ask_confirmations(utcnow())
    click.echo(f"{asked} listings asked about, {escalated} passed on to moderators.")
    click.echo("The messages go out with send-mail.")
