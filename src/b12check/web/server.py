"""Running the web app with uvicorn (``b12check serve``)."""

from __future__ import annotations


def serve(host: str, port: int, reload: bool = False) -> None:
    """Serve the app on host:port; access logs carry method and path only (no form data)."""
    import uvicorn

    if reload:
        uvicorn.run(
            "b12check.web.app:create_app",
            host=host,
            port=port,
            reload=True,
            factory=True,
            server_header=False,
        )
        return
    from b12check.web.app import create_app

    uvicorn.run(create_app(), host=host, port=port, server_header=False, proxy_headers=False)
