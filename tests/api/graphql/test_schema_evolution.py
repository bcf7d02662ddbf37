"""How the schema changes is checked: against the last released schema, every breaking change
must be announced in CHANGELOG.md under "Unreleased"; dangerous ones are allowed and listed.

On a release, `docs/schema/released.graphql` becomes the schema of that release and the
"Unreleased" heading gets its version.
"""

from __future__ import annotations

import re
from pathlib import Path

from graphql import build_schema, find_breaking_changes

from api.graphql.schema import schema

ROOT = Path(__file__).resolve().parents[3]
RELEASED = ROOT / "docs" / "schema" / "released.graphql"
CHANGELOG = ROOT / "CHANGELOG.md"


def unreleased_notes() -> str:
    text = CHANGELOG.read_text()
    start = text.index("## Unreleased")
    following = text.find("\n## ", start + 1)
    return text[start : following if following != -1 else len(text)]


def coordinate(description: str) -> str:
    """What a change is about, as a reader would name it: `Order.cursor`, `OrderEvent`…"""
    words = [w.rstrip(".,") for w in description.split()]
    dotted = [w for w in words if re.fullmatch(r"[A-Za-z_]\w*\.[A-Za-z_]\w*", w)]
    if dotted:
        return dotted[0]
    named = [w for w in words if re.fullmatch(r"[A-Z]\w*", w) and w not in {"Type", "Enum"}]
    return named[0] if named else description


def test_every_breaking_change_since_the_release_is_in_the_changelog() -> None:
    released = build_schema(RELEASED.read_text())
    notes = unreleased_notes()
    unannounced = [
        change.description
        for change in find_breaking_changes(released, schema._schema)
        if f"`{coordinate(change.description)}`" not in notes
    ]
    assert unannounced == [], (
        "breaking schema changes missing from CHANGELOG.md's Unreleased section (name each "
        f"in backticks, with what a client does about it): {unannounced}"
    )


def test_the_coordinate_of_a_change_is_what_the_changelog_names() -> None:
    assert coordinate("Order.updatesCursor was removed.") == "Order.updatesCursor"
    assert coordinate("OrderEvent changed from an Object type to an Interface type.") == (
        "OrderEvent"
    )
    assert coordinate("Enum value ErrorCode.X was removed from enum ErrorCode.") == "ErrorCode.X"
