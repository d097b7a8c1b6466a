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
from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    return Path(user_data_dir("b12check", appauthor=False))


class Settings(BaseSettings):
    """Where data lives, which profile and language are the default, where the web app listens."""

    model_config = SettingsConfigDict(env_prefix="B12CHECK_", extra="ignore")

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
    https: bool = False  # set when served behind HTTPS: cookies get the Secure flag
    # CDS Hooks (src/b12check/cds): JWT verification of the calling EHR. "off" is for local
    # development only; the app then warns at start and marks every response.
    cds_auth: Literal["on", "off"] = "on"
    cds_issuers: list[str] = Field(default_factory=list)  # allowed `iss` values
    cds_jwks: str | None = None  # the EHRs' public keys: a JWK Set as JSON, or a file holding it
    cds_jku_allowlist: list[str] = Field(default_factory=list)  # JWK Set URLs we may fetch
    cds_base_url: str | None = None  # public base URL when behind a proxy (for `aud`)
    cds_lang: str = "en"  # language of the cards

    def resolved_database_url(self) -> str:
        """The configured URL, or a SQLite file in the user's data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'b12check.sqlite3'}"

    def resolved_secret_key(self) -> str:
        """The configured key, or one generated once and kept in the data folder (mode 0600)."""
        if self.secret_key:
            return self.secret_key
        import secrets

        path = self.data_dir / "secret.key"
        self.data_dir.mkdir(parents=True, exist_ok=True)
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
