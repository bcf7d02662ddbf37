"""How answers travel: security headers on every page, compression of larger text answers
(never of the CSV export's chunks), validators with 304, and a favicon."""

from __future__ import annotations

import re

from api.web.graphiql import assets_installed
from tests.api.client import SELLER, Api

PAGES = ("/graphql", "/track/ord_x", "/seller")


async def test_every_page_forbids_inline_script_framing_sniffing_and_the_referer(api: Api) -> None:
    for path in PAGES:
        page = await api.http.get(path, headers={"accept": "text/html"})
        assert page.headers["content-type"].startswith("text/html"), path
        policy = page.headers["content-security-policy"]
        assert "script-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        scripts = next(d for d in policy.split("; ") if d.startswith("script-src"))
        assert scripts == "script-src 'self'"  # no inline script, no eval, on any page
        styles = next(d for d in policy.split("; ") if d.startswith("style-src"))
        # Inline styles for GraphiQL's own menus only; the project's pages have none.
        assert styles == (
            "style-src 'self' 'unsafe-inline'" if path == "/graphql" else "style-src 'self'"
        )
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["referrer-policy"] == "no-referrer"
        if assets_installed():  # the real page, not the "npm ci first" notice
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page.text), path
            assert "<style" not in page.text, path
            assert " style=" not in page.text, path
    answer = await api.http.get("/health")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in answer.headers  # JSON is not a page


async def test_larger_text_is_compressed_and_small_or_streamed_answers_are_not(api: Api) -> None:
    gzip = {"accept-encoding": "gzip"}
    script = await api.http.get("/pages/track.js", headers=gzip)
    assert script.headers["content-encoding"] == "gzip"
    assert int(script.headers["content-length"]) < len(script.content)  # decoded by httpx
    small = await api.http.get("/health", headers=gzip)
    assert "content-encoding" not in small.headers
    await api.order_in("UNSHIPPED")
    token = {"authorization": f"Bearer {api.token(SELLER)}", **gzip}
    export = await api.http.get("/exports/orders.csv", headers=token)
    assert export.status_code == 200
    assert "content-encoding" not in export.headers


async def test_files_carry_validators_and_answer_304_when_unchanged(api: Api) -> None:
    first = await api.http.get("/pages/pages.css")
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "no-cache"
    again = await api.http.get("/pages/pages.css", headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    # The pages and GraphiQL's page too, by ETag and, without one, by date.
    for path in ("/seller", "/track/ord_x", "/graphql"):
        page = await api.http.get(path, headers={"accept": "text/html"})
        assert page.status_code == 200, path
        assert page.headers["cache-control"] == "no-cache"
        tag, modified = page.headers["etag"], page.headers["last-modified"]
        by_tag = await api.http.get(path, headers={"accept": "text/html", "if-none-match": tag})
        assert (by_tag.status_code, by_tag.headers["etag"]) == (304, tag), path
        by_date = await api.http.get(
            path, headers={"accept": "text/html", "if-modified-since": modified}
        )
        assert by_date.status_code == 304, path
        stale = await api.http.get(
            path,
            headers={"accept": "text/html", "if-modified-since": "Mon, 01 Jan 2001 00:00:00 GMT"},
        )
        assert stale.status_code == 200, path
        other = await api.http.get(path, headers={"accept": "text/html", "if-none-match": '"x"'})
        assert other.status_code == 200, path  # a tag that differs wins over any date
    icon = await api.http.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/svg+xml"
