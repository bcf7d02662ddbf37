"""Trusted documents: the operations an organisation's own apps were built with, by id.

Manifests come from the tools frontend teams run (docs/trusted-documents.md):
- Relay's persisted queries (`relay-compiler` with `persistConfig.file`) and GraphQL Code
  Generator's client preset (`persisted-documents.json`): `{"<id>": "<document>", ...}`;
- Apollo's persisted query manifest (`generate-persisted-query-manifest`):
  `{"format": "apollo-persisted-query-manifest", "version": 1, "operations":
  [{"id", "name", "type", "body"}, ...]}`.

A request names a document by `documentId` (the GraphQL-over-HTTP form: `sha256:<hex>` or
the manifest's own id) or by the SHA-256 of its text (an automatic persisted query hash).
With trusted documents only, a document sent as text runs only if it is one of them
(`Trusted.gate`). Manifests are read again when a file changes, without a restart.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import DocumentNode, GraphQLError, GraphQLSchema

from api.serving.codes import RequestCode

log = logging.getLogger("orderwire.trusted")

# How often the manifests' files are looked at for a change, at most.
RELOAD_EVERY = 2.0
APOLLO_FORMAT = "apollo-persisted-query-manifest"


class ManifestProblem(ValueError):
    """A manifest that cannot be read: its path and what is wrong."""


def sha256(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def read_manifest(path: Path) -> dict[str, str]:
    """The documents of one manifest file by id, whichever of the three formats it is in."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ManifestProblem(f"{path}: {error}") from error
    if isinstance(data, dict) and data.get("format") == APOLLO_FORMAT:
        if data.get("version") != 1 or not isinstance(data.get("operations"), list):
            raise ManifestProblem(f"{path}: an Apollo manifest of version 1 has `operations`")
        found = {}
        for operation in data["operations"]:
            if not isinstance(operation, dict) or not all(
                isinstance(operation.get(k), str) for k in ("id", "body")
            ):
                raise ManifestProblem(f"{path}: each operation has a string `id` and `body`")
            found[operation["id"]] = operation["body"]
        return found
    if isinstance(data, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        return dict(data)
    raise ManifestProblem(
        f"{path}: neither an id-to-document map (Relay, GraphQL Code Generator) nor an "
        "Apollo persisted query manifest"
    )


@dataclass(frozen=True, slots=True)
class Loaded:
    by_id: dict[str, str]
    by_hash: dict[str, str]  # the SHA-256 of each document's text
    stamps: tuple[tuple[Path, float], ...]


class Trusted:
    """Every trusted document of the configured manifests, read again when one changes."""

    def __init__(self, paths: Sequence[Path], *, only: bool = False) -> None:
        self.paths = tuple(paths)
        self.only = only
        self._loaded = self._load()
        self._looked = time.monotonic()

    @property
    def count(self) -> int:
        return len(self._loaded.by_hash)

    def _load(self) -> Loaded:
        by_id: dict[str, str] = {}
        stamps = []
        for path in self.paths:
            stamps.append((path, _stamp(path)))
            by_id.update(read_manifest(path))
        by_hash = {sha256(document): document for document in by_id.values()}
        return Loaded(by_id, by_hash, tuple(stamps))

    def _current(self) -> Loaded:
        now = time.monotonic()
        if self.paths and now - self._looked >= RELOAD_EVERY:
            self._looked = now
            if any(_stamp(path) != stamp for path, stamp in self._loaded.stamps):
                try:
                    self._loaded = self._load()
                    log.info("trusted documents reloaded: %d documents", self.count)
                except ManifestProblem as problem:  # keep serving what was read before
                    log.error("trusted documents not reloaded: %s", problem)
        return self._loaded

    def document(self, document_id: str) -> str | None:
        """The document a `documentId` names: `sha256:<hex>`, or a manifest's own id."""
        loaded = self._current()
        found = loaded.by_id.get(document_id)
        if found is None:
            found = loaded.by_hash.get(document_id.removeprefix("sha256:").lower())
        return found

    def by_hash(self, digest: str) -> str | None:
        """The trusted document whose text has this SHA-256 (an APQ hash)."""
        return self._current().by_hash.get(digest)

    def trusts(self, document: str) -> bool:
        return sha256(document) in self._current().by_hash

    def gate(self, exempt: Callable[[Any], bool]) -> TrustedOnly:
        return TrustedOnly(self, exempt)


class TrustedOnly:
    """The guard's gate with trusted documents only: any other document is refused, on every
    transport, unless `exempt` says the caller may send any (operators' GraphiQL)."""

    def __init__(self, trusted: Trusted, exempt: Callable[[Any], bool]) -> None:
        self.trusted = trusted
        self.exempt = exempt

    def refusal(
        self,
        schema: GraphQLSchema,
        context: Any,
        document: DocumentNode,
        key: tuple[str, str | None],
    ) -> GraphQLError | None:
        if self.trusted.trusts(key[0]) or self.exempt(context):
            return None
        return GraphQLError(
            "this API runs trusted documents only: send the documentId of an operation from "
            "your app's manifest",
            extensions={"code": RequestCode.TRUSTED_DOCUMENT_REQUIRED.value},
        )


def _stamp(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return -1.0
