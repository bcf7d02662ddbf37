"""The GraphQL operations users of the API read or run: every example in README.md and docs/,
and the documents the pages send (their template constants put together as the browser does).

`python -m tests.operations` (`make manifest`) writes them as the pages' and the docs' trusted
documents manifest (api/web/trusted-documents.json, docs/trusted-documents.md); a test checks
that the file holds what it would write."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parents[1]
PAGES = ROOT / "api" / "web" / "pages"

# The README and every page of the documentation site, as one text.
DOCS = "\n".join(
    path.read_text() for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
)
EXAMPLE = re.compile(r"<!-- example: (?P<spec>[^>]*?) -->\n```graphql\n(?P<document>.*?)```", re.S)
# The documented examples: who runs each and what its variables stand for, then the document.
EXAMPLES = [(m["spec"], m["document"]) for m in EXAMPLE.finditer(DOCS)]

_CONSTANT = re.compile(r'^const (?P<name>[A-Z_]+) = (?:`(?P<text>[^`]*)`|"(?P<line>[^"]*)");', re.M)
_OPERATION = re.compile(r"^\s*(query|mutation|subscription)\b")


def page_operations() -> dict[str, str]:
    """Every operation a page's script sends, by `<page>.<CONSTANT>`, with its parts filled in."""
    found = {}
    for script in sorted(PAGES.glob("*.js")):
        constants = {
            m["name"]: m["text"] if m["text"] is not None else m["line"]
            for m in _CONSTANT.finditer(script.read_text())
        }
        for name, text in constants.items():
            if _OPERATION.match(text):
                filled = re.sub(r"\$\{([A-Z_]+)\}", lambda m, c=constants: c[m[1]], text)
                found[f"{script.stem}.{name}"] = filled
    assert found, f"no page operations found in {PAGES}"
    return found


MANIFEST = ROOT / "api" / "web" / "trusted-documents.json"
_NAMED = re.compile(r"\s*(query|mutation|subscription)\s+(\w+)")


def manifest() -> dict[str, Any]:
    """Every page operation and documented example, as an Apollo persisted query manifest."""
    documents = [*page_operations().values(), *(document for _, document in EXAMPLES)]
    operations = []
    for body in sorted(set(documents)):
        named = _NAMED.match(body)
        assert named, f"every operation has a name: {body}"
        digest = hashlib.sha256(body.encode()).hexdigest()
        operations.append({"id": digest, "name": named[2], "type": named[1], "body": body})
    return {"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations}


if __name__ == "__main__":
    MANIFEST.write_text(json.dumps(manifest(), indent=2) + "\n")
    print(f"wrote {len(manifest()['operations'])} operations to {MANIFEST.relative_to(ROOT)}")
