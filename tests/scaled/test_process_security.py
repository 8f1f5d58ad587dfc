"""What other local users see of the running stack: no secret on any command line (``ps``,
``/proc/PID/cmdline``) or in the logs, and Rasa's HTTP API and the action server listening on the
loopback address only.

Tried: every process on the machine, not only the stack's (a secret leaked to a helper process
counts too); the Rasa API token, which the desk uses as a query parameter on every call, and the
WeChat token, app secret and AES key given to the stack; the logs at DEBUG level after the whole
session's traffic.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, List, Set

import requests

from tests.support.chat import Chat
from tests.support.stack import WECHAT_TEST_ENV


def _secrets(stack: Any) -> Dict[str, str]:
    return {"RASA_AUTH_TOKEN": stack.api_token, **{name: WECHAT_TEST_ENV[name] for name in
                                                   ("WECHAT_TOKEN", "WECHAT_SECRET", "WECHAT_AES_KEY")}}


def _command_lines() -> Dict[int, str]:
    lines = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                raw = (entry / "cmdline").read_bytes()
            except OSError:  # the process ended meanwhile
                continue
            lines[int(entry.name)] = raw.replace(b"\0", b" ").decode("utf-8", "replace")
    return lines


def test_no_secret_on_any_command_line(rasa_stack: Any) -> None:
    lines = _command_lines()
    rasa_pid = next(p.pid for p in rasa_stack.processes if getattr(p, "name", "") == "rasa")
    assert "bot.rasa_server" in lines[rasa_pid] and f"--port {rasa_stack.ports.rasa}" in lines[rasa_pid]
    assert "--auth-token" not in lines[rasa_pid]
    for name, secret in _secrets(rasa_stack).items():
        leaks = [pid for pid, line in lines.items() if secret in line]
        assert not leaks, f"{name} is on the command line of {leaks}"
    # the API is protected all the same: Rasa got its token from the environment
    assert requests.get(f"{rasa_stack.rasa_url}/status", timeout=10).status_code == 401
    assert requests.get(f"{rasa_stack.rasa_url}/status", params={"token": rasa_stack.api_token},
                        timeout=10).status_code == 200


def test_no_secret_in_the_logs(rasa_stack: Any) -> None:
    Chat(rasa_stack.rasa_url).say("居住证怎么办")
    logs = sorted(Path(rasa_stack.log_dir).glob("*.log"))
    assert {p.name for p in logs} >= {"rasa.log", "actions.log", "web.log"}
    for log in logs:
        text = log.read_text(encoding="utf-8", errors="replace")
        for name, secret in _secrets(rasa_stack).items():
            assert secret not in text, f"{name} in {log.name}"


def _listening(port: int) -> Set[str]:
    """The local addresses (hex, as the kernel writes them) with a listening socket on ``port``."""
    found: Set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        rows: List[str] = Path(table).read_text().splitlines()[1:]
        for row in rows:
            fields = row.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if int(hex_port, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                found.add(address)
    return found


def test_rasa_and_the_action_server_listen_on_loopback_only(rasa_stack: Any) -> None:
    loopback = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1, ::1
    for port in (rasa_stack.ports.rasa, rasa_stack.ports.actions):
        addresses = _listening(port)
        assert addresses and addresses <= loopback, (port, addresses)


def test_a_token_that_starts_with_a_dash_reaches_rasa_whole() -> None:
    """``secrets.token_urlsafe`` starts with "-" once in 64 tokens; given to Rasa's parser as a separate
    argument it would be read as an option and Rasa would not start."""
    from rasa.__main__ import create_argument_parser

    from bot.rasa_server import main, rasa_argv

    for token in ("-abc_DEF-123", "--x", "plain"):
        parsed = create_argument_parser().parse_args(rasa_argv(["--port", "5005"], token)[1:])
        assert parsed.auth_token == token and parsed.port == 5005
    assert main(["--auth-token", "secret"]) == 2  # never on the command line
    assert main(["--auth-token=secret"]) == 2
