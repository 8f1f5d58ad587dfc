"""Versions, the active link, the gate, activation, rollback and their audit entries, without Rasa: the
versions here are folders with a small archive, on a real database (SQLite and PostgreSQL, ``store_db``).

Bad input tried: malformed version names (empty, ``..``, a path, full-width digits, 1000 characters), a
version not trained to the end (failed, interrupted), force without a reason or with a blank one, a
reason of 501 characters or with a phone number, rollback with nothing to go back to, a failed switch
after an activation and after a rollback, eight activations at once, a model from before versions.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import List, Optional

import pytest

from bot.audit.log import history
from bot.models import lifecycle, store
from tests.models.conftest import small_archive

ACTOR = "王主任"


def make_version(root: Path, name: str, f1: Optional[float], state: str = "ready") -> str:
    folder = store.versions_dir(root) / name
    small_archive(folder / store.MODEL_FILE, f"id-{name}")
    store.write_json(folder / store.META_FILE, {"version": name, "created": "2026-11-27T08:00:00+00:00", "by": ACTOR,
                                                "state": state, "macro_f1": f1, "intent_f1": {}})
    return name


A, B, C, NEAR = "20261127-080000", "20261127-090000", "20261127-100000", "20261127-110000"


@pytest.fixture()
def versions(tmp_path: Path) -> Path:
    """A models folder with four trained versions (no database: for refusals that come before any change)."""
    models = tmp_path / "models"
    for name, f1 in ((A, 0.90), (B, 0.91), (C, 0.95), (NEAR, 0.94)):
        make_version(models, name, f1)
    return models


@pytest.fixture()
def root(versions: Path, store_db: str) -> Path:
    """The same with a database for the audit entries."""
    return versions


@pytest.mark.parametrize("name", ["", "..", "../20261127-080000", "20261127-080000/../x",
                                  "２０２６１１２７-０８００００", "x" * 1000, "20261127-0800", "20261127-080000-1234",
                                  None, 20261127])
def test_malformed_names_are_refused_before_any_path(name: object, versions: Path) -> None:
    with pytest.raises(store.ModelError) as refused:
        lifecycle.activate(name, ACTOR, "console", root=versions)  # type: ignore[arg-type]
    assert refused.value.status == 400
    assert store.active_version(versions) is None


def test_an_unknown_version_is_404(versions: Path) -> None:
    with pytest.raises(store.ModelError) as refused:
        lifecycle.activate("20991231-235959", ACTOR, "console", root=versions)
    assert refused.value.status == 404


def test_the_gate_allows_two_points_and_no_more() -> None:
    active = {"version": A, "macro_f1": 0.92}
    assert lifecycle.gate({"version": B, "macro_f1": 0.90}, active) is None
    refusal = lifecycle.gate({"version": B, "macro_f1": 0.8999}, active)
    assert refusal is not None and "2.0 个百分点" in refusal and "0.900" in refusal and "0.920" in refusal
    assert lifecycle.gate({"version": B, "macro_f1": None}, active) is not None
    assert lifecycle.gate({"version": B, "macro_f1": 0.1}, None) is None
    assert lifecycle.gate({"version": B, "macro_f1": 0.1}, {"version": A, "macro_f1": None}) is None


def test_activations_and_rollbacks_form_a_stack(root: Path) -> None:
    for version in (A, B, C):
        assert lifecycle.activate(version, ACTOR, "console", root=root)["changed"]
    assert store.active_link(root).is_symlink() and store.active_target(root) == \
        (store.version_dir(C, root) / store.MODEL_FILE).resolve()
    assert lifecycle.rollback(ACTOR, "cli", root=root)["version"] == B
    assert lifecycle.rollback(ACTOR, "cli", root=root)["version"] == A
    with pytest.raises(store.ModelError) as nothing:
        lifecycle.rollback(ACTOR, "cli", root=root)
    assert nothing.value.status == 409 and store.active_version(root) == A
    lifecycle.activate(C, ACTOR, "console", root=root)
    assert store.rollback_target(root) == A
    again = lifecycle.activate(C, ACTOR, "console", root=root)
    assert not again["changed"]
    actions = [(e.action, e.key, e.source) for e in reversed(history("model", limit=20))]
    assert actions == [("activate", A, "console"), ("activate", B, "console"), ("activate", C, "console"),
                       ("rollback", B, "cli"), ("rollback", A, "cli"), ("activate", C, "console")]


def test_a_worse_version_needs_force_and_a_reason(root: Path) -> None:
    lifecycle.activate(C, ACTOR, "console", root=root)
    log_before = store.activations(root)
    with pytest.raises(store.ModelError) as refused:
        lifecycle.activate(B, ACTOR, "console", root=root)
    assert refused.value.status == 409 and "4.0 个百分点" in str(refused.value) and refused.value.extra["gate"]
    assert store.active_version(root) == C and store.activations(root) == log_before
    assert [e.action for e in history("model")] == ["activate"]
    for reason in ("", "   ", None, 42):
        with pytest.raises(store.ModelError) as blank:
            lifecycle.activate(B, ACTOR, "console", force=True, reason=reason, root=root)
        assert blank.value.status == 400
    with pytest.raises(store.ModelError) as long:
        lifecycle.activate(B, ACTOR, "console", force=True, reason="长" * 501, root=root)
    assert long.value.status == 400
    forced = lifecycle.activate(B, ACTOR, "console", force=True, reason="节前演练，联系人 13812345678", root=root)
    assert forced["forced"] and store.active_version(root) == B
    entry = history("model", B)[0]
    assert entry.action == "force_activate" and entry.after is not None
    assert entry.after["reason"] == "节前演练，联系人 138****5678" and "13812345678" not in entry.summary
    assert "macro-F1" in entry.after["gate"] and entry.before == {"version": C, "macro_f1": 0.95}
    # within two points: no force needed, and force without need is recorded as a plain activation
    assert not lifecycle.activate(NEAR, ACTOR, "console", force=True, reason="不需要", root=root)["forced"]


@pytest.mark.parametrize("state", ["failed", "training", "queued", "evaluating"])
def test_a_version_not_trained_to_the_end_is_refused(tmp_path: Path, store_db: str, state: str) -> None:
    models = tmp_path / "models"
    make_version(models, A, 0.9, state=state)
    with pytest.raises(store.ModelError) as refused:
        lifecycle.activate(A, ACTOR, "cli", force=True, reason="试试", root=models)
    assert refused.value.status == 409 and "不能启用" in str(refused.value)


def test_a_failed_switch_is_undone_after_an_activation_and_after_a_rollback(root: Path) -> None:
    lifecycle.activate(A, ACTOR, "cli", root=root)
    lifecycle.activate(B, ACTOR, "cli", root=root)
    assert lifecycle.revert_failed_switch(B, A, "新的 Rasa 进程退出了", root)
    assert store.active_version(root) == A and store.activation_stack(root) == [A]
    lifecycle.activate(C, ACTOR, "cli", root=root)
    lifecycle.rollback(ACTOR, "cli", root=root)
    assert store.active_version(root) == A
    assert lifecycle.revert_failed_switch(A, C, "加载超时", root)
    assert store.active_version(root) == C and store.rollback_target(root) == A
    assert not lifecycle.revert_failed_switch(B, C, "早已换掉", root), "someone activated another version meanwhile"
    assert [e.action for e in history("model")][:2] == ["switch_failed", "rollback"]


def test_eight_activations_at_once_leave_one_consistent_record(root: Path) -> None:
    errors: List[BaseException] = []

    def activate(version: str) -> None:
        try:
            lifecycle.activate(version, ACTOR, "console", root=root)
        except BaseException as exc:  # reported below
            errors.append(exc)

    lifecycle.activate(C, ACTOR, "console", root=root)
    threads = [threading.Thread(target=activate, args=(NEAR if n % 2 else C,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    stack = store.activation_stack(root)
    assert stack[-1] == store.active_version(root) and set(stack) <= {C, NEAR}
    changed = [e for e in store.activations(root) if e["kind"] == "activate"]
    assert len(changed) == len(history("model", limit=50)), "one audit entry per change of the link"


def test_a_model_from_before_versions_becomes_the_first_version(tmp_path: Path, store_db: str) -> None:
    models = tmp_path / "models"
    models.mkdir()
    legacy = models / store.ACTIVE_NAME
    legacy.write_bytes(b"an archive trained by make model before versions")
    (models / store.LEGACY_STAMP).write_text("ab" * 32 + "\n")
    assert store.legacy_model(models) and store.active_version(models) is None
    version = store.adopt_legacy("cli:root", models)
    assert version is not None and store.active_version(models) == version
    meta = store.read_meta(version, models)
    assert meta["fingerprint"] == "ab" * 32 and meta["adopted"] and meta["macro_f1"] is None
    assert os.path.samefile(store.version_dir(version, models) / store.MODEL_FILE, legacy), "hard link, no copy"
    assert store.adopt_legacy("cli:root", models) is None
    assert store.activation_stack(models) == [version]
    make_version(models, B, 0.9)
    assert lifecycle.activate(B, ACTOR, "cli", root=models)["previous"] == version, "no evaluation yet: no gate"
