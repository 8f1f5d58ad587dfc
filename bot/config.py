"""Settings, read from the environment in this one place.

Every other module asks for a :class:`Settings` via :func:`get_settings` so that tests can
point the whole product at another database or port by setting environment variables.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    """Deployment settings. Secrets live here but are never logged (see ``__repr__``)."""

    database_url: str
    registry_dir: Path
    opendata_dir: Path
    portal_file: Path
    jieba_dir: Path
    lexicon_dir: Path
    generated_nlu_dir: Path
    hotline: str
    redis_url: str
    rasa_url: str
    # Rasa's HTTP API as the desk reaches it (loopback; token in secrets["rasa_token"])
    rasa_api_url: str
    web_port: int
    city: str
    followup_working_days: int = 15  # FOLLOWUP_WORKING_DAYS: working days a staff member has to follow up a 差评
    desk_cookie_secure: bool = False  # DESK_COOKIE_SECURE=1 behind HTTPS: the session cookie is sent over TLS only
    # TRACKER_DB_URL: Rasa's conversation store (bot.tracking); default beside a SQLite DATABASE_URL,
    # the same database otherwise
    tracker_db_url: str = ""
    retention_days: int = 180  # RETENTION_DAYS: python -m bot privacy purge deletes personal data older than this
    # RATE_LIMIT_BURST / RATE_LIMIT_PER_MINUTE: messages one sender may send at once, and refilled per minute
    rate_limit_burst: int = 20
    rate_limit_per_minute: float = 30.0
    secrets: dict = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:  # secrets must never reach a log line
        return f"Settings(database_url={mask_url(self.database_url)!r}, city={self.city!r})"


def default_tracker_db_url(database_url: str) -> str:
    """Conversations beside a SQLite application database (``var/assistant.db`` →
    ``var/assistant.trackers.db``: a test database gets its own), in the same database otherwise."""
    prefix = "sqlite:///"
    if database_url.startswith(prefix) and database_url != prefix + ":memory:":
        path = Path(database_url[len(prefix):])
        return f"{prefix}{path.with_name(path.stem + '.trackers.db')}"
    return database_url


def mask_url(url: str) -> str:
    """Hide the password of a database or redis URL."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    var = PROJECT_ROOT / "var"
    database_url = _env("DATABASE_URL", f"sqlite:///{var / 'assistant.db'}")
    return Settings(
        database_url=database_url,
        registry_dir=Path(_env("REGISTRY_DIR", str(PROJECT_ROOT / "data" / "registry"))),
        opendata_dir=Path(_env("OPENDATA_DIR", str(PROJECT_ROOT / "data" / "opendata"))),
        portal_file=Path(_env("PORTAL_FILE", str(PROJECT_ROOT / "data" / "opendata" / "portal.yml"))),
        jieba_dir=PROJECT_ROOT / "data" / "jieba",
        lexicon_dir=PROJECT_ROOT / "data" / "lexicon",
        generated_nlu_dir=PROJECT_ROOT / "data" / "nlu" / "generated",
        hotline=_env("SERVICE_HOTLINE", "12345"),
        redis_url=_env("REDIS_URL", ""),
        rasa_url=_env("RASA_URL", "http://localhost:5005"),
        rasa_api_url=_env("RASA_API_URL", "http://127.0.0.1:5005"),
        web_port=int(_env("WEB_PORT", "8080")),
        city=_env("CITY_NAME", "江州市"),
        followup_working_days=int(_env("FOLLOWUP_WORKING_DAYS", "15")),
        desk_cookie_secure=_env("DESK_COOKIE_SECURE", "0") == "1",
        tracker_db_url=_env("TRACKER_DB_URL", default_tracker_db_url(database_url)),
        retention_days=int(_env("RETENTION_DAYS", "180")),
        rate_limit_burst=int(_env("RATE_LIMIT_BURST", "20")),
        rate_limit_per_minute=float(_env("RATE_LIMIT_PER_MINUTE", "30")),
        secrets={
            "wechat_token": os.environ.get("WECHAT_TOKEN", ""),
            "wechat_secret": os.environ.get("WECHAT_SECRET", ""),
            "wechat_aes_key": os.environ.get("WECHAT_AES_KEY", ""),
            "rasa_token": os.environ.get("RASA_AUTH_TOKEN", ""),
        },
    )
