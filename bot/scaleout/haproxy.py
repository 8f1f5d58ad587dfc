"""The HAProxy configuration of ``make run-scaled``: one public port, three internal front-ends.

- public (``SCALED_PORT``): ``/webhooks/`` and ``/socket.io/`` go to the Rasa replicas, everything
  else to the page servers. Socket.IO's long-polling needs every request of one session on the same
  replica: a cookie set by HAProxy keeps a browser on the replica it started with (a WebSocket is
  one connection anyway). Rasa's HTTP API (``/conversations``, ``/model``, ``/status``) is never
  routed from outside.
- rasa-api (loopback): Rasa's HTTP API across the replicas, for the desk (token-protected).
- actions (loopback): the action servers, for every Rasa replica.

Health checks take a dead process out of rotation within a few seconds (a refused connection fails
a check at once; three in a row), and a request that could not even connect (a process that has just
died) goes to another meanwhile (``retry-on conn-failure``). A replica that is only busy — its first
turns, or saturated: Rasa answers the check on the same event loop as the turns — has 10 s to answer
a check, so it is not taken out while it is working (with one replica that would answer everyone
503; make bench-load saw it with 2 s). A request already sent is never retried: a turn or an action
(filing a work order) must not run twice.

The runtime API (``admin_socket``, mode 0600) lets the profile take one Rasa replica out of rotation
while it loads a new model (bot.models.haproxy_api).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List


@dataclass(frozen=True)
class Backends:
    public_bind: str
    public_port: int
    rasa_api_port: int
    actions_port: int
    rasa: List[int]
    actions: List[int]
    web: List[int]
    admin_socket: str = ""  # HAProxy's runtime API (a Unix socket), for switching models replica by replica


def _servers(prefix: str, ports: List[int], extra: str = "") -> str:
    return "\n".join(f"    server {prefix}{n} 127.0.0.1:{port} check inter 2s fall 3 rise 1{extra.format(n=n)}"
                     for n, port in enumerate(ports, 1))


def _admin(path: str) -> str:
    return f"\n    stats socket {path} mode 600 level admin" if path else ""


def render(backends: Backends) -> str:
    """The whole haproxy.cfg text."""
    return f"""# Written by python -m bot.scaleout at start-up (bot/scaleout/haproxy.py); not edited by hand.
global
    maxconn 4096{_admin(backends.admin_socket)}

defaults
    mode http
    option redispatch
    retries 2
    retry-on conn-failure
    timeout connect 3s
    timeout client 120s
    timeout server 120s
    timeout tunnel 1h
    timeout http-request 15s
    timeout check 10s

frontend public
    bind {backends.public_bind}:{backends.public_port}
    acl to_rasa path_beg /webhooks/ /socket.io/
    use_backend rasa if to_rasa
    default_backend web

frontend rasa_api
    bind 127.0.0.1:{backends.rasa_api_port}
    default_backend rasa_api

frontend actions
    bind 127.0.0.1:{backends.actions_port}
    default_backend actions

backend rasa
    balance roundrobin
    option httpchk GET /
    http-check expect string Hello
    cookie ASSISTANT_RASA insert indirect nocache httponly
{_servers("rasa", backends.rasa, " cookie r{n}")}

backend rasa_api
    balance roundrobin
    option httpchk GET /
    http-check expect string Hello
{_servers("rasa", backends.rasa)}

backend actions
    balance roundrobin
    option httpchk GET /health
{_servers("actions", backends.actions)}

backend web
    balance roundrobin
    option httpchk GET /
{_servers("web", backends.web)}
"""
