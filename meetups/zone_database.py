"""Which IANA time zone release every process computes with: the `tzdata` package's.

Python's zoneinfo reads the operating system's zones first and the tzdata
package only when the system has none. Operating systems lag (Debian 12 ships
2025b) and differ from machine to machine, so a web worker, the export and a
calendar app with current rules could place one meetup an hour apart. Reading
only the package gives every process on every machine the same, newest release,
pinned and upgraded like any other dependency (`make tzdata`).

Pure and Flask-free; `meetups/__init__.py` applies it before any zone is read.
"""

from __future__ import annotations

import zoneinfo
from pathlib import Path

import tzdata

SYSTEM_ZONES = Path("/usr/share/zoneinfo")
"""Where the operating system keeps its zones, which every process read before
this module existed: the baseline when no release was recorded yet."""


def use_packaged_release() -> None:
    """Make zoneinfo read the tzdata package only, forgetting zones read until now."""
    zoneinfo.reset_tzpath(to=[])
    zoneinfo.ZoneInfo.clear_cache()


def release() -> str:
    """The IANA release in use, like "2026f": /healthz and the README name it."""
    return tzdata.IANA_VERSION


def system_zone(key: str) -> zoneinfo.ZoneInfo | None:
    """The operating system's version of a zone, or None where it has none."""
    path = SYSTEM_ZONES / key
    if any(part in ("", ".", "..") for part in key.split("/")) or not path.is_file():
        return None
    try:
        with path.open("rb") as stream:
            return zoneinfo.ZoneInfo.from_file(stream, key=key)
    except (OSError, ValueError):
        return None
