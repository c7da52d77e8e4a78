"""Fetching a volunteer's calendar address: only public web servers, within limits."""

from __future__ import annotations

import pytest

from meetups.sync.fetch import FetchError, Limits, fetch_calendar, is_public
from tests.feed_server import serving

LOCAL = Limits(allow_hosts=("127.0.0.1",), total_seconds=5)


@pytest.fixture
def feeds():
    with serving() as server:
        yield server


def test_a_calendar_is_fetched_and_a_second_ask_gets_304(feeds):
    feeds.feeds["/cal.ics"] = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"

    first = fetch_calendar(feeds.url("/cal.ics"), LOCAL)
    again = fetch_calendar(feeds.url("/cal.ics"), LOCAL, etag=first.etag)

    assert (first.status, first.body) == (200, feeds.feeds["/cal.ics"])
    assert again.not_modified and again.body == b""
    assert feeds.requests[-1][1]["If-None-Match"] == first.etag


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/cal.ics",
        "file:///etc/passwd",
        "gopher://example.org/",
        "http://user:secret@example.org/cal.ics",
        "not an address",
    ],
)
def test_only_plain_web_addresses_are_followed(url):
    with pytest.raises(FetchError):
        fetch_calendar(url, Limits())


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "192.168.0.1",
        "172.16.0.1",
        "169.254.169.254",
        "::1",
        "fe80::1",
        "224.0.0.1",
        "0.0.0.0",
        "240.0.0.1",
        "100.64.0.1",
        "::ffff:127.0.0.1",
        "fc00::1",
    ],
)
def test_private_and_special_addresses_are_not_public(address):
    assert not is_public(address)


def test_public_addresses_are():
    assert is_public("93.184.216.34") and is_public("2606:2800:220:1:248:1893:25c8:1946")


def test_a_host_resolving_to_a_private_address_is_refused_before_connecting(feeds):
    feeds.feeds["/cal.ics"] = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"

    with pytest.raises(FetchError, match="private network"):
        fetch_calendar(feeds.url("/cal.ics", host="localhost"), LOCAL)

    assert feeds.requests == []


def test_a_name_that_resolves_to_a_public_and_a_private_address_is_refused():
    def both(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "127.0.0.1"]

    with pytest.raises(FetchError, match="private network"):
        fetch_calendar("http://calendar.example/cal.ics", Limits(), resolve=both)


def test_the_connection_goes_to_the_checked_address_not_a_second_lookup(feeds):
    """DNS rebinding: the name is resolved once; a later answer cannot redirect us."""
    feeds.feeds["/cal.ics"] = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    answers = iter([["127.0.0.1"], ["10.0.0.1"]])

    def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    fetched = fetch_calendar(
        feeds.url("/cal.ics", host="calendar.test"),
        Limits(allow_hosts=("calendar.test",)),
        resolve=rebinding,
    )

    assert fetched.status == 200
    assert feeds.requests[0][1]["Host"].startswith("calendar.test")


def test_a_redirect_to_a_private_address_is_refused(feeds):
    feeds.feeds["/cal.ics"] = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    feeds.redirects["/moved.ics"] = feeds.url("/cal.ics", host="localhost")

    with pytest.raises(FetchError, match="private network"):
        fetch_calendar(feeds.url("/moved.ics"), LOCAL)

    assert [path for path, _ in feeds.requests] == ["/moved.ics"]


def test_redirects_are_followed_a_few_times_only(feeds):
    feeds.feeds["/cal.ics"] = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    feeds.redirects["/a"] = "/cal.ics"
    feeds.redirects["/loop"] = "/loop"

    assert fetch_calendar(feeds.url("/a"), LOCAL).url == feeds.url("/cal.ics")
    with pytest.raises(FetchError, match="redirects more than 3 times"):
        fetch_calendar(feeds.url("/loop"), LOCAL)
    assert [path for path, _ in feeds.requests].count("/loop") == 4


def test_a_huge_calendar_is_cut_off(feeds):
    feeds.feeds["/huge.ics"] = b"X" * 3_000_000

    with pytest.raises(FetchError, match="larger than 2000 kB"):
        fetch_calendar(feeds.url("/huge.ics"), LOCAL)


def test_a_trickling_server_is_given_up_on(feeds):
    feeds.slow["/slow.ics"] = b"BEGIN:VCALENDAR\r\n" * 10

    with pytest.raises(FetchError, match="more than 1 seconds"):
        fetch_calendar(feeds.url("/slow.ics"), Limits(allow_hosts=("127.0.0.1",), total_seconds=1))


def test_an_error_answer_says_its_status(feeds):
    with pytest.raises(FetchError, match="error 404"):
        fetch_calendar(feeds.url("/nothing.ics"), LOCAL)


def test_an_unknown_host_says_so():
    with pytest.raises(FetchError, match="cannot be found"):
        fetch_calendar("https://no-such-host.invalid/cal.ics", Limits())
