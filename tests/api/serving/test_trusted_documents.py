"""Trusted documents' manifests in each format, read again when a file changes, and the
settings that name them refused when a file is not a manifest."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from api.http.auth import operator_sends
from api.serving import trusted as trusted_module
from api.serving.trusted import ManifestProblem, Trusted, read_manifest, sha256
from api.settings import Settings
from domain.kernel.identity import Actor, Role

ORDER = "query Order($id: ID!) { order(id: $id) { id } }"
ME = "query Me { viewer { id } }"


def write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data))
    return path


def test_every_format_names_its_documents_by_id_and_by_hash(tmp_path: Path) -> None:
    relay = write(tmp_path / "relay.json", {"r1": ORDER})
    apollo = write(
        tmp_path / "apollo.json",
        {
            "format": "apollo-persisted-query-manifest",
            "version": 1,
            "operations": [{"id": sha256(ME), "name": "Me", "type": "query", "body": ME}],
        },
    )
    codegen = write(tmp_path / "codegen.json", {f"sha256:{sha256(ORDER)}": ORDER})
    documents = Trusted([relay, apollo, codegen], only=True)
    assert documents.count == 2
    assert documents.document("r1") == ORDER
    assert documents.document(f"sha256:{sha256(ORDER)}") == ORDER
    assert documents.document(sha256(ME)) == ME
    assert documents.document(f"sha256:{sha256(ME).upper()}") == ME
    assert documents.by_hash(sha256(ORDER)) == ORDER
    assert documents.trusts(ME)
    assert not documents.trusts(ME + " ")  # another text is another document
    assert documents.document("r2") is None


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("not json", "Expecting value"),
        ('{"a": 1}', "neither an id-to-document map"),
        (
            '{"format": "apollo-persisted-query-manifest", "version": 2, "operations": []}',
            "version 1",
        ),
        (
            '{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id": "x"}]}',
            "`body`",
        ),
    ],
)
def test_a_file_that_is_no_manifest_is_named_with_what_is_wrong(
    tmp_path: Path, content: str, says: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ManifestProblem, match=says) as problem:
        read_manifest(path)
    assert str(path) in str(problem.value)
    with pytest.raises(ValueError, match=r"bad\.json"):
        Settings(trusted_documents=str(path))


def test_a_changed_manifest_is_read_again_and_a_broken_one_keeps_the_last(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trusted_module, "RELOAD_EVERY", 0.0)
    path = write(tmp_path / "relay.json", {"r1": ORDER})
    documents = Trusted([path])
    write(path, {"r1": ORDER, "r2": ME})
    os.utime(path, (1, 2))  # a new modification time, whatever the clock's resolution
    assert documents.document("r2") == ME
    path.write_text("{")
    os.utime(path, (3, 4))
    assert documents.document("r2") == ME  # logged, and the last good manifest kept


def test_only_operators_are_freed_and_only_when_the_setting_says_so() -> None:
    @dataclass
    class Seen:
        actor: Actor | None

    operator, buyer = Actor("op", Role.OPERATOR), Actor("b", Role.BUYER)
    assert operator_sends(True, Seen(operator))
    assert not operator_sends(False, Seen(operator))
    assert not operator_sends(True, Seen(buyer))
    assert not operator_sends(True, Seen(None))
