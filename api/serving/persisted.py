"""Automatic persisted queries: a client sends the SHA-256 of a document instead of the document.

The protocol Apollo Client (and others) speak: the request carries
`extensions.persistedQuery = {"version": 1, "sha256Hash": "<hex>"}`, over POST or GET. A known
hash runs its document; an unknown one answers PERSISTED_QUERY_NOT_FOUND, and the client sends
the document once with its hash, which is checked and remembered (a bounded memory, least
recently used first out). A GET with only the hash is a short URL a CDN or browser can cache.

One registration serves the whole deployment: a document is kept in this process and in the
deployment's shared place (the machine's coordinator, or Redis), so a hash registered through
one worker or instance answers on every other. While the shared place cannot be reached,
each process remembers alone (and /ready says so).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Protocol

from api.serving.codes import RequestCode
from api.serving.memory import Memory

PERSISTED_KEPT = 2048  # documents remembered by hash
# A longer document runs, but is not remembered: the memory stays under 2048 x 20,000 chars.
MAX_PERSISTED_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a persisted-query request cannot run, as the protocol names it."""

    message: str
    code: RequestCode
    status: int


NOT_FOUND = Refusal("PersistedQueryNotFound", RequestCode.PERSISTED_QUERY_NOT_FOUND, 200)


class SharedDocuments(Protocol):
    """Where the deployment's workers and instances share the documents they were sent."""

    async def keep_document(self, digest: str, document: str) -> None: ...

    async def find_document(self, digest: str) -> str | None: ...


class PersistedQueries:
    def __init__(self, shared: SharedDocuments, size: int = PERSISTED_KEPT) -> None:
        self.documents: Memory[str, str] = Memory(size)
        self._shared = shared

    async def resolve(self, query: object, extensions: object) -> str | Refusal | None:
        """The document to run; None when the request does not use the protocol."""
        if not isinstance(extensions, dict) or "persistedQuery" not in extensions:
            return None
        persisted: Any = extensions["persistedQuery"]
        if not isinstance(persisted, dict) or persisted.get("version") != 1:
            return Refusal(
                "extensions.persistedQuery must be {version: 1, sha256Hash: <hex>}",
                RequestCode.BAD_REQUEST,
                400,
            )
        digest = persisted.get("sha256Hash")
        if not isinstance(digest, str) or len(digest) != 64:
            return Refusal(
                "sha256Hash must be 64 hexadecimal characters", RequestCode.BAD_REQUEST, 400
            )
        digest = digest.lower()
        if isinstance(query, str):
            if hashlib.sha256(query.encode()).hexdigest() != digest:
                return Refusal(
                    "provided sha256Hash does not match query", RequestCode.BAD_REQUEST, 400
                )
            if len(query) > MAX_PERSISTED_CHARS:
                return query
            if self.documents.find(digest) is None:  # new here: tell the other workers too
                self.documents.keep(digest, query)
                await self._shared.keep_document(digest, query)
            return query
        found = self.documents.find(digest)
        if found is None:
            found = await self._shared.find_document(digest)
            # What comes back is checked as a client's document would be.
            if found is None or hashlib.sha256(found.encode()).hexdigest() != digest:
                return NOT_FOUND
            self.documents.keep(digest, found)
        return found
