"""The gate with real versions: a version trained on a deliberately bad training set (tests/models/conftest.py:
``scramble``) is refused by ``python -m bot model activate`` (exit 1, the figures named), forcing it without
a reason is refused (exit 2), forcing it with a reason activates it and puts the reason in the audit log,
and rollback brings the good version back. Its own models folder: the running stack does not follow it.

Bad input tried: force with no reason, an empty and a blank reason; a reason with a phone number.
"""
from __future__ import annotations

import json
from typing import Any, Dict

from bot.audit.log import history
from bot.models import store
from tests.models.conftest import Lifecycle, copy_version, run_cli, wait_trained


def test_a_worse_version_is_refused_unless_forced_with_a_reason(bad: Lifecycle, lifecycle: Lifecycle,
                                                                first: Dict[str, Any]) -> None:
    version = (bad.work / ".version").read_text()
    meta = wait_trained(bad.root, version)
    assert meta["state"] == "ready" and meta["macro_f1"] < first["macro_f1"] - 0.02, (meta["macro_f1"],
                                                                                     first["macro_f1"])
    # version 1's files as a version of this folder too, active here
    good = copy_version(first["version"], lifecycle.root, bad.root)
    assert run_cli("activate", good, env=bad.env).returncode == 0

    audited = len(history("model", version))  # (the other folder's first version may share its name)
    refused = run_cli("activate", version, env=bad.env)
    assert refused.returncode == 1, refused.stderr
    assert "macro-F1" in refused.stderr and f"{meta['macro_f1']:.3f}" in refused.stderr and "未启用" in refused.stderr
    for reason in ([], ["--reason", ""], ["--reason", "   "]):
        blank = run_cli("activate", version, "--force", *reason, env=bad.env)
        assert blank.returncode == 2 and "理由" in blank.stderr, blank.stderr
    assert store.active_version(bad.root) == good
    assert len(history("model", version)) == audited, "a refusal changes nothing"

    forced = run_cli("activate", version, "--force", "--reason", "演练回滚流程，值班电话 13812345678", "--json",
                     env=bad.env)
    assert forced.returncode == 0, forced.stderr
    answer = json.loads(forced.stdout)
    assert answer["forced"] and answer["serving"] == [] and store.active_version(bad.root) == version
    entry = history("model", version)[0]
    assert entry.action == "force_activate" and entry.source == "cli" and entry.actor.startswith("cli")
    assert entry.after is not None and entry.after["reason"] == "演练回滚流程，值班电话 138****5678"
    assert "macro-F1" in entry.after["gate"] and entry.before == {"version": good,
                                                                  "macro_f1": first["macro_f1"]}

    back = run_cli("rollback", "--json", env=bad.env)
    assert back.returncode == 0 and json.loads(back.stdout)["version"] == good, back.stderr
    listed = {row["version"]: row for row in json.loads(run_cli("list", "--json", env=bad.env).stdout)}
    assert listed[good]["active"] and not listed[version]["active"]

