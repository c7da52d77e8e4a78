"""Calendars over https, as nearly all real ones are: the pinned connection still checks the
certificate against the host's name, trusting the system's authorities and MEETUPS_SYNC_CA_FILE.

A throwaway authority and certificates are made here with the `openssl` command line.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from meetups import create_app
from meetups.config import ConfigError
from meetups.extensions import db
from meetups.models import CalendarLink, Meetup
from meetups.sync import service, sources
from meetups.sync.fetch import FetchError, Limits, fetch_calendar
from tests import calendar_feeds
from tests.conftest import require
from tests.feed_server import serving

CALENDAR = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


def openssl(folder: Path, command: str) -> None:
    subprocess.run(["openssl", *shlex.split(command)], cwd=folder, check=True, capture_output=True)


NEW_KEY = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"


def certificate_for(folder: Path, name: str) -> tuple[str, str]:
    """(certificate, key) for `name`, signed by the authority in `folder`."""
    (folder / f"{name}.ext").write_text(
        f"subjectAltName = DNS:{name}\n"
        "basicConstraints = critical, CA:FALSE\n"
        "keyUsage = critical, digitalSignature, keyEncipherment\n"
        "extendedKeyUsage = serverAuth\n"
        "subjectKeyIdentifier = hash\n"
        "authorityKeyIdentifier = keyid\n"
    )
    openssl(folder, f"req -new {NEW_KEY} -keyout {name}.key -out {name}.csr -subj /CN={name}")
    openssl(
        folder,
        f"x509 -req -in {name}.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
        f"-extfile {name}.ext -out {name}.pem",
    )
    return str(folder / f"{name}.pem"), str(folder / f"{name}.key")


class Authority:
    """A certificate authority of our own, and certificates it signed."""

    def __init__(self, folder: Path) -> None:
        openssl(
            folder,
            f"req -x509 {NEW_KEY} -keyout ca.key -out ca.pem -days 2 "
            "-subj '/CN=Meetups test authority' "
            "-addext 'basicConstraints = critical, CA:TRUE' "
            "-addext 'keyUsage = critical, keyCertSign, cRLSign'",
        )
        self.ca_file = str(folder / "ca.pem")
        self.localhost = certificate_for(folder, "localhost")
        self.example_org = certificate_for(folder, "example.org")


@pytest.fixture(scope="module")
def authority(tmp_path_factory) -> Authority:
    require(shutil.which("openssl") is not None, "the openssl command is not installed")
    return Authority(tmp_path_factory.mktemp("authority"))


@pytest.fixture
def secure(authority):
    """A calendar server at https://localhost with a certificate our authority signed."""
    with serving(authority.localhost) as server:
        yield server


def trusting(authority: Authority | None, **overrides) -> Limits:
    ca_file = authority.ca_file if authority else ""
    return Limits(allow_hosts=("localhost",), total_seconds=5, ca_file=ca_file, **overrides)


def test_a_calendar_is_fetched_over_https_through_the_pinned_connection(authority, secure):
    secure.feeds["/cal.ics"] = CALENDAR
    answers = iter([["127.0.0.1"], ["10.0.0.1"]])  # a second lookup would lead nowhere

    fetched = fetch_calendar(
        secure.url("/cal.ics", host="localhost"),
        trusting(authority),
        resolve=lambda host, port: next(answers),
    )

    assert (fetched.status, fetched.body) == (200, CALENDAR)
    assert fetched.url == f"https://localhost:{secure.port}/cal.ics"
    assert secure.requests[0][1]["Host"] == f"localhost:{secure.port}"
    assert secure.server_names == ["localhost"]


def test_a_second_ask_over_https_is_conditional_and_gets_304(authority, secure):
    secure.feeds["/cal.ics"] = CALENDAR
    url = secure.url("/cal.ics", host="localhost")

    first = fetch_calendar(url, trusting(authority))
    again = fetch_calendar(url, trusting(authority), etag=first.etag)

    assert first.etag and again.not_modified and again.body == b""
    assert secure.requests[-1][1]["If-None-Match"] == first.etag
    assert secure.answers == [200, 304]


def test_without_the_authority_the_certificate_is_not_trusted(secure):
    secure.feeds["/cal.ics"] = CALENDAR

    with pytest.raises(FetchError, match="localhost has no valid certificate"):
        fetch_calendar(secure.url("/cal.ics", host="localhost"), trusting(None))

    assert secure.requests == []


def test_a_certificate_for_another_name_is_refused_even_from_our_authority(authority):
    with serving(authority.example_org) as impostor:
        impostor.feeds["/cal.ics"] = CALENDAR

        with pytest.raises(FetchError, match="localhost has no valid certificate"):
            fetch_calendar(impostor.url("/cal.ics", host="localhost"), trusting(authority))

        assert impostor.server_names == ["localhost"] and impostor.requests == []


def test_an_https_calendar_moved_to_http_is_followed_and_checked_like_any_address(
    authority, secure
):
    with serving() as plain:
        plain.feeds["/cal.ics"] = CALENDAR
        secure.redirects["/moved.ics"] = plain.url("/cal.ics", host="localhost")

        fetched = fetch_calendar(secure.url("/moved.ics", host="localhost"), trusting(authority))

        assert (fetched.body, fetched.url) == (CALENDAR, plain.url("/cal.ics", host="localhost"))
        assert [path for path, _ in plain.requests] == ["/cal.ics"]


def test_an_https_redirect_to_a_private_address_is_refused_before_connecting(authority, secure):
    secure.feeds["/cal.ics"] = CALENDAR
    secure.redirects["/moved.ics"] = secure.url("/cal.ics")  # 127.0.0.1: not allowed

    with pytest.raises(FetchError, match=r"127\.0\.0\.1 leads to a private network"):
        fetch_calendar(secure.url("/moved.ics", host="localhost"), trusting(authority))

    assert [path for path, _ in secure.requests] == ["/moved.ics"]


def test_a_vanished_authority_file_is_a_readable_failure(secure, tmp_path):
    with pytest.raises(FetchError, match="cannot read its list of certificate authorities"):
        fetch_calendar(
            secure.url("/cal.ics", host="localhost"),
            Limits(allow_hosts=("localhost",), ca_file=str(tmp_path / "gone.pem")),
        )

    assert secure.requests == []


def test_the_setting_takes_a_pem_file_of_authorities(authority):
    app = create_app({"TESTING": True, "SYNC_CA_FILE": authority.ca_file})

    assert app.config["SYNC_CA_FILE"] == authority.ca_file


def test_a_certificate_that_is_not_an_authority_file_is_refused_at_start_up(tmp_path):
    (tmp_path / "notes.txt").write_text("our intranet's CA is on the wiki\n")

    with pytest.raises(ConfigError, match=r"MEETUPS_SYNC_CA_FILE: .*notes.txt holds no PEM"):
        create_app({"TESTING": True, "SYNC_CA_FILE": str(tmp_path / "notes.txt")})


def test_a_missing_authority_file_is_refused_at_start_up(monkeypatch, tmp_path):
    monkeypatch.setenv("MEETUPS_SYNC_CA_FILE", str(tmp_path / "intranet-ca.pem"))

    with pytest.raises(
        ConfigError,
        match=r"MEETUPS_SYNC_CA_FILE: .*intranet-ca.pem cannot be read \(No such file",
    ):
        create_app({"TESTING": True})


GOOGLE_KEY = "uid:open-coffee-lille@google.com"


@pytest.fixture
def linked(app, secure, make_meetup):
    """A Thursday 08:30 meetup following https://localhost/google.ics, which cancels a date."""
    app.config["SYNC_ALLOW_HOSTS"] = "localhost"
    today = datetime.now(UTC).date()
    coming = calendar_feeds.thursdays(today, 2)
    secure.feeds["/google.ics"] = calendar_feeds.google(
        coming[0] - timedelta(weeks=4), cancel=coming[1]
    )
    meetup = make_meetup(name="Open Coffee Lille", start_time=time(8, 30), last_confirmed=today)
    choice = sources.SeriesChoice(GOOGLE_KEY, "Open Coffee Lille", ())
    url = secure.url("/google.ics", host="localhost")
    service.link(db.session, meetup, url, choice, datetime.now(UTC))
    db.session.commit()
    return meetup, coming[1]


def sync(app) -> str:
    result = app.test_cli_runner().invoke(args=["sync-calendars"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result.output


def test_sync_calendars_follows_an_https_calendar_trusting_the_configured_authority(
    app, authority, secure, linked
):
    meetup, cancelled = linked
    app.config["SYNC_CA_FILE"] = authority.ca_file

    assert "open-coffee-lille: updated" in sync(app)
    assert "1 unchanged" in sync(app)

    changes = db.session.get(Meetup, meetup.id).changes
    assert [(c.original_date, c.cancelled) for c in changes] == [(cancelled, True)]
    assert secure.answers == [200, 304] and set(secure.server_names) == {"localhost"}


def test_sync_calendars_without_the_authority_fails_readably_and_saves_nothing(app, secure, linked):
    meetup, _cancelled = linked
    app.config["SYNC_CA_FILE"] = ""

    assert "open-coffee-lille: failed" in sync(app)

    link = db.session.get(CalendarLink, meetup.id)
    error = link.last_error["msgid"] % link.last_error["params"]
    assert error == "The calendar's server localhost has no valid certificate."
    assert (link.etag, link.last_success_at) == ("", None) and link.failing_since is not None
    assert db.session.get(Meetup, meetup.id).changes == []
    assert secure.requests == []
