"""`meetups <command>` and `python -m meetups <command>`: the `flask --app meetups` commands."""

from __future__ import annotations


def main() -> None:
    from flask.cli import FlaskGroup

    from meetups import create_app

    FlaskGroup(create_app=create_app, help="Meetups: the site and its tasks.").main(
        prog_name="meetups"
    )


if __name__ == "__main__":
    main()
