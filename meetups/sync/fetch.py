"""Fetching a volunteer's calendar address without letting it reach inside our network.

Pure (no Flask): the address is someone else's, so every hop is checked. Only http and
https; the host name is resolved once and refused if any of its addresses is private,
loopback, link-local, multicast or reserved, and the connection goes to the address that
was checked, so a second DNS answer cannot swap in another one (DNS rebinding). Each
redirect is checked the same way. The body is cut at a size limit and the whole exchange
at a time limit. Hosts on the allow-list (tests, an intranet) skip the address check.
Over https the certificate must name the host and come from an authority the system
trusts, or one in the deployer's extra file (an intranet's own, the tests').
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from meetups.texts import N_

REDIRECTS = frozenset({301, 302, 303, 307, 308})
USER_AGENT = "meetups-calendar-sync/1 (+https://github.com/)"
_CHUNK = 64 * 1024

Resolver = Callable[[str, int], list[str]]


class FetchError(Exception):
    """Why a calendar could not be read, for its volunteers; `msgid % params` is English."""

    def __init__(self, message: str, /, **params: object) -> None:
        super().__init__(message % params if params else message)
        self.msgid = message
        self.params = params


@dataclass(frozen=True)
class Limits:
    """What one fetch may cost us."""

    max_bytes: int = 2_000_000
    total_seconds: float = 20.0
    max_redirects: int = 3
    allow_hosts: Collection[str] = ()
    # A PEM file of certificate authorities trusted besides the system's; empty: none.
    ca_file: str = ""


@dataclass(frozen=True)
class Fetched:
    """A calendar's answer: `body` is empty when it said 304 (nothing changed)."""

    status: int
    body: bytes
    etag: str
    last_modified: str
    url: str

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def fetch_calendar(
    url: str,
    limits: Limits,
    etag: str = "",
    last_modified: str = "",
    resolve: Resolver | None = None,
) -> Fetched:
    """GET `url` with the validators of the last answer; raises FetchError, never OSError."""
    deadline = time.monotonic() + limits.total_seconds
    resolve = resolve or resolve_host
    for _hop in range(limits.max_redirects + 1):
        response, connection = _request(url, limits, etag, last_modified, resolve, deadline)
        try:
            if response.status in REDIRECTS:
                location = response.getheader("Location")
                if not location:
                    raise FetchError(N_("The calendar address redirects nowhere."))
                url = urljoin(url, location.strip())
                continue
            return _answer(url, response, connection.pinned, limits, deadline)
        finally:
            connection.close()
    raise FetchError(
        N_("The calendar address redirects more than %(count)d times."),
        count=limits.max_redirects,
    )


def check_address(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an address we may fetch, as far as its spelling goes."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise FetchError(N_("This is not a web address.")) from None
    if parts.scheme not in ("http", "https"):
        raise FetchError(N_("Only http:// and https:// calendar addresses can be followed."))
    if not parts.hostname:
        raise FetchError(N_("This is not a web address."))
    if parts.username or parts.password:
        raise FetchError(N_("Calendar addresses with a password in them are not followed."))
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def resolve_host(host: str, port: int) -> list[str]:
    """Every address the host name has now."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FetchError(N_("The calendar's server %(host)s cannot be found."), host=host) from None
    return sorted({str(info[4][0]) for info in found})


def is_public(address: str) -> bool:
    """Whether an address is on the public internet (not ours, nobody's, or everyone's)."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_link_local)


def checked_address(host: str, port: int, limits: Limits, resolve: Resolver) -> str:
    """The address to connect to; refused if any of the host's addresses is not public,
    so that a host answering with a public and a private address cannot pick later."""
    addresses = resolve(host, port)
    if not addresses:
        raise FetchError(N_("The calendar's server %(host)s cannot be found."), host=host)
    allowed = host.lower() in {name.lower() for name in limits.allow_hosts}
    if not allowed and not all(is_public(address) for address in addresses):
        raise FetchError(
            N_("The calendar address %(host)s leads to a private network: it is not followed."),
            host=host,
        )
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address, whatever the host name resolves to by then."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address
        self.pinned: socket.socket | None = None

    def connect(self) -> None:
        self.sock = self.pinned = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """The same over TLS; the certificate is still checked against the host name."""

    def __init__(
        self, host: str, port: int, address: str, timeout: float, context: ssl.SSLContext
    ) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address
        self.pinned: socket.socket | None = None

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        context: ssl.SSLContext = self._context  # type: ignore[attr-defined]
        self.sock = self.pinned = context.wrap_socket(sock, server_hostname=self.host)


def _request(
    url: str,
    limits: Limits,
    etag: str,
    last_modified: str,
    resolve: Resolver,
    deadline: float,
) -> tuple[http.client.HTTPResponse, _PinnedHTTPConnection | _PinnedHTTPSConnection]:
    scheme, host, port = check_address(url)
    address = checked_address(host, port, limits, resolve)
    connection: _PinnedHTTPConnection | _PinnedHTTPSConnection
    if scheme == "https":
        context = _tls_context(limits.ca_file)
        connection = _PinnedHTTPSConnection(host, port, address, _remaining(deadline), context)
    else:
        connection = _PinnedHTTPConnection(host, port, address, _remaining(deadline))
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5"}
    headers["Accept-Encoding"] = "identity"
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        connection.request("GET", path, headers=headers)
        return connection.getresponse(), connection
    except TimeoutError:
        connection.close()
        raise _too_slow(limits) from None
    except ssl.SSLError:
        connection.close()
        raise FetchError(
            N_("The calendar's server %(host)s has no valid certificate."), host=host
        ) from None
    except (OSError, http.client.HTTPException):
        connection.close()
        raise FetchError(N_("The calendar's server %(host)s does not answer."), host=host) from None


def _tls_context(ca_file: str) -> ssl.SSLContext:
    """The system's certificate authorities, and those in `ca_file` as well."""
    context = ssl.create_default_context()
    if not ca_file:
        return context
    try:
        context.load_verify_locations(cafile=ca_file)
    except (OSError, ssl.SSLError):
        # Checked at start-up (config.check_sync): the file went away or changed since.
        raise FetchError(
            N_("The calendar sync cannot read its list of certificate authorities.")
        ) from None
    return context


def _answer(
    url: str,
    response: http.client.HTTPResponse,
    pinned: socket.socket | None,
    limits: Limits,
    deadline: float,
) -> Fetched:
    etag = response.getheader("ETag", "")
    last_modified = response.getheader("Last-Modified", "")
    if response.status == 304:
        return Fetched(304, b"", etag, last_modified, url)
    if response.status != 200:
        raise FetchError(
            N_("The calendar address answered with error %(status)d."), status=response.status
        )
    length = response.getheader("Content-Length")
    if length and length.isdigit() and int(length) > limits.max_bytes:
        raise _too_big(limits)
    return Fetched(200, _read_body(response, pinned, limits, deadline), etag, last_modified, url)


def _read_body(
    response: http.client.HTTPResponse,
    pinned: socket.socket | None,
    limits: Limits,
    deadline: float,
) -> bytes:
    """The body, chunk by chunk, so that neither its size nor a trickle can hold us."""
    body = bytearray()
    try:
        while True:
            if pinned is not None:
                pinned.settimeout(_remaining(deadline))
            chunk = response.read1(_CHUNK)
            if not chunk:
                return bytes(body)
            body += chunk
            if len(body) > limits.max_bytes:
                raise _too_big(limits)
            if time.monotonic() > deadline:
                raise _too_slow(limits)
    except TimeoutError:
        raise _too_slow(limits) from None
    except (OSError, http.client.HTTPException):
        raise FetchError(N_("The calendar's server broke off its answer.")) from None


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchError(N_("The calendar's server took too long to answer."))
    return left


def _too_slow(limits: Limits) -> FetchError:
    return FetchError(
        N_("The calendar's server took more than %(seconds)d seconds to answer."),
        seconds=int(limits.total_seconds),
    )


def _too_big(limits: Limits) -> FetchError:
    return FetchError(
        N_("The calendar is larger than %(size)d kB: it is not read."),
        size=limits.max_bytes // 1000,
    )
