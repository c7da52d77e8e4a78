"""Static export of feeds into a folder any web server or CDN can serve.

Every file is written whole to a temporary name and renamed, so a reader (or
a crash) never sees half a feed. A manifest of ETags lets an export after one
edit render only the feeds whose data changed.
"""

from __future__ import annotations

import contextlib
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
    existing = _feeds_on_disk(directory)
    known = _read_manifest(directory)
    manifest: dict[str, str] = {}
    report = ExportReport()
    for item in items:
        manifest[item.path] = item.etag
        if known.get(item.path) == item.etag and item.path in existing:
            report.unchanged += 1
            continue
        target = directory / item.path
        body = item.render()
        if item.path in existing and target.read_bytes() == body:
            report.unchanged += 1
            continue
        write_atomically(target, body)
        report.written.append(item.path)
    report.removed = _remove_stale(directory, existing - set(manifest))
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


def _feeds_on_disk(directory: Path) -> set[str]:
    """The feed files already there (relative paths), once leftovers of a killed run are gone."""
    found = set()
    root = str(directory)
    for folder, _, files in os.walk(root):
        prefix = folder[len(root) + 1 :].replace(os.sep, "/")
        for name in files:
            if name.startswith(".") and name.endswith(TEMPORARY_SUFFIX):
                os.unlink(os.path.join(folder, name))
            elif name.endswith(".ics"):
                found.add(f"{prefix}/{name}" if prefix else name)
    return found


def _remove_stale(directory: Path, stale: set[str]) -> list[str]:
    """Remove feeds that no longer exist, and the folders they leave empty."""
    for relative in stale:
        (directory / relative).unlink()
        for folder in (directory / relative).parents:
            if folder == directory:
                break
            with contextlib.suppress(OSError):
                folder.rmdir()
    return sorted(stale)
