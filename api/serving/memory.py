"""A bounded least-recently-used map that counts its hits and misses: parsed and validated
documents, persisted queries, plans."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

# How many distinct documents each memory of documents keeps (parsed, validated, costed,
# planned); the oldest unused one goes first.
DOCUMENTS_KEPT = 512

K = TypeVar("K")
V = TypeVar("V")


class Memory(Generic[K, V]):
    """A bounded least-recently-used map that counts its hits and misses."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.hits = 0
        self.misses = 0
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K, make: Callable[[], V]) -> V:
        """The kept value, or `make()`'s, kept from now on."""
        try:
            value = self._items[key]
        except KeyError:
            self.misses += 1
            return self.keep(key, make())
        self.hits += 1
        self._items.move_to_end(key)
        return value

    def find(self, key: K) -> V | None:
        """The kept value, or None (for memories that never keep None)."""
        value = self._items.get(key)
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
            self._items.move_to_end(key)
        return value

    def keep(self, key: K, value: V) -> V:
        self._items[key] = value
        if len(self._items) > self.size:
            self._items.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._items)
