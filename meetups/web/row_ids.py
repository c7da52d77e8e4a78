"""Row ids in addresses: only numbers a row can have, so that a huge one is a 404, not a crash.

SQLite cannot bind an integer of 2**63 or more, and PostgreSQL's `integer` columns
hold 32 bits: an id beyond that names no row on either engine.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map

MAX_ROW_ID = 2**31 - 1


class RowIdConverter(IntegerConverter):
    """`<id:name>` in a route: a positive integer that fits the id columns."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(url_map, min=1, max=MAX_ROW_ID)


def row_id(text: str) -> int:
    """A query parameter as a row id (`request.args.get("city", type=row_id)`);
    ValueError, which Werkzeug turns into "absent", for anything else."""
    value = int(text)
    if not 1 <= value <= MAX_ROW_ID:
        raise ValueError(f"{text!r} is not a row id")
    return value
