"""A thread-safe least-recently-used cache bounded by the bytes of what it holds."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class BytesLRU(Generic[V]):
    """Drops the least recently used entries once their sizes add up to more than `max_bytes`.

    Keys carry their own version (an ETag, a data version), so entries never go
    stale: they are only crowded out.
    """

    def __init__(self, max_bytes: int, size: Callable[[V], int]) -> None:
        self.max_bytes = max_bytes
        self._size_of = size
        self._entries: OrderedDict[Hashable, V] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: Hashable, value: V) -> V:
        with self._lock:
            if key not in self._entries:
                self._entries[key] = value
                self._size += self._size_of(value)
            while self._size > self.max_bytes and len(self._entries) > 1:
                _, dropped = self._entries.popitem(last=False)
                self._size -= self._size_of(dropped)
            return self._entries.get(key, value)

    def replace(self, key: Hashable, value: V) -> V:
        """Put `value` under `key` even if another value is there (whose key held no version)."""
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= self._size_of(old)
        return self.put(key, value)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def held_bytes(self) -> int:
        """What the entries held add up to, by their sizes."""
        return self._size

    def clear(self) -> None:
        """Forget every entry (the benchmark times what a miss costs)."""
        with self._lock:
            self._entries.clear()
            self._size = 0
