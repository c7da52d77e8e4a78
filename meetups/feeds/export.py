"""Static export of feeds into a folder any web server or CDN can serve.

Every file is written whole to a temporary name and renamed, so a reader (or
a crash) never sees half a feed. A manifest of ETags lets an export after one
edit render only the feeds whose data changed. Each feed has its gzip beside it
(`paris.ics.gz`), which a web server sends as it is to calendar apps that take
gzip (nginx's `gzip_static`) rather than compressing the feed for each of them.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST = ".etags.json"
# The export's own memory of rendered series (see calendars.FeedRenderer), beside the manifest.
SERIES_CACHE = ".series.json"
TEMPORARY_SUFFIX = ".partial"
GZIP_SUFFIX = ".gz"


class ExportError(RuntimeError):
    """The folder cannot be written; the message says which and why."""


@dataclass(frozen=True)
class ExportItem:
    path: str
    etag: str
    render: Callable[[], bytes]


@dataclass
class ExportReport:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)


def export(directory: Path, items: Iterable[ExportItem]) -> ExportReport:
    """Bring `directory` in line with `items`: write what changed, remove what is gone."""
    try:
        return _export(directory, items)
    except OSError as error:
        raise ExportError(
            f"Cannot write feeds to {directory}: {error.strerror or error}"
        ) from error


def _export(directory: Path, items: Iterable[ExportItem]) -> ExportReport:
    directory.mkdir(parents=True, exist_ok=True)
    existing, gzipped = _feeds_on_disk(directory)
    known = _read_manifest(directory)
    manifest: dict[str, str] = {}
    report = ExportReport()
    for item in items:
        manifest[item.path] = item.etag
        whole = item.path in existing and item.path in gzipped
        if known.get(item.path) == item.etag and whole:
            report.unchanged += 1
            continue
        target = directory / item.path
        body = item.render()
        if whole and target.read_bytes() == body:
            report.unchanged += 1
            continue
        # The gzip first: a server that finds the new feed finds its gzip too.
        write_atomically(_gzip_of(target), gzip.compress(body, compresslevel=6, mtime=0))
        write_atomically(target, body)
        report.written.append(item.path)
    report.removed = _remove_stale(directory, (existing | gzipped) - set(manifest))
    write_atomically(directory / MANIFEST, json.dumps(manifest, sort_keys=True).encode())
    return report


def write_atomically(target: Path, body: bytes) -> None:
    """Write to a temporary file beside the target, flush it to disk, then rename over it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=TEMPORARY_SUFFIX
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(body)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def read_state(directory: Path, name: str) -> dict:
    """A JSON object the export keeps in `directory`; empty when missing or unreadable."""
    try:
        data = json.loads((directory / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_state(directory: Path, name: str, data: dict) -> None:
    try:
        write_atomically(directory / name, json.dumps(data, sort_keys=True).encode())
    except OSError as error:
        raise ExportError(
            f"Cannot write {name} in {directory}: {error.strerror or error}"
        ) from error


def _read_manifest(directory: Path) -> dict[str, str]:
    return read_state(directory, MANIFEST)


def _gzip_of(feed: Path) -> Path:
    return feed.with_name(feed.name + GZIP_SUFFIX)


def _feeds_on_disk(directory: Path) -> tuple[set[str], set[str]]:
    """The feeds already there, and those with their gzip beside them (relative paths of
    the feeds), once leftovers of a killed run are gone."""
    found, gzipped = set(), set()
    root = str(directory)
    for folder, _, files in os.walk(root):
        prefix = folder[len(root) + 1 :].replace(os.sep, "/")
        for name in files:
            relative = f"{prefix}/{name}" if prefix else name
            if name.startswith(".") and name.endswith(TEMPORARY_SUFFIX):
                os.unlink(os.path.join(folder, name))
            elif name.endswith(".ics"):
                found.add(relative)
            elif name.endswith(".ics" + GZIP_SUFFIX):
                gzipped.add(relative.removesuffix(GZIP_SUFFIX))
    return found, gzipped


def _remove_stale(directory: Path, stale: set[str]) -> list[str]:
    """Remove feeds that no longer exist, their gzip, and the folders they leave empty."""
    for relative in stale:
        (directory / relative).unlink(missing_ok=True)
        _gzip_of(directory / relative).unlink(missing_ok=True)
        for folder in (directory / relative).parents:
            if folder == directory:
                break
            with contextlib.suppress(OSError):
                folder.rmdir()
    return sorted(stale)
