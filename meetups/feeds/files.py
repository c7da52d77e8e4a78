"""Feeds too big for a worker's memory, kept as files that every worker sends.

At 100,000 meetups the whole-directory feed is some 70 MB: rendered into memory
it grew a worker by 270 MB, and as it never fitted the feed cache every request
rendered it again. Written once per version (its ETag) into a folder, piece by
piece, it is sent from disk by whichever worker is asked, until the data changes.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

try:
    import fcntl
except ImportError:  # not on Windows: two workers may then write the same feed at once
    fcntl = None  # type: ignore[assignment]

_COPY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class FeedFile:
    """A written feed and its gzip; `kept` is False when they belong to no version
    (the data moved while writing) and must be deleted once sent."""

    body: Path
    gzipped: Path
    kept: bool = True

    def discard(self) -> None:
        for path in (self.body, self.gzipped):
            path.unlink(missing_ok=True)


class FeedFiles:
    """One folder of feed files named by feed path and ETag."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def find(self, feed_path: str, etag: str) -> FeedFile | None:
        found = self._file(feed_path, etag)
        return found if found.body.exists() and found.gzipped.exists() else None

    def make(
        self,
        feed_path: str,
        etag: str,
        write: Callable[[BinaryIO], None],
        unchanged: Callable[[], bool],
    ) -> FeedFile:
        """The files of `etag`, written by `write` unless another worker did meanwhile.

        `unchanged()`, asked after writing, says whether the bytes are still the
        ETag's; if not, they are returned unkept, to be sent once and deleted.
        Files of the feed's older versions are deleted once a new one is kept.
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        with self._lock(feed_path):
            found = self.find(feed_path, etag)
            if found is not None:
                return found
            written = self._write(write)
            if not unchanged():
                return written
            wanted = self._file(feed_path, etag)
            os.replace(written.gzipped, wanted.gzipped)
            os.replace(written.body, wanted.body)
            self._forget_older(feed_path, wanted)
            return wanted

    def _write(self, write: Callable[[BinaryIO], None]) -> FeedFile:
        """Both files under temporary names in the folder, so that renaming is atomic."""
        body = self._temporary(".ics")
        gzipped = self._temporary(".ics.gz")
        try:
            with body.open("wb") as out:
                write(out)
            with (
                body.open("rb") as source,
                gzipped.open("wb") as raw,
                gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=0) as out,
            ):
                shutil.copyfileobj(source, out, _COPY_BYTES)
        except BaseException:
            FeedFile(body, gzipped).discard()
            raise
        return FeedFile(body, gzipped, kept=False)

    def _temporary(self, suffix: str) -> Path:
        handle, name = tempfile.mkstemp(suffix=suffix, prefix=".writing-", dir=self.directory)
        os.close(handle)
        return Path(name)

    def _file(self, feed_path: str, etag: str) -> FeedFile:
        name = f"{_stem(feed_path)}@{etag}"
        return FeedFile(self.directory / f"{name}.ics", self.directory / f"{name}.ics.gz")

    def _forget_older(self, feed_path: str, kept: FeedFile) -> None:
        """A worker still sending an older file keeps reading it: unlinking is safe."""
        for path in self.directory.glob(f"{_stem(feed_path)}@*"):
            if path not in (kept.body, kept.gzipped):
                path.unlink(missing_ok=True)

    @contextlib.contextmanager
    def _lock(self, feed_path: str) -> Iterator[None]:
        """One writer per feed across workers: the others wait, then send its files."""
        if fcntl is None:
            yield
            return
        with (self.directory / f".{_stem(feed_path)}.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def _stem(feed_path: str) -> str:
    """ "city/fr/paris.ics" → "city~fr~paris": slugs hold neither "~" nor "@"."""
    return feed_path.removesuffix(".ics").replace("/", "~")
