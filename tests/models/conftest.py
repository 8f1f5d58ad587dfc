"""The model lifecycle's real parts, shared by this package's tests and torn down after them:

* ``lifecycle``: a models folder of its own (``MODELS_DIR``), a copy of the training data
  (``NLU_DATA_DIR``; the repository's ``data/`` and ``models/`` are never written) and the fast Rasa
  configuration (``MODEL_TRAIN_CONFIG``: tests/models/fast_config.yml);
* ``bad``: a deliberately bad training set (every intent's examples given to another intent) trained
  in the background in another models folder by ``python -m bot model train --background`` — started
  first, so it trains while ``first`` does;
* ``first``: version 1 trained from the unchanged copy and activated;
* ``stack``: the real action server, page server and Rasa behind the forwarder, following the active version.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import yaml

from tests.support.admin_console import training_data_copy
from tests.support.stack import free_port

FAST_CONFIG = Path(__file__).resolve().parent / "fast_config.yml"
ROOT = Path(__file__).resolve().parents[2]
TRAIN_TIMEOUT = 1200.0  # a slow, busy machine: the runs take one to three minutes on two idle cores


@dataclass
class Lifecycle:
    root: Path  # the models folder
    data: Path  # the training data copy
    work: Path

    @property
    def env(self) -> Dict[str, str]:
        return {"MODELS_DIR": str(self.root), "NLU_DATA_DIR": str(self.data), "MODEL_TRAIN_CONFIG": str(FAST_CONFIG)}


@contextmanager
def environment(**values: str) -> Iterator[None]:
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_cli(*args: str, env: Dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m bot model …`` as an operator runs it, in its own process."""
    return subprocess.run([sys.executable, "-m", "bot", "model", *args], cwd=ROOT, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=timeout)


def wait_trained(root: Path, version: str, timeout: float = TRAIN_TIMEOUT) -> Dict[str, Any]:
    """Until ``version`` is trained and evaluated (or failed); its meta.json."""
    from bot.models import store, trainer

    deadline = time.monotonic() + timeout
    while True:
        meta = store.read_meta(version, root)
        state = trainer.state_of(meta, root)
        if state not in ("queued", "training", "evaluating"):
            return meta
        assert time.monotonic() < deadline, f"version {version} still {state} after {timeout:.0f} s"
        time.sleep(2)


def small_archive(path: Path, model_id: str) -> Path:
    """A ``model.tar.gz`` holding only Rasa's metadata.json with ``model_id``: enough for the lifecycle's own
    checks; Rasa itself cannot load it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps({"model_id": model_id}).encode()
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo("metadata.json")
        info.size = len(payload)
        archive.addfile(info, io.BytesIO(payload))
    return path


def copy_version(version: str, source: Path, root: Path) -> str:
    """``version`` of the models folder ``source`` as a new version of ``root`` (its files hard-linked, its
    meta.json naming the new version; names are times, so two folders' first runs may share one)."""
    from bot.models import store

    copy = store.new_version(root)
    for path in store.version_dir(version, source).iterdir():
        if path.is_file():
            os.link(path, store.version_dir(copy, root) / path.name)
    meta = store.version_dir(copy, root) / store.META_FILE
    store.write_json(meta, {**store.read_json(meta), "version": copy})  # replaced, not written through the link
    return copy


def scramble(data: Path) -> None:
    """A deliberately bad training set: across the hand-kept NLU files the examples of each intent block are
    given to the next block's intent (same intents, same examples, wrong labels)."""
    docs = {path: yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for path in sorted((data / "nlu").glob("*.yml"))}
    blocks: List[Dict[str, Any]] = [b for doc in docs.values() for b in doc.get("nlu") or [] if "intent" in b]
    names = [b["intent"] for b in blocks]
    assert len(set(names)) > 10, names
    for block, name in zip(blocks, names[1:] + names[:1], strict=True):
        block["intent"] = name
    for path, doc in docs.items():
        path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture(scope="package")
def lifecycle(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lifecycle]:
    work = tmp_path_factory.mktemp("lifecycle")
    with training_data_copy(work) as data, environment(MODELS_DIR=str(work / "models"),
                                                       MODEL_TRAIN_CONFIG=str(FAST_CONFIG)):
        yield Lifecycle(work / "models", data, work)


@pytest.fixture(scope="package")
def bad(lifecycle: Lifecycle) -> Lifecycle:
    """The bad set's folders, with its training started in the background (the version in ``.version``)."""
    work = lifecycle.work / "bad"
    data = work / "data"
    for part in ("nlu", "jieba", "lexicon"):
        shutil.copytree(lifecycle.data / part, data / part)
    scramble(data)
    chosen = Lifecycle(work / "models", data, work)
    started = run_cli("train", "--background", "--json", env=chosen.env)
    assert started.returncode == 0, started.stderr
    (work / ".version").write_text(json.loads(started.stdout)["version"])
    return chosen


@pytest.fixture(scope="package")
def first(lifecycle: Lifecycle, bad: Lifecycle) -> Dict[str, Any]:
    """Version 1 from the unchanged copy, trained here (while ``bad`` trains) by what ``make model`` runs on a
    fresh machine: the first version, evaluated and active."""
    from bot.models import make, store

    assert make.ensure_trained(root=lifecycle.root) is True
    version = store.active_version(lifecycle.root)
    assert version is not None
    meta = store.read_meta(version, lifecycle.root)
    assert meta["state"] == "ready" and isinstance(meta["macro_f1"], float), meta
    return meta


@pytest.fixture(scope="package")
def stack(lifecycle: Lifecycle, first: Dict[str, Any], database_url: str, desk_hours_file: Path,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The assistant as ``make run`` runs it (Rasa behind the forwarder, following the active version)."""
    from bot.runner import Ports, Stack

    running = Stack(ports=Ports(rasa=free_port(), actions=free_port(), web=free_port()),
                    model=lifecycle.root / "assistant.tar.gz",
                    env={"DATABASE_URL": database_url, "DESK_HOURS_FILE": str(desk_hours_file)},
                    log_dir=tmp_path_factory.mktemp("lifecycle-logs"), switchable=True, follow_model=True,
                    drain_seconds=10)
    running.start(timeout=900)
    yield running
    running.stop()


NEW_THANKS = ("阿里嘎多", "阿里嘎多啦", "三克油", "三克油哈")  # a new way to say thanks, added in the console


@dataclass
class Started:
    admin: Any  # tests.support.desk.DeskClient of an administrator
    version: str
    answers: Dict[str, Any]  # what the console answered: the start, a second start, a start by staff


@pytest.fixture(scope="package")
def second_started(stack: Any, first: Dict[str, Any]) -> Started:
    """The examples added in the NLU editor (the console's API, on the copy), then a version's training
    started from the console. Started early so that other tests run while it trains (test_switch.py waits)."""
    from tests.support.desk import DeskClient, new_staff

    admin = DeskClient(stack.web_url, new_staff("admin", "模型管理员"))
    answers: Dict[str, Any] = {}
    for text in NEW_THANKS:
        version = admin.get("/admin/api/nlu/intents/thanks").json()["version"]
        added = admin.post("/admin/api/nlu/intents/thanks/examples", {"text": text, "version": version})
        assert added.status_code == 201, added.text
    started = admin.post("/admin/api/models/train")
    assert started.status_code == 202, started.text
    answers["start"] = started.json()
    again = admin.post("/admin/api/models/train")
    answers["again"] = (again.status_code, again.json())
    staff = DeskClient(stack.web_url, new_staff("staff"))
    staff_try = staff.post("/admin/api/models/train")
    answers["staff"] = staff_try.status_code
    return Started(admin, answers["start"]["version"], answers)


@pytest.fixture(scope="package")
def second(second_started: Started, lifecycle: Lifecycle) -> Dict[str, Any]:
    """That version, trained and evaluated."""
    meta = wait_trained(lifecycle.root, second_started.version)
    assert meta["state"] == "ready", meta.get("error")
    return meta
