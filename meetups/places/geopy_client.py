"""The geopy side of `meetups.places.geocoding`, imported only when geocoding is on:
geopy and the requests it pulls in cost each worker some 20 MB."""

from __future__ import annotations

import inspect
from typing import Any

from geopy.adapters import AdapterHTTPError, URLLibAdapter
from geopy.exc import GeocoderParseError, GeocoderTimedOut, GeocoderUnavailable, GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim, get_geocoder_for_service

from meetups.places.geocoding import UNREACHABLE, UNREADABLE, GeocoderSettings
from meetups.texts import N_

# What geopy's parsers raise on a JSON body of the wrong shape (e.g. `[{}]`, `"text"`).
_WRONG_SHAPE = (ValueError, TypeError, KeyError, IndexError, AttributeError)

# Every way asking the geocoder can fail.
FAILURES: tuple[type[Exception], ...] = (GeopyError, *_WRONG_SHAPE)


class GeopyClient:
    """The configured geopy geocoder behind its rate limiter."""

    def __init__(self, settings: GeocoderSettings) -> None:
        self.client = _geopy_client(settings)
        # No retries: a volunteer is waiting; failures are not cached, so a later call retries.
        self._geocode = RateLimiter(
            self.client.geocode,
            min_delay_seconds=settings.min_delay_seconds,
            max_retries=0,
            error_wait_seconds=settings.min_delay_seconds,
            swallow_exceptions=False,
        )

    def geocode(self, query: str, country_code: str, timeout: float) -> Any:
        """geopy's Location for the query, or None; raises one of FAILURES."""
        options: dict[str, Any] = {"timeout": timeout}
        if isinstance(self.client, Nominatim):
            options["country_codes"] = country_code.lower()
        return self._geocode(query, **options)


def failure_message(error: Exception, timeout: float) -> str:
    """A short reason a volunteer can read, from whatever geopy raised."""
    cause = error.__cause__
    if isinstance(cause, AdapterHTTPError):
        return N_("the geocoder answered with an error (HTTP %(status)s)", status=cause.status_code)
    if isinstance(error, GeocoderTimedOut):
        return N_("the geocoder did not answer in %(seconds)g s", seconds=timeout)
    if isinstance(error, GeocoderUnavailable) or isinstance(error.__context__, OSError):
        return UNREACHABLE
    if isinstance(error, (GeocoderParseError, *_WRONG_SHAPE)):
        return UNREADABLE
    return N_("the geocoder failed (%(error)s)", error=str(error))


def _geopy_client(settings: GeocoderSettings) -> Any:
    """The configured geopy geocoder, given only the options its constructor accepts."""
    factory = get_geocoder_for_service(settings.provider)
    accepted = inspect.signature(factory).parameters
    offered = {
        "user_agent": settings.user_agent,
        "timeout": settings.timeout,
        "domain": settings.domain,
        "scheme": settings.scheme,
        "api_key": settings.api_key,
    }
    options = {name: value for name, value in offered.items() if value and name in accepted}
    # geopy prefers `requests` when it happens to be installed, and that adapter retries and
    # reports a timeout as "unavailable"; the standard library's behaves the same everywhere.
    return factory(**options, adapter_factory=URLLibAdapter)
