"""One validated settings object for every door, with defaults that need no configuration.

Environment variables use the prefix ``B12CHECK_`` (``B12CHECK_PORT=8001``); the database URL is
also read from the conventional ``DATABASE_URL``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

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
    secret_key: str | None = None
    https: bool = False  # set when served behind HTTPS: cookies get the Secure flag

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
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key, encoding="utf-8")
        path.chmod(0o600)
        return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own ``Settings`` instead)."""
    return Settings()
