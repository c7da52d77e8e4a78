"""The OpenAPI 3.1 description of the open-data API, served at /api/v1/openapi.json.

Pure and Flask-free. Every object lists all its fields as required and allows
no others, so that a field added to, renamed in or dropped from
`meetups.api.records` without being described here fails the tests, which
validate the running API's answers against this document.
"""

from __future__ import annotations

from typing import Any

from meetups.api.records import (
    API_PREFIX,
    COORDINATE_SOURCES,
    COUNTRY_PATTERN,
    DEFAULT_PER_PAGE,
    MAX_PAGE,
    MAX_PER_PAGE,
    MAX_QUERY_LENGTH,
    MAX_SLUG_LENGTH,
    MAX_WINDOW_DAYS,
    SLUG_PATTERN,
    STATUSES,
)

Schema = dict[str, Any]

STRING: Schema = {"type": "string"}
URL: Schema = {"type": "string", "format": "uri"}
DATE: Schema = {"type": "string", "format": "date"}
# The days a question may name (schedule.FIRST_DAY to LAST_DAY): years 1900 to 2999.
QUERY_DAY: Schema = {**DATE, "pattern": "^(19|2[0-9])[0-9]{2}-"}
INTEGER: Schema = {"type": "integer"}
COUNT: Schema = {"type": "integer", "minimum": 0}
NUMBER: Schema = {"type": "number"}
BOOLEAN: Schema = {"type": "boolean"}


def _nullable(schema: Schema) -> Schema:
    return {**schema, "type": [schema["type"], "null"]}


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(description: str, properties: dict[str, Schema]) -> Schema:
    return {
        "type": "object",
        "description": description,
        "required": list(properties),
        "properties": properties,
        "additionalProperties": False,
    }


def _described(schema: Schema, description: str) -> Schema:
    return {**schema, "description": description}


def _page_of(name: str) -> Schema:
    return _object(
        f"One page of {name} records.",
        {
            "items": {"type": "array", "items": _ref(name)},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "total": _described(COUNT, "How many items all pages hold together."),
        },
    )


LINKS = {
    "api_url": _described(URL, "This item in the API."),
    "page_url": _described(URL, "This item's page on the site."),
    "feed_url": _described(URL, "Its iCalendar feed, to subscribe to."),
}
REGION = _described(STRING, 'A US city\'s state ("Illinois"); empty elsewhere, for now.')

SCHEMAS: dict[str, Schema] = {
    "Error": _object(
        "What went wrong, for the person writing the client.",
        {
            "error": _object(
                "The error.",
                {
                    "status": _described(INTEGER, "The HTTP status, repeated."),
                    "message": STRING,
                },
            )
        },
    ),
    "Country": _object(
        "A country with listed (active or paused) meetups.",
        {
            "code": _described(
                {**STRING, "pattern": "^[A-Z]{2}$"}, "ISO 3166-1 alpha-2 code, upper-case."
            ),
            "name": STRING,
            "city_count": _described(COUNT, "Cities with listed meetups."),
            "meetup_count": _described(COUNT, "Listed meetups."),
            "cities_url": _described(URL, "Its cities in the API."),
            "page_url": LINKS["page_url"],
            "feed_url": LINKS["feed_url"],
        },
    ),
    "CityRef": _object(
        "A city, briefly.",
        {
            "name": STRING,
            "slug": STRING,
            "region": REGION,
            "country_code": {**STRING, "pattern": "^[A-Z]{2}$"},
            "country_name": STRING,
            "api_url": LINKS["api_url"],
        },
    ),
    "City": _object(
        "A city of the GeoNames gazetteer.",
        {
            "name": STRING,
            "slug": _described(STRING, "Unique within its country."),
            "region": REGION,
            "country_code": {**STRING, "pattern": "^[A-Z]{2}$"},
            "country_name": STRING,
            "api_url": LINKS["api_url"],
            "geonames_id": INTEGER,
            "latitude": {**NUMBER, "minimum": -90, "maximum": 90},
            "longitude": {**NUMBER, "minimum": -180, "maximum": 180},
            "timezone": _described(STRING, "IANA time zone, e.g. Europe/Paris."),
            "population": COUNT,
            "meetup_count": _described(COUNT, "Listed (active or paused) meetups."),
            "page_url": LINKS["page_url"],
            "feed_url": LINKS["feed_url"],
        },
    ),
    "Venue": _object(
        "A place where meetups are held.",
        {
            "slug": STRING,
            "name": STRING,
            "address": STRING,
            "city": _ref("CityRef"),
            "latitude": _nullable({**NUMBER, "minimum": -90, "maximum": 90}),
            "longitude": _nullable({**NUMBER, "minimum": -180, "maximum": 180}),
            "coordinates_source": _described(
                {**STRING, "enum": list(COORDINATE_SOURCES)},
                "manual (typed by a volunteer), geocoder, or gazetteer (the city's centre).",
            ),
            "approximate": _described(BOOLEAN, "True when the position is the city's centre."),
            "timezone": _described(STRING, "IANA time zone of the venue."),
            "notes": _described(STRING, "Practical notes: wifi, power, quiet."),
            **LINKS,
        },
    ),
    "Tag": _object("A topic.", {"slug": STRING, "name": STRING}),
    "Schedule": _object(
        "The series in local wall-clock time: expand `rrule` from the first date that fits "
        "it on or after `first_date`, at `start_time` in `timezone`, up to `end_date`.",
        {
            "rrule": _described(
                STRING, "RFC 5545 RRULE value (no DTSTART or UNTIL), e.g. FREQ=WEEKLY;BYDAY=TH."
            ),
            "start_time": _described(
                {**STRING, "pattern": "^[0-2][0-9]:[0-5][0-9]$"}, "Local start time, HH:MM."
            ),
            "end_time": _described(
                {**STRING, "pattern": "^[0-2][0-9]:[0-5][0-9]$"},
                "Local end time, HH:MM, the next day when not after start_time. A date ends at "
                "this wall-clock time also on a night the clocks change.",
            ),
            "duration_minutes": _described(
                {"type": "integer", "minimum": 1, "maximum": 24 * 60},
                "Minutes from start_time to end_time on the wall clock.",
            ),
            "timezone": _described(STRING, "IANA time zone, e.g. Europe/Paris."),
            "first_date": DATE,
            "end_date": _described(
                _nullable(DATE),
                "The last day the series can run (its end date, or the eve of a pause or "
                "end); null while open-ended.",
            ),
            "description": _described(STRING, "In words, e.g. “Every Thursday, 09:00–11:00”."),
        },
    ),
    "MeetupRef": _object(
        "A meetup, briefly.",
        {
            "slug": STRING,
            "name": STRING,
            "status": {**STRING, "enum": list(STATUSES)},
            "api_url": LINKS["api_url"],
            "page_url": LINKS["page_url"],
        },
    ),
    "Meetup": _object(
        "A recurring meetup series.",
        {
            "slug": STRING,
            "name": STRING,
            "status": {**STRING, "enum": list(STATUSES)},
            "api_url": LINKS["api_url"],
            "page_url": LINKS["page_url"],
            "description": _described(STRING, "Plain text."),
            "description_html": _described(
                STRING, "The same as sanitised HTML (paragraphs, emphasis, lists, links)."
            ),
            "status_since": _described(
                _nullable(DATE), "The day a pause or end began; null if never set."
            ),
            "schedule": _ref("Schedule"),
            "venue": _ref("Venue"),
            "tags": {"type": "array", "items": _ref("Tag")},
            "languages": _described(
                {"type": "array", "items": STRING}, "Language codes spoken, e.g. en, fr."
            ),
            "url": _described(_nullable(STRING), "The meetup's own website, if any."),
            "last_confirmed": _described(
                _nullable(DATE), "When a volunteer last confirmed it still happens."
            ),
            "feed_url": LINKS["feed_url"],
        },
    ),
    "Occurrence": _object(
        "One date of a series, in the series' local time.",
        {
            "meetup": _ref("MeetupRef"),
            "original_date": _described(DATE, "The date the rule gives (a moved date's origin)."),
            "start": _described(
                {**STRING, "format": "date-time"},
                "Local start with its UTC offset, e.g. 2026-03-26T09:00:00+01:00.",
            ),
            "end": _described({**STRING, "format": "date-time"}, "Local end with its UTC offset."),
            "timezone": _described(STRING, "IANA time zone the times are in."),
            "cancelled": BOOLEAN,
            "moved": _described(BOOLEAN, "Another day, time, length or venue than the rule's."),
            "note": _described(STRING, "Volunteers' note on a cancelled or moved date."),
            "venue": _described(_ref("Venue"), "Where this date happens."),
        },
    ),
    "NearMeetup": _object(
        "A meetup and how far its venue is from the point asked about.",
        {"distance_km": {**NUMBER, "minimum": 0}, "meetup": _ref("Meetup")},
    ),
}
for _name in ("Country", "City", "Venue", "Meetup", "Occurrence", "NearMeetup"):
    SCHEMAS[f"{_name}Page"] = _page_of(_name)


def _query(name: str, schema: Schema, description: str, required: bool = False) -> Schema:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema,
    }


def _path(name: str, description: str) -> Schema:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {**STRING, "minLength": 1},
    }


SLUG: Schema = {**STRING, "pattern": SLUG_PATTERN, "maxLength": MAX_SLUG_LENGTH}

PARAMETERS: dict[str, Schema] = {
    "page": _query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, "Page, from 1."),
    "per_page": _query(
        "per_page",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
        "Items per page.",
    ),
    "country": _query(
        "country", {**STRING, "pattern": COUNTRY_PATTERN}, "Country code, e.g. fr (any case)."
    ),
    "city": _query("city", SLUG, "City slug, e.g. paris; combine with country to be sure."),
    "venue": _query("venue", SLUG, "Venue slug."),
    "tag": _query("tag", SLUG, "Tag slug."),
    "status": _query("status", {**STRING, "enum": list(STATUSES)}, "Only series with this status."),
    "if_none_match": {
        "name": "If-None-Match",
        "in": "header",
        "required": False,
        "description": "An ETag from an earlier answer: 304 while nothing changed.",
        "schema": STRING,
    },
}

MEETUP_FILTERS = ("country", "city", "venue", "tag", "status")

HEADERS: dict[str, Schema] = {
    "ETag": {"description": "Strong validator of this answer.", "schema": STRING, "required": True},
    "Cache-Control": {"schema": STRING, "required": True},
    "Access-Control-Allow-Origin": {"schema": {**STRING, "enum": ["*"]}, "required": True},
    "Link": {
        "description": "RFC 8288 links to the first, prev, next and last pages.",
        "schema": STRING,
        "required": True,
    },
}


def _headers(*names: str) -> dict[str, Schema]:
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


RESPONSES: dict[str, Schema] = {
    "NotModified": {
        "description": "Unchanged since the ETag given in If-None-Match.",
        "headers": _headers("ETag", "Cache-Control", "Access-Control-Allow-Origin"),
    },
    "BadRequest": {
        "description": "A parameter is missing, unknown, repeated or has a wrong value.",
        "headers": _headers("Access-Control-Allow-Origin"),
        "content": {"application/json": {"schema": _ref("Error")}},
    },
    "NotFound": {
        "description": "Nothing at this address.",
        "headers": _headers("Access-Control-Allow-Origin"),
        "content": {"application/json": {"schema": _ref("Error")}},
    },
}


def _operation(
    operation_id: str,
    summary: str,
    schema: str,
    parameters: tuple[str, ...] = (),
    *,
    extra: tuple[Schema, ...] = (),
    paged: bool = False,
    not_found: bool = False,
    redirects: bool = False,
) -> Schema:
    names = (*parameters, *(("page", "per_page") if paged else ()), "if_none_match")
    headers = (
        "ETag",
        "Cache-Control",
        "Access-Control-Allow-Origin",
        *(("Link",) if paged else ()),
    )
    responses: dict[str, Schema] = {
        "200": {
            "description": "OK.",
            "headers": _headers(*headers),
            "content": {"application/json": {"schema": _ref(schema)}},
        },
        "304": {"$ref": "#/components/responses/NotModified"},
        "400": {"$ref": "#/components/responses/BadRequest"},
    }
    if redirects:
        responses["301"] = {
            "description": "Merged into another venue: Location is its address, for good.",
            "headers": {
                "Location": {"schema": URL, "required": True},
                **_headers("Access-Control-Allow-Origin"),
            },
        }
    if not_found:
        responses["404"] = {"$ref": "#/components/responses/NotFound"}
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "parameters": [
                *extra,
                *({"$ref": f"#/components/parameters/{name}"} for name in names),
            ],
            "responses": responses,
        }
    }


def _paths(radius_km: tuple[float, float, float]) -> dict[str, Schema]:
    shortest, usual, longest = radius_km
    return {
        "/countries": _operation(
            "listCountries", "Countries with listed meetups, by name.", "CountryPage", paged=True
        ),
        "/cities": _operation(
            "listCities",
            "Cities with listed meetups, by name.",
            "CityPage",
            ("country",),
            extra=(
                _query(
                    "q",
                    {**STRING, "maxLength": MAX_QUERY_LENGTH},
                    "Start of any of the city's names, accents and case ignored "
                    "(Köln, koln and Cologne all find Köln).",
                ),
            ),
            paged=True,
        ),
        "/cities/{country}/{slug}": _operation(
            "getCity",
            "Any city of the gazetteer, with its number of listed meetups.",
            "City",
            extra=(_path("country", "Country code, e.g. fr."), _path("slug", "City slug.")),
            not_found=True,
        ),
        "/venues": _operation(
            "listVenues", "Venues, by name.", "VenuePage", ("country", "city"), paged=True
        ),
        "/venues/{slug}": _operation(
            "getVenue",
            "One venue.",
            "Venue",
            extra=(_path("slug", "Venue slug."),),
            not_found=True,
            redirects=True,
        ),
        "/meetups": _operation(
            "listMeetups",
            "Meetups of any status, by name.",
            "MeetupPage",
            MEETUP_FILTERS,
            paged=True,
        ),
        "/meetups/{slug}": _operation(
            "getMeetup",
            "One meetup.",
            "Meetup",
            extra=(_path("slug", "Meetup slug."),),
            not_found=True,
        ),
        "/occurrences": _operation(
            "listOccurrences",
            "Dates of meetups whose local start day is from `from` to `to`, by start instant.",
            "OccurrencePage",
            MEETUP_FILTERS,
            extra=(
                _query("from", QUERY_DAY, "First local day, YYYY-MM-DD.", required=True),
                _query(
                    "to",
                    QUERY_DAY,
                    f"Last local day, YYYY-MM-DD; at most {MAX_WINDOW_DAYS} days in all.",
                    required=True,
                ),
                _query(
                    "include_cancelled",
                    {**BOOLEAN, "default": False},
                    "Include cancelled dates (flagged).",
                ),
            ),
            paged=True,
        ),
        "/near": _operation(
            "listNear",
            "Listed meetups within a distance of a point, nearest first.",
            "NearMeetupPage",
            extra=(
                _query("lat", {**NUMBER, "minimum": -90, "maximum": 90}, "Latitude.", True),
                _query("lon", {**NUMBER, "minimum": -180, "maximum": 180}, "Longitude.", True),
                _query(
                    "km",
                    {
                        **NUMBER,
                        "minimum": shortest,
                        "maximum": longest,
                        "default": usual,
                    },
                    "Distance in km.",
                ),
            ),
            paged=True,
        ),
    }


def openapi_document(
    base_url: str, site_name: str, radius_km: tuple[float, float, float]
) -> dict[str, Any]:
    """The whole document; the server is the site's public address.

    `radius_km` is the near search's (shortest, default, longest) distance, the pages' own.
    """
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{site_name} open data API",
            "version": "1.0.0",
            "description": (
                "Read-only JSON about recurring meetups: countries, cities, venues, meetups, "
                "their dates and a near-a-point search. Lists are paged (`page`, `per_page`) "
                "with RFC 8288 `Link` headers. Answers carry a strong `ETag` (send it back in "
                "`If-None-Match` for a 304) and `Cache-Control: public, max-age=300`, and may "
                "be read from any origin (CORS). Times are local wall-clock times with their "
                "UTC offset and IANA zone."
            ),
        },
        "servers": [{"url": base_url + API_PREFIX}],
        "paths": _paths(radius_km),
        "components": {
            "schemas": SCHEMAS,
            "parameters": PARAMETERS,
            "headers": HEADERS,
            "responses": RESPONSES,
        },
    }
