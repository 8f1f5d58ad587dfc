"""``make bench-load`` (issue #14): residents' conversations at 20, 50 and 100 at once against ``make run-scaled``
with its Rasa replicas, and against the same profile with one Rasa replica and one action server, so what the
replicas add is a measured ratio (a report, never a test).

Locust (headless, in a process of its own: its gevent patching never reaches the assistant's processes or
this one) plays tests/bench/load_conversations.py through the public REST webhook, behind HAProxy as
residents reach it: service questions with follow-ups, opening hours, facilities, and a handoff to the
desk that is cancelled while waiting. Each resident reads each reply for ``BENCH_LOAD_THINK`` seconds
(default 2-6) before typing the next message; every conversation has a new sender id, so the per-sender
rate limits (bot/channels/ratelimit.py) stay as configured and are never reached.

Each level ramps up over 10 s (not counted), then is measured for ``BENCH_LOAD_SECONDS`` (default 60).
The report has per-step requests, failures (an error, or a reply without what shows it was understood),
p50/p95/p99 and requests per second, and per level the throughput and p95 ratios of the profiles.

Each stack gets a fresh PostgreSQL schema (prepared as ``make run-scaled`` prepares its database, dropped
afterwards, with the desk tickets the handoffs open) and a desk timetable that is always open, so the
handoff takes the same path whatever the hour. ``--profiles`` may add ``embedded`` (``make run``: SQLite,
one process each). Each stack's logs and locust's CSV files are kept in var/bench-load/<time>/. Nothing is
trained and ``models/`` is not changed.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, ContextManager, Dict, Iterator, List, Optional, Sequence, Tuple

import requests

from bot.config import PROJECT_ROOT
from tests.bench.load_conversations import CONVERSATIONS, WEBHOOK, problem, reply_text
from tests.bench.load_report import Level, print_report, read_level
from tests.support.database import fresh_database, fresh_postgres_schema
from tests.support.desk import ALWAYS_OPEN, write_hours
from tests.support.stack import free_port

logger = logging.getLogger(__name__)

LOCUSTFILE = Path(__file__).with_name("load_locustfile.py")
WORKDIR = PROJECT_ROOT / "var" / "bench-load"
LEVELS = (20, 50, 100)
RAMP_SECONDS = 10
REDIS_URL = "redis://127.0.0.1:6379/0"


@dataclass(frozen=True)
class Running:
    url: str  # where residents reach it
    down: Callable[[], List[str]]  # names of its processes that have exited


StackFactory = Callable[[Path], ContextManager[Running]]  # a scratch folder -> the stack while open


@dataclass(frozen=True)
class Profile:
    key: str
    title: str
    replicas: int  # Rasa processes: the warm-up reaches each of them
    start: StackFactory


@contextlib.contextmanager
def environment(values: Dict[str, str]) -> Iterator[None]:
    """``values`` in this process's environment (the stacks' processes inherit it), put back afterwards."""
    names = [*values, "DATABASE_URL", "REDIS_URL"]  # prepare() sets the last two for good
    before = {name: os.environ.get(name) for name in names}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def scaled(rasa: int, actions: int, model: Path) -> StackFactory:
    """``make run-scaled`` with ``rasa`` replicas and ``actions`` action servers on loopback ports."""

    @contextlib.contextmanager
    def start(scratch: Path) -> Iterator[Running]:
        from bot.scaleout.__main__ import prepare
        from bot.scaleout.stack import ScaledConfig, ScaledStack

        with fresh_postgres_schema("benchload") as url:
            config = ScaledConfig(database_url=url, redis_url=REDIS_URL, public_port=free_port(),
                                  public_bind="127.0.0.1", rasa_ports=[free_port() for _ in range(rasa)],
                                  action_ports=[free_port() for _ in range(actions)], web_ports=[free_port()],
                                  rasa_api_port=free_port(), actions_lb_port=free_port(), model=model,
                                  run_dir=scratch)
            with contextlib.redirect_stdout(io.StringIO()):  # the first admin's password: not for this report
                prepare(config)
            stack = ScaledStack(config).start(timeout=900)
            try:
                yield Running(f"http://127.0.0.1:{config.public_port}",
                              lambda: [name for name, proc in stack.processes.items() if proc.poll() is not None])
            finally:
                stack.stop()

    return start


def embedded(model: Path) -> StackFactory:
    """``make run``: SQLite, Rasa behind the forwarder, one action server."""

    @contextlib.contextmanager
    def start(scratch: Path) -> Iterator[Running]:
        from bot.runner import Ports, Stack

        with fresh_database(scratch / "embedded.db", seed=True, opendata=True, faq=True) as url:
            stack = Stack(ports=Ports(rasa=free_port(), actions=free_port(), web=free_port()), model=model,
                          env={"DATABASE_URL": url}, log_dir=scratch / "log", with_web=False, switchable=True)
            stack.start(timeout=900)
            try:
                yield Running(stack.rasa_url, lambda: [getattr(proc, "name", "?") for proc in list(stack.processes)
                                                       if proc.poll() is not None])
            finally:
                stack.stop()

    return start


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _play_all(session: requests.Session, url: str, tag: str) -> Dict[str, str]:
    """Every conversation once, one turn at a time; the turns not served, with why and what was said."""
    misses: Dict[str, str] = {}
    for conversation in CONVERSATIONS:
        sender = f"bench-warm-{tag}-{time.monotonic_ns()}"
        for step in conversation.steps:
            response = session.post(url + WEBHOOK, json={"sender": sender, "message": step.text}, timeout=300)
            why = problem(step, response.status_code, response.content)
            if why:
                said = reply_text(_json(response))[:200]
                misses.setdefault(f"{conversation.title} · {step.text}", f"{why} — {said!r}")
    return misses


def warm_up(url: str, rounds: int, settle_s: float = 600.0) -> List[str]:
    """Every conversation until a round has no HTTP error, then ``rounds`` more; the turns not understood in
    those, so a text the model no longer knows is seen before the figures.

    A replica's first turns load the model's remaining parts, the jieba dictionaries and the registry snapshot
    in its event loop, long enough for HAProxy's check to take it out of rotation for a while (503): the
    figures start from a stack whose every replica and action server has answered."""
    deadline = time.monotonic() + settle_s
    with requests.Session() as session:
        n = 0
        while any(why.startswith("HTTP ") for why in _play_all(session, url, f"settle{n}").values()):
            if time.monotonic() > deadline:
                break  # the rounds below report what is still failing
            n += 1
            time.sleep(3)
        misses: Dict[str, str] = {}
        for n in range(rounds):
            for turn, why in _play_all(session, url, str(n)).items():
                misses.setdefault(turn, why)
    return [f"{turn}: {why}" for turn, why in misses.items()]


def run_level(url: str, title: str, users: int, seconds: float, think: str, scratch: Path,
              ramp: float = RAMP_SECONDS) -> Level:
    """One locust run: ramp to ``users`` over ``ramp`` seconds, statistics reset, ``seconds`` measured."""
    prefix = scratch / f"locust-{users}"
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", url,
               "--users", str(users), "--spawn-rate", f"{users / ramp:g}",
               "--run-time", f"{ramp + seconds:.0f}s", "--reset-stats", "--csv", str(prefix),
               "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0"]
    env = {**os.environ, "BENCH_LOAD_THINK": think,
           "PYTHONPATH": os.pathsep.join(p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH")) if p)}
    log = prefix.with_suffix(".log")
    with open(log, "wb") as out:
        done = subprocess.run(command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                              timeout=ramp + seconds + 300, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"locust exited with {done.returncode}: {log.read_text(encoding='utf-8')[-2000:]}")
    return read_level(prefix, title, users)


def bench(profiles: Sequence[Profile], levels: Sequence[int], seconds: float, think: str,
          scratch: Path) -> List[Level]:
    """Every profile's stack started and warmed one after the other (starts are not contended), then kept up
    while the levels are run, the profiles taking turns within each level in alternating order (ABBA), so a
    change in the machine's background load hits each profile alike."""
    results: List[Level] = []
    hours = scratch / "desk-hours.yml"
    write_hours(hours, ALWAYS_OPEN)
    # a token of hex digits: a urlsafe one starting with "-" is read by rasa run's argument parser as an option
    # (bot/rasa_server.py passes "--auth-token", token as two arguments) and the replica exits at start
    with environment({"DESK_HOURS_FILE": str(hours), "RASA_AUTH_TOKEN": secrets.token_hex(24)}), \
            contextlib.ExitStack() as stacks:
        running: List[Tuple[Profile, Running, Path]] = []
        for profile in profiles:
            folder = scratch / profile.key
            folder.mkdir()
            print(f"{profile.title}：启动中……", flush=True)
            stack = stacks.enter_context(profile.start(folder))
            misses = warm_up(stack.url, rounds=max(2, profile.replicas))
            for miss in misses:
                print(f"  警告：没有答对 {miss}", flush=True)
            if any(": HTTP " in miss for miss in misses):
                raise RuntimeError(f"{profile.title} 没有正常应答（进程退出：{', '.join(stack.down()) or '无'}），"
                                   f"日志：{folder}")
            running.append((profile, stack, folder))
        for n, users in enumerate(levels):
            for profile, stack, folder in (running if n % 2 == 0 else running[::-1]):
                print(f"{profile.title}：{users} 位居民，{seconds:.0f} 秒……", flush=True)
                load = os.getloadavg()[0]
                level = run_level(stack.url, profile.title, users, seconds, think, folder)
                level.load = (load, os.getloadavg()[0])
                results.append(level)
                down = stack.down()
                if down:  # the figures of a stack that lost a process are not its capacity
                    raise RuntimeError(f"{profile.title} 在 {users} 位居民时有进程退出：{', '.join(down)}，"
                                       f"日志：{folder}")
                time.sleep(5)  # the last conversations' turns are answered before the next run
    order = {profile.title: n for n, profile in enumerate(profiles)}
    return sorted(results, key=lambda level: (order[level.profile], level.users))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--profiles", default="one,scaled",
                        help="comma-separated: one (run-scaled, 1 Rasa + 1 action server), scaled "
                             "(RASA_REPLICAS, ACTION_REPLICAS: default 2 and 2), embedded (make run)")
    parser.add_argument("--levels", default=",".join(map(str, LEVELS)), help="concurrent residents per run")
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_LOAD_SECONDS") or 60))
    parser.add_argument("--think", default=os.environ.get("BENCH_LOAD_THINK") or "2-6",
                        help="seconds a resident reads a reply, min-max")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from bot.models import store

    model = store.active_target()
    if model is None:
        raise SystemExit("没有模型：请先运行 make model")
    rasa = int(os.environ.get("RASA_REPLICAS") or 2)
    actions = int(os.environ.get("ACTION_REPLICAS") or 2)
    known = {p.key: p for p in (Profile("one", "run-scaled ×1", 1, scaled(1, 1, model)),
                                Profile("scaled", f"run-scaled ×{rasa}", rasa, scaled(rasa, actions, model)),
                                Profile("embedded", "make run", 1, embedded(model)))}
    names = [name.strip() for name in args.profiles.split(",") if name.strip()]
    unknown = [name for name in names if name not in known]
    if unknown:
        parser.error(f"unknown profile(s): {', '.join(unknown)}")
    levels = [int(level) for level in args.levels.split(",")]
    scratch = WORKDIR / time.strftime("%Y%m%d-%H%M%S")  # kept: each stack's logs and locust's CSV files
    scratch.mkdir(parents=True)
    print(f"日志和 locust 的 CSV：{scratch}", flush=True)
    results = bench([known[name] for name in names], levels, args.seconds, args.think, scratch)
    print_report(results, args.seconds, args.think, scaled_title=known["scaled"].title, one_title=known["one"].title)
    return 0


if __name__ == "__main__":
    sys.exit(main())
