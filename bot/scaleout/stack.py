"""Starts and stops the scaled profile: N action servers, M Rasa replicas, the page servers and
HAProxy in front, all on PostgreSQL (application data and conversations) and Redis (Rasa's lock
store, WeChat de-duplication, rate limits, Socket.IO pushes between replicas).

Every process is the same program ``make run`` starts (bot.runner's argument builders); only the
environment and the endpoints differ. A process that dies is started again (HAProxy routes around
it meanwhile); Ctrl-C or SIGTERM stops everything.
"""
from __future__ import annotations

import logging
import os
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Mapping, Optional
from urllib.parse import unquote, urlsplit

import yaml

from bot.config import PROJECT_ROOT, mask_url
from bot.runner import (
    DEFAULT_MODEL,
    action_server_args,
    rasa_server_args,
    spawn,
    terminate,
    wait_http,
    web_server_args,
)
from bot.scaleout.haproxy import Backends, render

if TYPE_CHECKING:
    from bot.models.embedded import ModelFollower

logger = logging.getLogger(__name__)

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/assistant"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
MAX_RESTARTS = 5  # per process; a process that keeps dying is left down and reported


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    value = environ.get(name) or ""
    return int(value) if value.strip() else default


@dataclass
class ScaledConfig:
    """Everything from the environment (README, "Scale-out")."""

    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str = DEFAULT_REDIS_URL
    tracker_db_url: str = ""  # empty: the same database as the application
    public_port: int = 8000
    public_bind: str = "0.0.0.0"
    public_url: str = ""  # what residents type; default http://localhost:<public_port>
    rasa_ports: List[int] = field(default_factory=lambda: [18001, 18002])
    action_ports: List[int] = field(default_factory=lambda: [18101, 18102])
    web_ports: List[int] = field(default_factory=lambda: [18201])
    rasa_api_port: int = 18300
    actions_lb_port: int = 18301
    model: Path = DEFAULT_MODEL
    run_dir: Path = PROJECT_ROOT / "var" / "scaled"
    # switch the replicas one by one whenever the active model version changes (bot.models.haproxy_api)
    follow_model: bool = False
    drain_seconds: float = 30.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> ScaledConfig:
        base = _int(environ, "SCALED_INTERNAL_PORT", 18000)
        rasa, actions, web = (_int(environ, n, d) for n, d in
                              (("RASA_REPLICAS", 2), ("ACTION_REPLICAS", 2), ("WEB_REPLICAS", 1)))
        if min(rasa, actions, web) < 1 or max(rasa, actions, web) > 50:
            raise ValueError("RASA_REPLICAS, ACTION_REPLICAS and WEB_REPLICAS must be between 1 and 50")
        return cls(
            database_url=environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            redis_url=environ.get("REDIS_URL") or DEFAULT_REDIS_URL,
            tracker_db_url=environ.get("TRACKER_DB_URL") or "",
            public_port=_int(environ, "SCALED_PORT", 8000),
            public_bind=environ.get("SCALED_BIND") or "0.0.0.0",
            public_url=environ.get("SCALED_PUBLIC_URL") or "",
            rasa_ports=[base + 1 + n for n in range(rasa)],
            action_ports=[base + 101 + n for n in range(actions)],
            web_ports=[base + 201 + n for n in range(web)],
            rasa_api_port=base + 300,
            actions_lb_port=base + 301,
            model=_active_link(),
            follow_model=True,
        )

    @property
    def url(self) -> str:
        return (self.public_url or f"http://localhost:{self.public_port}").rstrip("/")


def _active_link() -> Path:
    from bot.models.store import active_link

    return active_link()


def lock_store_endpoint(redis_url: str) -> Dict[str, object]:
    """Rasa's RedisLockStore settings from a ``redis://[:password@]host:port/db`` URL."""
    parts = urlsplit(redis_url)
    if parts.scheme not in ("redis", "rediss"):
        raise ValueError("REDIS_URL must start with redis:// or rediss://")
    endpoint: Dict[str, object] = {"type": "redis", "url": parts.hostname or "127.0.0.1", "port": parts.port or 6379,
                                   "db": int(parts.path.strip("/") or 0), "key_prefix": "assistant"}
    if parts.password:
        endpoint["password"] = unquote(parts.password)
    if parts.scheme == "rediss":
        endpoint["use_ssl"] = True
    return endpoint


def ensure_postgres_database(database_url: str) -> bool:
    """Create the PostgreSQL database named in the URL when it is missing; True when created."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if not url.get_backend_name().startswith("postgresql") or not url.database:
        return False
    server = create_engine(url.set(database="postgres"), future=True, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": url.database}).first():
                return False
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
            return True
    finally:
        server.dispose()


@dataclass
class ScaledStack:
    config: ScaledConfig
    log_dir: Optional[Path] = None
    processes: Dict[str, subprocess.Popen] = field(default_factory=dict)
    restarts: Dict[str, int] = field(default_factory=dict)
    api_token: str = field(default_factory=lambda: os.environ.get("RASA_AUTH_TOKEN") or secrets.token_urlsafe(24),
                           repr=False)

    def __post_init__(self) -> None:
        self.log_dir = self.log_dir or self.config.run_dir / "log"
        self._commands: Dict[str, List[str]] = {}
        self._env: Dict[str, Dict[str, str]] = {}
        self._follower: Optional[ModelFollower] = None
        self._serving = self.config.model

    @property
    def env(self) -> Dict[str, str]:
        config = self.config
        return {"DATABASE_URL": config.database_url, "REDIS_URL": config.redis_url,
                "TRACKER_DB_URL": config.tracker_db_url or config.database_url,
                "RASA_AUTH_TOKEN": self.api_token, "RASA_API_URL": f"http://127.0.0.1:{config.rasa_api_port}",
                "SANIC_HOST": "127.0.0.1"}

    def _endpoints_file(self) -> Path:
        endpoints = yaml.safe_load((PROJECT_ROOT / "endpoints.scaled.yml").read_text(encoding="utf-8"))
        endpoints["action_endpoint"]["url"] = f"http://127.0.0.1:{self.config.actions_lb_port}/webhook"
        endpoints["lock_store"] = lock_store_endpoint(self.config.redis_url)
        self.config.run_dir.mkdir(parents=True, exist_ok=True)
        path = self.config.run_dir / "endpoints.yml"
        path.write_text(yaml.safe_dump(endpoints, allow_unicode=True, sort_keys=False), encoding="utf-8")
        path.chmod(0o600)  # may hold the Redis password
        return path

    def _haproxy_file(self) -> Path:
        config = self.config
        path = config.run_dir / "haproxy.cfg"
        path.write_text(render(Backends(public_bind=config.public_bind, public_port=config.public_port,
                                        rasa_api_port=config.rasa_api_port, actions_port=config.actions_lb_port,
                                        rasa=config.rasa_ports, actions=config.action_ports, web=config.web_ports,
                                        admin_socket=str(self.admin_socket))),
                        encoding="utf-8")
        return path

    @property
    def admin_socket(self) -> Path:
        return self.config.run_dir / "haproxy.sock"

    def _start(self, name: str, args: List[str]) -> None:
        self._commands[name] = args
        self.processes[name] = spawn(name, args, self.env, self.log_dir)

    def start(self, timeout: float = 600.0) -> ScaledStack:
        config = self.config
        if not config.model.exists():
            raise FileNotFoundError(f"{config.model} 不存在：请先运行 make model")
        haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
        if not Path(haproxy).exists():
            raise FileNotFoundError("没有找到 haproxy：请先运行 make haproxy（apt-get install haproxy）")
        endpoints = self._endpoints_file()
        self._serving = config.model.resolve()  # the file itself: the link may change while we run
        for n, port in enumerate(config.action_ports, 1):
            self._start(f"actions{n}", action_server_args(port))
        for n, port in enumerate(config.rasa_ports, 1):
            self._start(f"rasa{n}", rasa_server_args(config.model, "127.0.0.1", port, endpoints))
        for n, port in enumerate(config.web_ports, 1):
            self._start(f"web{n}", web_server_args(port, config.url))
        self._start("haproxy", [haproxy, "-db", "-f", str(self._haproxy_file())])
        try:
            running = list(self.processes.values())
            for port in config.action_ports:
                wait_http(f"http://127.0.0.1:{port}/health", timeout, running)
            for port in config.web_ports:
                wait_http(f"http://127.0.0.1:{port}/", timeout, running)
            for port in config.rasa_ports:
                wait_http(f"http://127.0.0.1:{port}/", timeout, running, expect="Hello from Rasa")
            wait_http(f"http://127.0.0.1:{config.public_port}/webhooks/rest/", timeout, running)
            if config.follow_model:
                from bot.models.embedded import ModelFollower

                self._follower = ModelFollower(config.model, "scaled", self.switch_model, self._serving)
        except Exception:
            self.stop()
            raise
        return self

    def switch_model(self, model: Path) -> None:
        """Every Rasa replica onto ``model``, one at a time, out of HAProxy's rotation while it loads, with no
        failed request (bot.models.haproxy_api). A replica restarted later starts from the active link."""
        from bot.models.haproxy_api import HaproxyAdmin, rolling_switch

        replicas = [(f"rasa{n}", port, self.processes[f"rasa{n}"]) for n, port in enumerate(self.config.rasa_ports, 1)]
        rolling_switch(HaproxyAdmin(self.admin_socket), replicas, self.api_token, model, self._serving,
                       self.config.drain_seconds)
        self._serving = model

    def follow_model(self) -> None:
        """One round of following the active version (called from the supervision loop)."""
        if self._follower is not None:
            self._follower.check()

    def supervise(self) -> List[str]:
        """Start again what died (up to MAX_RESTARTS each); the names of processes left down."""
        down = []
        for name, proc in list(self.processes.items()):
            if proc.poll() is None:
                continue
            if self.restarts.get(name, 0) >= MAX_RESTARTS:
                down.append(name)
                continue
            self.restarts[name] = self.restarts.get(name, 0) + 1
            logger.warning("%s exited with code %s; starting it again (%s/%s)", name, proc.returncode,
                           self.restarts[name], MAX_RESTARTS)
            self._start(name, self._commands[name])
        return down

    def stop(self) -> None:
        if self._follower is not None:
            self._follower.stop()
            self._follower = None
        terminate(list(self.processes.values()))
        self.processes.clear()

    def describe(self) -> str:
        config = self.config
        return (f"  网页聊天:       {config.url}/\n"
                f"  人工服务台:     {config.url}/desk/\n"
                f"  管理后台:       {config.url}/admin/\n"
                f"  REST webhook:   {config.url}/webhooks/rest/webhook\n"
                f"  Rasa 副本 {len(config.rasa_ports)} 个，动作服务器 {len(config.action_ports)} 个，"
                f"页面服务器 {len(config.web_ports)} 个（HAProxy 在前）\n"
                f"  数据库:         {mask_url(config.database_url)}\n"
                f"  Redis:          {mask_url(config.redis_url)}\n"
                f"  日志目录:       {self.log_dir}")


def wait_until_stopped(stack: ScaledStack, poll: float = 1.0) -> None:
    """Keep the stack up until interrupted; raises RuntimeError when a process stays down."""
    while True:
        down = stack.supervise()
        if down:
            raise RuntimeError(f"进程反复退出：{', '.join(down)}，请查看日志 {stack.log_dir}")
        stack.follow_model()
        time.sleep(poll)
