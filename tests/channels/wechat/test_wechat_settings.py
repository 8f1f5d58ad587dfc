"""Configuration: environment variables, credentials.yml overrides, switched off without a token."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest
import requests
from rasa.core.run import create_http_input_channels
from rasa.shared.exceptions import RasaException

from bot.channels.wechat.channel import WeChatInput
from bot.channels.wechat.settings import DEFAULT_API_BASE, WeChatConfig

ENV = {
    "WECHAT_TOKEN": "env-token",
    "WECHAT_APPID": "wxENV",
    "WECHAT_SECRET": "env-secret-value",
    "WECHAT_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
}

RECOMMENDED_ENTRY = """\
bot.channels.wechat.channel.WeChatInput:
  # token, appid, secret, aes_key and api_base come from WECHAT_* environment variables;
  # a value written here overrides the variable.
"""


def _set_env(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    from bot.config import get_settings

    for name, value in values.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()


def test_environment_then_credentials(wechat_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _set_env(monkeypatch, **ENV, WECHAT_REPLY_BUDGET="2.5")
    config = WeChatConfig.load(None)
    assert (config.token, config.appid, config.secret) == ("env-token", "wxENV", "env-secret-value")
    assert config.api_base == DEFAULT_API_BASE and config.reply_budget == 2.5 and config.enabled
    overridden = WeChatConfig.load({"appid": "wxFILE", "api_base": "http://127.0.0.1:9/", "token": "", "secret": None})
    assert overridden.appid == "wxFILE" and overridden.api_base == "http://127.0.0.1:9"
    assert overridden.token == "env-token" and overridden.secret == "env-secret-value"  # empty keys do not override


def test_secrets_not_in_repr(wechat_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _set_env(monkeypatch, **ENV)
    text = repr(WeChatConfig.load(None)) + repr(WeChatInput.from_credentials(None).api)
    for secret in ("env-token", "env-secret-value", ENV["WECHAT_AES_KEY"]):
        assert secret not in text


def test_off_without_token(wechat_db: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="bot.channels.wechat"):
        channel = WeChatInput.from_credentials({"appid": "wxFILE"})
    assert not channel.config.enabled and channel.get_output_channel() is None
    off_lines = [r for r in caplog.records if "WeChat channel is off" in r.getMessage()]
    assert len(off_lines) == 1 and off_lines[0].levelno == logging.INFO


def test_switched_off_channel_answers_404(wechat_server, caplog: pytest.LogCaptureFixture) -> None:
    server = wechat_server(token="")
    assert requests.get(server.url, params=server.peer.signed_query(), timeout=5).status_code == 404
    assert server.peer.post(server.peer.text("你好")).status_code == 404
    assert server.assistant.calls == []


def test_recommended_credentials_entry_loads_from_env(
    wechat_db: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _set_env(monkeypatch, **ENV)
    path = tmp_path / "credentials.yml"
    path.write_text(RECOMMENDED_ENTRY, encoding="utf-8")
    (channel,) = create_http_input_channels(None, str(path))
    assert isinstance(channel, WeChatInput)
    assert channel.config.token == "env-token" and channel.config.appid == "wxENV" and channel.crypto is not None
    assert channel.name() == "wechat" and channel.url_prefix() == "wechat"


def test_recommended_entry_without_env_is_off_not_an_error(wechat_db: str, tmp_path: Path) -> None:
    path = tmp_path / "credentials.yml"
    path.write_text(RECOMMENDED_ENTRY, encoding="utf-8")
    (channel,) = create_http_input_channels(None, str(path))
    assert not channel.config.enabled


def test_rasa_refuses_unset_placeholders(wechat_db: str, tmp_path: Path) -> None:
    """Why credentials.yml must not use ${WECHAT_...}: Rasa 3.6 raises when a variable is unset."""
    path = tmp_path / "credentials.yml"
    path.write_text("bot.channels.wechat.channel.WeChatInput:\n  token: ${WECHAT_TOKEN}\n", encoding="utf-8")
    with pytest.raises(RasaException, match="WECHAT_TOKEN"):
        create_http_input_channels(None, str(path))


def test_malformed_aes_key_fails_at_startup_without_leaking_it(wechat_db: str) -> None:
    bad_key = "tooshort-but-secret"
    with pytest.raises(ValueError, match="43 characters") as info:
        WeChatInput(WeChatConfig(token="t", appid="wx", aes_key=bad_key))
    assert bad_key not in str(info.value)
