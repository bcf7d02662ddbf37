"""Trusted documents' settings, a part of Settings (api/settings.py): the manifests of the
operations the organisation's apps were built with (api/serving/trusted.py)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings

from api.serving.trusted import read_manifest


class TrustedSettings(BaseSettings):
    # Manifest files, comma-separated: Relay's persisted queries, Apollo's persisted query
    # manifest, GraphQL Code Generator's persisted-documents.json. Read again when changed.
    trusted_documents: str = Field(default="", validation_alias="ORDERWIRE_TRUSTED_DOCUMENTS")
    # Refuse every document that is not in them, over HTTP and WebSocket alike.
    trusted_documents_only: bool = Field(
        default=False, validation_alias="ORDERWIRE_TRUSTED_DOCUMENTS_ONLY"
    )
    # With trusted documents only, operators may still send any document (GraphiQL).
    trusted_documents_operators_free: bool = Field(
        default=False, validation_alias="ORDERWIRE_TRUSTED_DOCUMENTS_OPERATORS_FREE"
    )

    @field_validator("trusted_documents")
    @classmethod
    def _readable(cls, value: str) -> str:
        for path in _paths(value):
            read_manifest(path)  # a ManifestProblem names the file and what is wrong
        return value

    @property
    def trusted_document_paths(self) -> list[Path]:
        return _paths(self.trusted_documents)


def _paths(value: str) -> list[Path]:
    return [Path(part.strip()) for part in value.split(",") if part.strip()]
