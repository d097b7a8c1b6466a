"""One validated settings object for every door, with defaults that need no configuration.

Environment variables use the prefix ``B12CHECK_`` (``B12CHECK_PORT=8001``); the database URL is
also read from the conventional ``DATABASE_URL``.
"""

from __future__ import annotations

import os
import time
from functools import lru_cache
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import AliasChoices, BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from b12check import limits


def _default_data_dir() -> Path:
    return Path(user_data_dir("b12check", appauthor=False))


class SecurityPolicy(BaseModel):
    """Every number of the account system in one place (technical design parameters, not clinical
    knowledge). Override one with e.g. ``B12CHECK_SECURITY__SESSION_IDLE_MINUTES=15``.
    """

    model_config = ConfigDict(frozen=True)

    # NIST SP 800-63B-4 §3.1.1.2: a password that is the only factor is at least 15 characters,
    # at least 64 are accepted, no composition rules, and it is checked against a blocklist of
    # common and breached passwords (here: zxcvbn's shipped frequency lists and pattern scoring).
    min_password_length: int = Field(default=15, ge=8)
    max_password_length: int = Field(default=1024, ge=64)
    # zxcvbn score 0-4; 3 = "safely unguessable", protected against an offline slow-hash attack.
    min_password_score: int = Field(default=3, ge=0, le=4)
    # OWASP Session Management Cheat Sheet: 15-30 min idle, a few hours absolute.
    session_idle_minutes: int = Field(default=30, ge=1)
    session_lifetime_hours: int = Field(default=12, ge=1)
    # last_seen_at / last_used_at are written at most this often (one write per minute, not per
    # request); the idle timeout is therefore exact to within this many seconds.
    touch_interval_seconds: int = Field(default=60, ge=1)
    token_default_days: int = Field(default=90, ge=1)
    token_max_days: int = Field(default=365, ge=1)
    # Failed password checks (login, password change, account deletion) within the window.
    failures_per_account_and_address: int = Field(default=5, ge=1)
    failures_per_address: int = Field(default=30, ge=1)
    failures_per_account: int = Field(default=100, ge=1)
    failure_window_minutes: int = Field(default=15, ge=1)
    # Strict-Transport-Security when served over HTTPS: two years (hstspreload.org's minimum is 1).
    hsts_max_age_seconds: int = Field(default=63_072_000, ge=0)


class Settings(BaseSettings):
    """Where data lives, which profile and language are the default, where the web app listens."""

    model_config = SettingsConfigDict(
        env_prefix="B12CHECK_", extra="ignore", env_nested_delimiter="__"
    )

    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "B12CHECK_DATABASE_URL")
    )
    profile: str = "seed"
    default_lang: str = "nl"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=32)
    secret_key: str | None = None
    https: bool = False  # served over HTTPS: Secure + __Host- cookies, HSTS
    # Reverse proxies whose X-Forwarded-For is believed (addresses or networks, e.g. 10.0.0.0/8).
    # Empty: the peer address is the client, whatever headers it sends.
    trusted_proxies: list[str] = Field(default_factory=list)
    # Bounded work per request (defaults and reasons in b12check.limits).
    max_body_bytes: int = Field(default=limits.MAX_BODY_BYTES, ge=1024)
    work_seconds: float = Field(default=limits.WORK_SECONDS, gt=0)
    work_threads: int = Field(default=limits.WORK_THREADS, ge=1, le=64)
    security: SecurityPolicy = Field(default_factory=SecurityPolicy)
    # SQLite durability of the web app: NORMAL survives the app being killed, FULL also a power
    # cut, at one fsync per write (see b12check.store.database for the measured trade-off).
    sqlite_synchronous: Literal["FULL", "NORMAL"] = "NORMAL"
    # Threads per worker process for blocking work (database, argon2, rendering); also the
    # size of the PostgreSQL connection pool, so a thread never waits for or opens a connection.
    # Few: they share one GIL, and with 20 the threads holding SQLite's write lock or a
    # connection waited for it behind the others (bench/diary_load.py: p99 on SQLite 308 ms
    # with 20 threads, 156 ms with 8, same machine load). Requests beyond them queue in order.
    worker_threads: int = Field(default=8, ge=1, le=200)
    # CDS Hooks (src/b12check/cds): JWT verification of the calling EHR. "off" is for local
    # development only; the app then warns at start and marks every response.
    cds_auth: Literal["on", "off"] = "on"
    cds_issuers: list[str] = Field(default_factory=list)  # allowed `iss` values
    cds_jwks: str | None = None  # the EHRs' public keys: a JWK Set as JSON, or a file holding it
    cds_jku_allowlist: list[str] = Field(default_factory=list)  # JWK Set URLs we may fetch
    cds_base_url: str | None = None  # public base URL when behind a proxy (for `aud`)
    cds_lang: str = "en"  # language of the cards

    def resolved_database_url(self) -> str:
        """The configured URL, or a SQLite file in the user's data folder (made 0700)."""
        if self.database_url:
            return self.database_url
        from b12check.private_files import private_folder

        private_folder(self.data_dir, tighten=True)
        return f"sqlite:///{self.data_dir / 'b12check.sqlite3'}"

    def resolved_secret_key(self) -> str:
        """The configured key, or one generated once and kept in the data folder (mode 0600)."""
        if self.secret_key:
            return self.secret_key
        import secrets

        from b12check.private_files import private_folder

        path = self.data_dir / "secret.key"
        private_folder(self.data_dir, tighten=True)
        try:  # O_EXCL: of several workers starting at once, exactly one writes the key
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            for _ in range(50):  # the writer may not have finished its single write yet
                key = path.read_text(encoding="utf-8").strip()
                if key:
                    return key
                time.sleep(0.01)
            raise RuntimeError(f"{path} is empty; delete it to generate a new key") from None
        key = secrets.token_urlsafe(48)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(key)
        return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own ``Settings`` instead)."""
    return Settings()
