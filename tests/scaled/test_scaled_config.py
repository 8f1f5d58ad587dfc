"""The scaled profile's configuration: environment variables, Rasa's Redis lock store from REDIS_URL,
the HAProxy file (checked by haproxy itself), and PostgreSQL database creation.

Tried: no variables at all (documented defaults), replica counts of 0 and 51 (refused), a Redis URL
with a password and TLS, a URL that is not Redis, a database that already exists.
"""
from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.scaleout.haproxy import Backends, render
from bot.scaleout.stack import DEFAULT_DATABASE_URL, ScaledConfig, ensure_postgres_database, lock_store_endpoint
from tests.support.database import POSTGRES_URL


def test_defaults_and_overrides() -> None:
    config = ScaledConfig.from_env({})
    assert (config.database_url, config.url) == (DEFAULT_DATABASE_URL, "http://localhost:8000")
    assert len(config.rasa_ports) == 2 and len(config.action_ports) == 2 and len(config.web_ports) == 1
    config = ScaledConfig.from_env({"SCALED_PORT": "9000", "RASA_REPLICAS": "3", "SCALED_INTERNAL_PORT": "20000",
                                    "SCALED_PUBLIC_URL": "https://zhushou.jiangzhou.example/"})
    assert config.public_port == 9000 and config.rasa_ports == [20001, 20002, 20003]
    assert config.url == "https://zhushou.jiangzhou.example"


@pytest.mark.parametrize("count", ["0", "51", "-1"])
def test_replica_counts_out_of_range_are_refused(count: str) -> None:
    with pytest.raises(ValueError):
        ScaledConfig.from_env({"RASA_REPLICAS": count})


def test_lock_store_follows_redis_url() -> None:
    assert lock_store_endpoint("redis://127.0.0.1:6379/0") == {
        "type": "redis", "url": "127.0.0.1", "port": 6379, "db": 0, "key_prefix": "assistant"}
    secure = lock_store_endpoint("rediss://:p%40ss@cache.internal:6380/2")
    assert secure["password"] == "p@ss" and secure["use_ssl"] is True and secure["db"] == 2
    with pytest.raises(ValueError):
        lock_store_endpoint("http://127.0.0.1:6379")


def test_haproxy_accepts_the_configuration(tmp_path: Path) -> None:
    """haproxy -c (the Debian package make haproxy installs) checks the rendered file."""
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(render(Backends("127.0.0.1", 8000, 18300, 18301, [18001, 18002], [18101, 18102], [18201])))
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    checked = subprocess.run([haproxy, "-c", "-f", str(cfg)], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    text_ = cfg.read_text()
    assert "path_beg /webhooks/ /socket.io/" in text_ and "cookie ASSISTANT_RASA insert" in text_
    assert "/conversations" not in text_.split("frontend public")[1].split("frontend rasa_api")[0]


def test_the_postgres_database_is_created_once() -> None:
    name = f"scaled_{uuid.uuid4().hex[:10]}"
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    admin = create_engine(POSTGRES_URL.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT", future=True)
    try:
        assert ensure_postgres_database(url) is True
        assert ensure_postgres_database(url) is False
        assert ensure_postgres_database("sqlite:////tmp/x.db") is False
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
