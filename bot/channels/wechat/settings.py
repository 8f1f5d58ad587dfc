"""Configuration of the WeChat channel: environment variables, overridden by credentials.yml.

Rasa expands ``${VAR}`` in credentials.yml and *raises* when VAR is unset, so the usual entry
carries no values at all and everything comes from ``WECHAT_*`` variables read here; any
non-empty key written in credentials.yml wins over the environment.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from bot.config import get_settings

logger = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.weixin.qq.com"

# credentials key -> environment variable
ENV_NAMES = {
    "token": "WECHAT_TOKEN",
    "appid": "WECHAT_APPID",
    "secret": "WECHAT_SECRET",
    "aes_key": "WECHAT_AES_KEY",
    "api_base": "WECHAT_API_BASE",
    "reply_budget": "WECHAT_REPLY_BUDGET",
    "replay_window": "WECHAT_REPLAY_WINDOW",
    "dedup_ttl": "WECHAT_DEDUP_TTL",
    "token_endpoint": "WECHAT_TOKEN_ENDPOINT",
    "subscribe_text": "WECHAT_SUBSCRIBE_TEXT",
}
_SETTINGS_SECRETS = {"token": "wechat_token", "secret": "wechat_secret", "aes_key": "wechat_aes_key"}


@dataclass(frozen=True)
class WeChatConfig:
    """Everything the channel needs; secrets are excluded from ``repr``."""

    token: str = field(default="", repr=False)
    appid: str = ""
    secret: str = field(default="", repr=False)
    aes_key: str = field(default="", repr=False)
    api_base: str = DEFAULT_API_BASE
    reply_budget: float = 4.0  # seconds to wait for the assistant before answering "success"
    replay_window: float = 300.0  # refuse signed requests whose timestamp is further from now; 0 = off
    dedup_ttl: float = 300.0
    token_endpoint: str = "stable"  # "stable" (/cgi-bin/stable_token) or "token" (/cgi-bin/token)
    subscribe_text: str = "/greet"  # what a new follower "says" to the bot (chosen by us, not typed)
    location_text: str = "我的位置"
    max_body_bytes: int = 64 * 1024

    @property
    def enabled(self) -> bool:
        return bool(self.token)

    @classmethod
    def load(
        cls, credentials: Optional[Mapping[str, Any]] = None, environ: Optional[Mapping[str, str]] = None
    ) -> WeChatConfig:
        """Environment first, then any non-empty credentials.yml value on top."""
        environ = os.environ if environ is None else environ
        secrets = get_settings().secrets if environ is os.environ else {}
        values: dict = {}
        for key, env_name in ENV_NAMES.items():
            value: Any = environ.get(env_name) or secrets.get(_SETTINGS_SECRETS.get(key, ""), "")
            if credentials and credentials.get(key) not in (None, ""):
                value = credentials[key]
            if value not in (None, ""):
                values[key] = value
        for key in ("location_text", "max_body_bytes"):
            if credentials and credentials.get(key) not in (None, ""):
                values[key] = credentials[key]
        for key, kind in (("reply_budget", float), ("replay_window", float), ("dedup_ttl", float),
                          ("max_body_bytes", int)):
            if key in values:
                try:
                    values[key] = kind(values[key])
                except (TypeError, ValueError):
                    logger.warning("wechat setting %s is not a number; using the default", key)
                    del values[key]
        values = {k: (str(v).strip() if isinstance(v, str) else v) for k, v in values.items()}
        if "api_base" in values:
            values["api_base"] = values["api_base"].rstrip("/")
        return cls(**values)
