"""How every answer travels: security headers (a Content-Security-Policy on HTML, no sniffing,
no Referer, no framing), and files with validators answered 304 when unchanged.
Compression is Starlette's GZipMiddleware, set up in api/app.py."""

from __future__ import annotations

import os
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Text answers smaller than this go as they are: compressing them costs more than it saves.
GZIP_MINIMUM = 1024
# Never compressed: the CSV export streams in chunks that compression would hold back.
NOT_COMPRESSED = ("text/csv", "text/event-stream", "application/pdf", "image/*")


def content_security_policy(issuer: str | None, *, inline_styles: bool = False) -> str:
    """Scripts and styles only from this origin, no inline script; the pages talk to this
    origin (HTTP and WebSocket) and, when one is set, to the identity provider.
    `inline_styles` is for GraphiQL alone: its menus and dialogs (Radix UI) write `style`
    attributes, which a policy governs; an inline style cannot run code."""
    connect = ["'self'"]
    if issuer:
        parts = urlsplit(issuer)
        connect.append(f"{parts.scheme}://{parts.netloc}")
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'" if inline_styles else "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            f"connect-src {' '.join(connect)}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeaders:
    """Every answer: `nosniff` and `no-referrer`; every HTML one: the policy and no framing."""

    def __init__(self, app: ASGIApp, *, issuer: str | None) -> None:
        self.app = app
        self.policy = content_security_policy(issuer)
        self.graphiql_policy = content_security_policy(issuer, inline_styles=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
                if headers.get("content-type", "").startswith("text/html"):
                    graphiql = scope["path"] == "/graphql"
                    policy = self.graphiql_policy if graphiql else self.policy
                    headers.setdefault("Content-Security-Policy", policy)
                    headers.setdefault("X-Frame-Options", "DENY")
            await send(message)

        await self.app(scope, receive, with_headers)


def file_answer(request: Request, path: Path, media_type: str, cache_control: str) -> Response:
    """A file with its validators (ETag, Last-Modified); 304 when the browser has it already:
    by its ETag (If-None-Match), or, when it sends none, by date (If-Modified-Since), as RFC
    9110 section 13.2.2 orders them."""
    stat = os.stat(path)
    answer = FileResponse(
        path, media_type=media_type, stat_result=stat, headers={"Cache-Control": cache_control}
    )
    etag = answer.headers["etag"]
    validators = {"ETag": etag, "Last-Modified": answer.headers["last-modified"]}
    unchanged = Response(status_code=304, headers={**validators, "Cache-Control": cache_control})
    sent_tags = request.headers.get("if-none-match")
    if sent_tags is not None:
        return unchanged if etag in {tag.strip() for tag in sent_tags.split(",")} else answer
    since = request.headers.get("if-modified-since")
    if since is not None:
        try:
            known = parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return answer  # a date that cannot be read is ignored (RFC 9110 section 13.1.3)
        if known.tzinfo is not None and int(stat.st_mtime) <= known.timestamp():
            return unchanged
    return answer
