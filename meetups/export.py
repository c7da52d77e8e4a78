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
    _remove_partial_files(directory)
    known = _read_manifest(directory)
    manifest: dict[str, str] = {}
    report = ExportReport()
    for item in items:
        target = directory / item.path
        manifest[item.path] = item.etag
        if known.get(item.path) == item.etag and target.is_file():
            report.unchanged += 1
            continue
        body = item.render()
        if target.is_file() and target.read_bytes() == body:
            report.unchanged += 1
            continue
        write_atomically(target, body)
        report.written.append(item.path)
    report.removed = _remove_stale(directory, set(manifest))
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


def _read_manifest(directory: Path) -> dict[str, str]:
    try:
        data = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _remove_partial_files(directory: Path) -> None:
    """Leftovers of an export that was killed mid-write."""
    for leftover in directory.rglob(f".*{TEMPORARY_SUFFIX}"):
        leftover.unlink(missing_ok=True)


def _remove_stale(directory: Path, keep: set[str]) -> list[str]:
    removed = []
    for file in sorted(directory.rglob("*.ics")):
        relative = file.relative_to(directory).as_posix()
        if relative not in keep:
            file.unlink()
            removed.append(relative)
    for folder in sorted((p for p in directory.rglob("*") if p.is_dir()), reverse=True):
        with contextlib.suppress(OSError):
            folder.rmdir()
    return removed
