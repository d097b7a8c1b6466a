"""Test helpers: a fresh, empty database of either kind (SQLite file or PostgreSQL database).

PostgreSQL comes from ``B12CHECK_TEST_POSTGRES_URL`` (set by the README's test command, which runs
``scripts/postgres.sh``); each call creates its own database there and drops it afterwards.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

POSTGRES_ENV = "B12CHECK_TEST_POSTGRES_URL"
MISSING_POSTGRES = (
    f"{POSTGRES_ENV} is not set: run the test suite with the README's test command "
    "(it starts PostgreSQL with scripts/postgres.sh and exports the URL)."
)
KINDS = ("sqlite", "postgres")


def postgres_url() -> str:
    """The PostgreSQL server URL for tests; raises with instructions when it is missing."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        raise RuntimeError(MISSING_POSTGRES)
    return url


@contextmanager
def temporary_database(kind: str, directory: Path) -> Iterator[str]:
    """Yield the URL of a new empty database; it is removed afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / f'diary-{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = make_url(postgres_url())
    name = f"b12check_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        # FORCE ends our own leftover connections; an autovacuum worker that happens to be in
        # the new database cannot be ended by this role, but it leaves within moments.
        for attempt in range(20):
            try:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                break
            except Exception:
                if attempt == 19:
                    raise
                time.sleep(0.25)
        admin.dispose()


class LiveServer:
    """The real app under uvicorn in a child process (for the durability test and the bench).

    The child gets its database through ``DATABASE_URL`` exactly as a user's would.
    """

    def __init__(
        self,
        database_url: str,
        data_dir: Path,
        port: int | None = None,
        workers: int = 1,
        env: dict[str, str] | None = None,
    ) -> None:
        self.workers = workers
        self.extra_env = env or {}
        self.database_url = database_url
        self.data_dir = data_dir
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        """Start the server and wait until it answers."""
        import httpx

        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "B12CHECK_DATA_DIR": str(self.data_dir),
            "B12CHECK_SECRET_KEY": "live-server-test-key",
            **self.extra_env,
        }
        self.log = (self.data_dir / f"server-{self.port}.log").open("ab")
        self.process = subprocess.Popen(
            [  # as a user runs it: `b12check serve` (one process per worker, see web/server.py)
                sys.executable,
                "-m",
                "b12check",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
            ],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                raise RuntimeError(f"server exited with {code}; see {self.log.name}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not answer within {timeout} s")

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flushing, like a crash or a power cut of the app."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        """Normal shutdown."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        if getattr(self, "log", None):
            self.log.close()


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
