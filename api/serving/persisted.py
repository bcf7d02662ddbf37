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
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from starlette.responses import Response

from api.serving.codes import RequestCode
from api.serving.memory import Memory
from api.serving.trusted import Trusted

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


def with_validators(request_headers: Mapping[str, str], response: Response) -> Response:
    """A GET by id or hash answered with an ETag (its body's digest): a cache revalidates it,
    and an unchanged answer comes back as 304 without its body. The answer is the caller's
    own (private), so a shared cache keys it by the Authorization it came with."""
    if response.status_code != 200 or not isinstance(response.body, bytes):
        return response
    # The answer itself, not its `extensions` (the caller's rate-limit bucket moves), which
    # come last (Strawberry's `process_result`). Cut from the bytes, not parsed again: a key
    # with its quotes bare can only be the body's own, as quotes inside strings are escaped,
    # and nothing in the extensions is called so.
    body = response.body
    cut = body.rfind(b',"extensions":')
    digest = hashlib.sha256(body if cut < 0 else body[:cut]).hexdigest()
    tag = f'"{digest[:32]}"'
    headers = {"etag": tag, "cache-control": "private, no-cache", "vary": "Authorization"}
    if tag in (t.strip() for t in request_headers.get("if-none-match", "").split(",")):
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return response


class SharedDocuments(Protocol):
    """Where the deployment's workers and instances share the documents they were sent."""

    async def keep_document(self, digest: str, document: str) -> None: ...

    async def find_document(self, digest: str) -> str | None: ...


class PersistedQueries:
    def __init__(
        self, shared: SharedDocuments, size: int = PERSISTED_KEPT, trusted: Trusted | None = None
    ) -> None:
        self.documents: Memory[str, str] = Memory(size)
        self._shared = shared
        self.trusted = trusted or Trusted(())

    async def resolve(
        self, query: object, extensions: object, document_id: object = None
    ) -> str | Refusal | None:
        """The document to run; None when the request names none by id or hash. A
        `documentId` names a trusted document (api/serving/trusted.py); a hash, one of those
        or one registered before."""
        if document_id is not None and query is None:
            if not isinstance(document_id, str):
                return Refusal("documentId must be a string", RequestCode.BAD_REQUEST, 400)
            return self.trusted.document(document_id) or NOT_FOUND
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
            if len(query) > MAX_PERSISTED_CHARS or self.trusted.only:
                return query  # with trusted documents only, nothing new is remembered
            if self.documents.find(digest) is None:  # new here: tell the other workers too
                self.documents.keep(digest, query)
                await self._shared.keep_document(digest, query)
            return query
        found = self.documents.find(digest) or self.trusted.by_hash(digest)
        if found is None:
            found = await self._shared.find_document(digest)
            # What comes back is checked as a client's document would be.
            if found is None or hashlib.sha256(found.encode()).hexdigest() != digest:
                return NOT_FOUND
            self.documents.keep(digest, found)
        return found
