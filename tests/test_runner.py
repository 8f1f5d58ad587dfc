"""`make run`'s last step: `python -m bot run` starts everything, prints the URLs, stops on Ctrl-C."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.support.stack import free_port

ROOT = Path(__file__).resolve().parent.parent


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_run_prints_urls_and_stops_everything_on_ctrl_c(database_url: str, model_path: Path) -> None:
    ports = {"--rasa-port": free_port(), "--actions-port": free_port(), "--web-port": free_port()}
    args = [sys.executable, "-m", "bot", "run"] + [str(x) for pair in ports.items() for x in pair]
    proc = subprocess.Popen(args, cwd=ROOT, env={**os.environ, "DATABASE_URL": database_url},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    output = []
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            line = proc.stdout.readline()  # type: ignore[union-attr]
            if not line and proc.poll() is not None:
                break
            output.append(line)
            if "按 Ctrl-C 停止" in line:
                break
        text = "".join(output)
        assert f"http://localhost:{ports['--web-port']}/" in text, text[-2000:]
        assert f"http://localhost:{ports['--rasa-port']}/webhooks/rest/webhook" in text
        assert all(_listening(port) for port in ports.values())
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        assert proc.wait(60) == 0
        assert "已全部停止" in proc.stdout.read()  # type: ignore[union-attr]
        assert not any(_listening(port) for port in ports.values()), "a process survived Ctrl-C"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def test_first_run_creates_an_admin_and_shows_its_password_once(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """On a machine with no account, `make run` prints a random admin password once; the next run
    prints nothing, and only the argon2 hash is stored."""
    from bot.accounts.service import authenticate, list_users
    from bot.runner import _first_admin
    from tests.support.database import fresh_database

    with fresh_database(tmp_path / "first.db"):
        _first_admin()
        shown = capsys.readouterr().out
        password = shown.split("初始密码")[1].split("\n\n")[1].strip()
        assert len(password) >= 12 and "admin" in shown
        (admin,) = list_users()
        assert admin.role == "admin" and authenticate("admin", password).ok
        _first_admin()
        assert capsys.readouterr().out == ""
