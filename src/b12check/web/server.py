"""Running the web app with uvicorn (``b12check serve``).

Several worker processes each listen on their own socket bound with ``SO_REUSEPORT``, so the
kernel spreads new connections over them evenly by a hash of the client's address and port.
uvicorn's own ``--workers`` shares one socket instead, and whichever worker wakes first accepts
every waiting connection: 50 connections opened at once split 38/12 in the bench
(bench/diary_load.py), and the busy worker's requests waited three times as long. The
supervisor here only starts the workers, restarts one that dies and stops them all on SIGINT or
SIGTERM. (Linux lets only processes of the same user join a ``SO_REUSEPORT`` group.)
"""

from __future__ import annotations

import ipaddress
import logging
import multiprocessing
import signal
import socket
import time
from typing import Any

_log = logging.getLogger("b12check.server")

_APP = "b12check.web.app:create_app"


def _config(host: str, port: int, **extra: Any) -> Any:
    """uvicorn's settings for the app. uvicorn's own proxy-header handling stays off: by default
    it believes X-Forwarded-For from 127.0.0.1, so anyone on the machine could pick their address
    (and so their failed-login budget). The app believes it only from
    ``B12CHECK_TRUSTED_PROXIES``."""
    import uvicorn

    return uvicorn.Config(
        _APP, factory=True, host=host, port=port, server_header=False, proxy_headers=False, **extra
    )


def serve(host: str, port: int, reload: bool = False, workers: int = 1) -> None:
    """Serve the app on host:port; access logs carry method and path only (no form data, no
    query string). Several worker processes use every core (the work per request is CPU-bound).
    The caller has created or migrated the database (``b12check serve`` does), so that several
    workers do not migrate it at once."""
    import uvicorn

    if reload:
        uvicorn.run(_APP, host=host, port=port, reload=True, factory=True, server_header=False,
                    proxy_headers=False)  # fmt: skip
        return
    if workers > 1:
        _serve_workers(host, port, workers)
        return
    uvicorn.Server(_config(host, port)).run()


def reuse_port_socket(host: str, port: int, backlog: int = 2048) -> socket.socket:
    """A listening socket on host:port that other processes of this user can bind too."""
    try:
        family = socket.AF_INET6 if ipaddress.ip_address(host).version == 6 else socket.AF_INET
    except ValueError:  # a host name
        family = socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


def _worker(host: str, port: int) -> None:
    """One worker process: its own socket, one uvicorn server."""
    import uvicorn

    config = _config(host, port)
    uvicorn.Server(config).run(sockets=[reuse_port_socket(host, port, config.backlog)])


def _serve_workers(host: str, port: int, workers: int) -> None:
    """Start ``workers`` processes, keep them running, stop them on SIGINT/SIGTERM."""
    if port == 0:
        raise ValueError("several workers need a fixed port (each binds it)")
    context = multiprocessing.get_context("spawn")
    stopping: list[int] = []
    signal.signal(signal.SIGINT, lambda number, _frame: stopping.append(number))
    signal.signal(signal.SIGTERM, lambda number, _frame: stopping.append(number))

    def start() -> Any:
        process = context.Process(target=_worker, args=(host, port), daemon=False)
        process.start()
        return process

    processes = [start() for _ in range(workers)]
    _log.info("started %d workers on %s:%d", workers, host, port)
    while not stopping:
        time.sleep(0.25)
        for index, process in enumerate(processes):
            if not process.is_alive() and not stopping:
                _log.warning("worker %s ended (exit code %s); starting another",
                             process.pid, process.exitcode)  # fmt: skip
                processes[index] = start()
    for process in processes:
        process.terminate()
    deadline = time.monotonic() + 10
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join()
