"""Starts and stops the whole assistant: action server, Rasa server and the web chat page.

``make run`` uses it in the foreground; the tests use the same class to run the real stack
on their own ports, so what is tested is what is run.
"""
from __future__ import annotations

import logging
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Optional

from bot.config import PROJECT_ROOT, mask_url

if TYPE_CHECKING:
    from bot.models.embedded import EmbeddedSwitch, ModelFollower

logger = logging.getLogger(__name__)

VENV_BIN = Path(sys.executable).parent
LOGGING_CONFIG = str(PROJECT_ROOT / "bot" / "logging.yml")
DEFAULT_MODEL = PROJECT_ROOT / "models" / "assistant.tar.gz"


@dataclass
class Ports:
    rasa: int = 5005
    actions: int = 5055
    web: int = 8080


@dataclass
class Stack:
    """The three processes of the assistant; ``start`` waits until each answers HTTP."""

    ports: Ports = field(default_factory=Ports)
    model: Path = DEFAULT_MODEL
    env: Dict[str, str] = field(default_factory=dict)
    log_dir: Optional[Path] = None
    with_web: bool = True
    # Webhook URL Rasa calls for custom actions; None: the action server this stack starts.
    action_endpoint: Optional[str] = None
    # Rasa and the action server listen on the loopback address only: residents reach Rasa's channels
    # from this machine (make run) or through the proxy in front of it (make run-scaled)
    bind: str = "127.0.0.1"
    # the endpoints file whose action URL is pointed at this stack (the scaled profile has its own)
    endpoints_template: Path = PROJECT_ROOT / "endpoints.yml"
    processes: List[subprocess.Popen] = field(default_factory=list)
    # Rasa's HTTP API (push messages, trackers) is always token-protected; never logged.
    api_token: str = field(default_factory=lambda: os.environ.get("RASA_AUTH_TOKEN") or secrets.token_urlsafe(24),
                           repr=False)
    # make run: Rasa on a loopback port of its own behind a forwarder this process owns on ports.rasa, so a
    # model is switched by starting a second Rasa and moving new connections (bot.models.embedded)
    switchable: bool = False
    # with switchable: switch whenever the active version changes (python -m bot model activate, /admin/models)
    follow_model: bool = False
    drain_seconds: float = 30.0  # how long the old Rasa may keep the connections it has after a switch
    _switch: Optional[EmbeddedSwitch] = field(default=None, init=False, repr=False)
    _follower: Optional[ModelFollower] = field(default=None, init=False, repr=False)
    _endpoints: Optional[Path] = field(default=None, init=False, repr=False)

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.rasa}"

    @property
    def rasa_process_url(self) -> str:
        """The Rasa process itself: behind the forwarder when switchable, else the same as ``rasa_url``."""
        return f"http://127.0.0.1:{self._switch.port}" if self._switch is not None else self.rasa_url

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.actions}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.web}"

    @property
    def tracker_db_url(self) -> str:
        """Where this stack's Rasa stores conversations (bot.config: TRACKER_DB_URL, else beside a
        SQLite DATABASE_URL, else that database): a test stack on a temporary database gets its own."""
        from bot.config import default_tracker_db_url, get_settings

        merged = {**os.environ, **self.env}
        return merged.get("TRACKER_DB_URL") or default_tracker_db_url(
            merged.get("DATABASE_URL") or get_settings().database_url)

    def _spawn(self, name: str, args: List[str], extra_env: Optional[Dict[str, str]] = None) -> None:
        self.processes.append(spawn(name, args, self._env(extra_env), self.log_dir))

    def _env(self, extra_env: Optional[Dict[str, str]] = None) -> Dict[str, str]:
        # RASA_AUTH_TOKEN / RASA_API_URL: the desk (page server) reaches Rasa's HTTP API with them
        return {**self.env, "RASA_AUTH_TOKEN": self.api_token, "RASA_API_URL": self.rasa_url, **(extra_env or {})}

    def _endpoints_file(self) -> Path:
        if self._endpoints is not None:
            return self._endpoints
        path = Path(tempfile.mkdtemp(prefix="assistant-endpoints-")) / "endpoints.yml"
        text = self.endpoints_template.read_text(encoding="utf-8")
        endpoint = self.action_endpoint or f"{self.action_url}/webhook"
        path.write_text(text.replace("http://localhost:5055/webhook", endpoint), encoding="utf-8")
        self._endpoints = path
        return path

    def model_file(self) -> Path:
        """The model file itself (``model`` may be the link to the active version, which can change)."""
        return self.model.resolve()

    def spawn_rasa(self, model: Path, port: int) -> subprocess.Popen:
        """A Rasa process on ``model`` and ``port`` with this stack's stores and token (not yet listed)."""
        return spawn("rasa", rasa_server_args(model, self.bind, port, self._endpoints_file()), self._env(),
                     self.log_dir)

    def stop_processes(self, processes: List[subprocess.Popen]) -> None:
        terminate(processes)

    def start(self, timeout: float = 240.0) -> Stack:
        if not self.model.exists():
            raise FileNotFoundError(f"{self.model} 不存在：请先运行 make model")
        self._spawn("actions", action_server_args(self.ports.actions), extra_env={"SANIC_HOST": self.bind})
        self._spawn_rasa()
        if self.with_web:
            self._spawn("web", web_server_args(self.ports.web, f"http://localhost:{self.ports.rasa}"))
        try:
            wait_http(f"{self.action_url}/health", timeout, self.processes)
            if self.with_web:
                wait_http(f"{self.web_url}/", timeout, self.processes)
            wait_http(f"{self.rasa_url}/", timeout, self.processes, expect="Hello from Rasa")
            if self._switch is not None and self.follow_model:
                from bot.models.embedded import ModelFollower

                switch = self._switch
                self._follower = ModelFollower(self.model, "embedded", switch.switch, switch.model).start()
        except Exception:
            self.stop()
            raise
        return self

    def _spawn_rasa(self) -> None:
        if self.switchable:
            from bot.models.embedded import EmbeddedSwitch

            self._switch = EmbeddedSwitch(self).start()
            return
        self._spawn("rasa", rasa_server_args(self.model, self.bind, self.ports.rasa, self._endpoints_file()))

    def switch_model(self, model: Path) -> None:
        """Serve ``model`` instead, with no failed request (switchable stacks only; bot.models.embedded)."""
        if self._switch is None:
            raise RuntimeError("this stack was not started switchable")
        self._switch.switch(model)

    def restart_rasa(self, timeout: float = 240.0) -> None:
        """Stop the Rasa server and start it again on the same port, model and stores (what a crash
        and a service manager's restart do); returns when it answers again. A switchable stack starts
        the new one before it stops the old one."""
        if self._switch is not None:
            self._switch.switch(self.model_file())
            return
        for proc in [p for p in self.processes if getattr(p, "name", "") == "rasa"]:
            terminate([proc])
            self.processes.remove(proc)
        self._spawn_rasa()
        wait_http(f"{self.rasa_url}/", timeout, self.processes, expect="Hello from Rasa")

    def stop(self) -> None:
        if self._follower is not None:
            self._follower.stop()
            self._follower = None
        if self._switch is not None:
            self._switch.stop()
            self._switch = None
        terminate(self.processes)
        self.processes.clear()


def spawn(name: str, args: List[str], env: Dict[str, str], log_dir: Optional[Path] = None) -> subprocess.Popen:
    """Start one server in its own process group (stopped with its children), output to
    ``<log_dir>/<name>.log``; ``env`` on top of this process's environment."""
    # PYTHONPATH: Rasa applies --logging-config-file before it adds the working directory to
    # sys.path, so without it the privacy filter (bot.privacy) could not be imported and Rasa
    # would silently log unmasked.
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", "TF_CPP_MIN_LOG_LEVEL": "2",
                "PYTHONPATH": os.pathsep.join(p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH")) if p),
                **env}
    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="assistant-logs-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    out = open(log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
    logger.info("starting %s (log: %s)", name, log_dir / f"{name}.log")
    proc = subprocess.Popen(args, cwd=PROJECT_ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True)
    proc.name = name  # type: ignore[attr-defined]
    return proc


def action_server_args(port: int) -> List[str]:
    """rasa_sdk's server; it binds to SANIC_HOST (default every interface: set it)."""
    return [str(VENV_BIN / "python"), "-m", "rasa_sdk", "--actions", "actions", "--port", str(port),
            "--logging-config_file", LOGGING_CONFIG]


def rasa_server_args(model: Path, bind: str, port: int, endpoints: Path) -> List[str]:
    """`rasa run` through bot.rasa_server: the API token comes from RASA_AUTH_TOKEN in the
    environment, never from the command line, which every local user can read with ps."""
    return [str(VENV_BIN / "python"), "-m", "bot.rasa_server", "--model", str(model), "--interface", bind,
            "--port", str(port), "--credentials", "credentials.yml", "--endpoints", str(endpoints),
            "--cors", "*", "--enable-api", "--logging-config-file", LOGGING_CONFIG]


def web_server_args(port: int, rasa_url: str) -> List[str]:
    """The page server; ``rasa_url`` is where browsers reach Rasa's Socket.IO channel."""
    return [str(VENV_BIN / "python"), "-m", "bot", "web", "serve", "--port", str(port), "--rasa-url", rasa_url]


def terminate(processes: List[subprocess.Popen]) -> None:
    """SIGTERM each process group, SIGKILL what is still there after 15 s."""
    for proc in processes:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for proc in processes:
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wait_http(url: str, timeout: float, processes: List[subprocess.Popen], expect: str = "") -> None:
    """Poll ``url`` until it answers 200 (with ``expect`` in the body, so another server on the
    same port does not pass for this one); fail fast when a process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc in processes:
            if proc.poll() is not None:
                argv = proc.args if isinstance(proc.args, (list, tuple)) else [proc.args]
                raise RuntimeError(f"{getattr(proc, 'name', argv[0])} exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:  # our own loopback URL
                if resp.status == 200 and (not expect or expect in resp.read(4096).decode("utf-8", "replace")):
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def _first_admin() -> None:
    """On the first run with no account at all: an ``admin`` with a random password, shown once."""
    from bot.accounts.service import ensure_initial_admin
    from bot.stores import create_all

    create_all()
    password = ensure_initial_admin()
    if password:
        # printed on the console only, never logged; only its argon2 hash is stored
        print("\n已创建管理员账号 admin，初始密码（只显示这一次，请登录后修改）：\n\n"
              f"    {password}\n", flush=True)


def run_forever(ports: Ports) -> int:
    """Foreground ``make run``: start everything, print the URLs, stop all on Ctrl-C."""
    # Ctrl-C and a service manager's SIGTERM both stop everything, even when the shell that
    # started us ignored SIGINT (as background jobs of non-interactive shells do).
    def _interrupt(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    from bot.models.store import active_link

    # Rasa behind the forwarder, following the active model version (README "Model lifecycle")
    stack = Stack(ports=ports, model=active_link(), log_dir=PROJECT_ROOT / "var" / "log", switchable=True,
                  follow_model=True)
    # everything after the handlers is inside the try: a Ctrl-C during start-up, or right after
    # the URLs are printed, still stops what was started and exits 0
    try:
        _first_admin()
        print("正在启动动作服务器、Rasa 服务器和网页聊天……（首次加载模型约需半分钟）", flush=True)
        stack.start()
        print(f"\n  网页聊天:       http://localhost:{ports.web}/\n"
              f"  人工服务台:     http://localhost:{ports.web}/desk/\n"
              f"  账号管理:       http://localhost:{ports.web}/admin/\n"
              f"  REST webhook:   http://localhost:{ports.rasa}/webhooks/rest/webhook\n"
              f"  动作服务器:     http://localhost:{ports.actions}/health\n"
              f"  对话记录:       {mask_url(stack.tracker_db_url)}\n"
              f"  日志目录:       {PROJECT_ROOT / 'var' / 'log'}\n\n按 Ctrl-C 停止。", flush=True)
        # a copy each round: a model switch adds and removes Rasa processes from another thread
        while all(proc.poll() is None for proc in list(stack.processes)):
            time.sleep(1)
        dead = [getattr(p, "name", "?") for p in list(stack.processes) if p.poll() is not None]
        print(f"进程意外退出：{', '.join(dead)}，请查看日志。", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\n正在停止……", flush=True)
        return 0
    finally:
        stack.stop()
        print("已全部停止。", flush=True)
