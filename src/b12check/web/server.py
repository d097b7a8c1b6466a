"""Running the web app with uvicorn (``b12check serve``)."""

from __future__ import annotations


def serve(host: str, port: int, reload: bool = False, workers: int = 1) -> None:
    """Serve the app on host:port; access logs carry method and path only (no form data, no
    query string). Several worker processes use every core (the work per request is CPU-bound).

    uvicorn's own proxy-header handling stays off: by default it believes X-Forwarded-For from
    127.0.0.1, so anyone on the machine could pick their address (and so their failed-login
    budget). The app believes it only from ``B12CHECK_TRUSTED_PROXIES``."""
    import uvicorn

    if workers > 1:  # migrate once here, before several workers open the database at once
        from b12check.settings import get_settings
        from b12check.store.migrate import upgrade

        upgrade(get_settings().resolved_database_url())
    if reload or workers > 1:
        uvicorn.run(
            "b12check.web.app:create_app",
            host=host,
            port=port,
            reload=reload,
            workers=None if reload else workers,
            factory=True,
            server_header=False,
            proxy_headers=False,
        )
        return
    from b12check.web.app import create_app

    uvicorn.run(create_app(), host=host, port=port, server_header=False, proxy_headers=False)
