"""The interactive API page: Swagger UI from the app's own static files (copied there from the
npm package swagger-ui-dist by scripts/setup.sh), started by a script file, never inline."""

from __future__ import annotations

from html import escape

from fastapi import Request
from fastapi.responses import HTMLResponse

VENDOR = "/static/vendor/swagger-ui"


def page(request: Request) -> HTMLResponse:
    """The page; without the vendored files it says how to get them instead of failing."""
    from b12check.web.app import STATIC_DIR

    installed = (STATIC_DIR / "vendor" / "swagger-ui" / "swagger-ui-bundle.js").is_file()
    openapi = escape(request.app.openapi_url or "/api/openapi.json")
    body = (
        f'<div id="swagger-ui" data-openapi-url="{openapi}"></div>'
        f'<script src="{VENDOR}/swagger-ui-bundle.js"></script>'
        '<script src="/static/js/api-docs.js"></script>'
        if installed
        else "<main><h1>b12check API</h1><p>The interactive page needs Swagger UI: run "
        f'<code>scripts/setup.sh --system</code>. The description is at <a href="{openapi}">'
        f"{openapi}</a>.</p></main>"
    )
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>b12check API</title>"
        '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'
        f'<link rel="stylesheet" href="{VENDOR}/swagger-ui.css"></head>'
        f"<body>{body}</body></html>"
    )
    return HTMLResponse(html)
