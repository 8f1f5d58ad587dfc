"""Restarting the machine's real PostgreSQL and Redis for the fault tests, with the same commands
the machines, CI and ``make services`` use, and always leaving them running.

The suite runs sequentially, so a test may take a shared service down for a moment; it is started
again in a ``finally`` and the helper returns only once it answers again.
"""
from __future__ import annotations

import logging
import shutil
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List

import redis

logger = logging.getLogger(__name__)

REDIS_URL = "redis://127.0.0.1:6379/0"
REDIS_START = ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379", "--save", "",
               "--appendonly", "no", "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log"]


def _pg_cluster(action: str) -> List[str]:
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[-1]
    return ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action]


def postgres_answers() -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"], check=False).returncode == 0


def redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=2).ping())
    except redis.RedisError:
        return False


def _wait(probe: object, expected: bool, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while bool(probe()) is not expected:  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s: {what}")
        time.sleep(0.1)


@contextmanager
def postgres_stopped() -> Iterator[None]:
    """PostgreSQL down for the block: a fast shutdown (every connection cut, as a crash or a
    maintenance restart does), started again afterwards whatever happened."""
    try:
        subprocess.run([*_pg_cluster("stop"), "-m", "fast"], check=True, capture_output=True)
        _wait(postgres_answers, False, "PostgreSQL stopped")
        yield
    finally:
        subprocess.run(_pg_cluster("start"), check=False, capture_output=True)
        _wait(postgres_answers, True, "PostgreSQL answers again")
        logger.info("PostgreSQL started again")


@contextmanager
def redis_stopped() -> Iterator[None]:
    """Redis down for the block: ``SHUTDOWN NOSAVE`` (all it held is gone, it keeps nothing on disk),
    then the start command afterwards whatever happened."""
    cli = shutil.which("redis-cli") or "redis-cli"
    try:
        subprocess.run([cli, "-h", "127.0.0.1", "-p", "6379", "shutdown", "nosave"], check=False, capture_output=True)
        _wait(redis_answers, False, "Redis stopped")
        yield
    finally:
        if not redis_answers():
            subprocess.run(REDIS_START, check=False, capture_output=True)
        _wait(redis_answers, True, "Redis answers again")
        logger.info("Redis started again")


def restart_postgres() -> None:
    with postgres_stopped():
        pass
