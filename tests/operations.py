"""The GraphQL operations users of the API read or run: every example in README.md and docs/,
and the documents the pages send (their template constants put together as the browser does)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]
PAGES = ROOT / "api" / "http" / "pages"

# The README and every page of the documentation site, as one text.
DOCS = "\n".join(
    path.read_text() for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
)
EXAMPLE = re.compile(r"<!-- example: (?P<spec>[^>]*?) -->\n```graphql\n(?P<document>.*?)```", re.S)
# The documented examples: who runs each and what its variables stand for, then the document.
EXAMPLES = [(m["spec"], m["document"]) for m in EXAMPLE.finditer(DOCS)]

_CONSTANT = re.compile(r"^const (?P<name>[A-Z_]+) = `(?P<text>[^`]*)`;", re.M)
_OPERATION = re.compile(r"^\s*(query|mutation|subscription)\b")


def page_operations() -> dict[str, str]:
    """Every operation a page's script sends, by `<page>.<CONSTANT>`, with its parts filled in."""
    found = {}
    for script in sorted(PAGES.glob("*.js")):
        constants = {m["name"]: m["text"] for m in _CONSTANT.finditer(script.read_text())}
        for name, text in constants.items():
            if _OPERATION.match(text):
                filled = re.sub(r"\$\{([A-Z_]+)\}", lambda m, c=constants: c[m[1]], text)
                found[f"{script.stem}.{name}"] = filled
    return found
