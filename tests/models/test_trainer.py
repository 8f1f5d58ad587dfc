"""The trainer's parts that need no Rasa run: what a version is trained from (the same fingerprint
``make model`` compares), the one-at-a-time lock, progress and the log as the console shows them.

Bad input tried: a log with colour codes, carriage-return progress bars, a phone number and an ID number
in it, an empty and a missing log, a run that died without saying so, a second start while one runs.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.models import store, trainer
from bot.nlu import training
from tests.support.admin_console import training_data_copy

LOG = ("2026-11-27 18:48:07 INFO     rasa.cli.train  - Started validating domain and training data...\n"
       "\x1b[93mUserWarning: 13812345678 110101199003071234 in an example\x1b[0m\n"
       "Epochs:   0%|          | 0/20 [00:00<?, ?it/s]\rEpochs:   5%|▌         | 1/20 [00:46<14:37, 46.2s/it]"
       "\rEpochs:  10%|█         | 2/20 [00:50<07:30, 25.0s/it, t_loss=8.6, i_acc=0.227]\n")


def test_progress_and_the_log_as_shown(tmp_path: Path) -> None:
    log = tmp_path / "train.log"
    assert trainer.progress(log) is None and trainer.log_tail(log) == []
    log.write_text("", encoding="utf-8")
    assert trainer.progress(log) is None
    log.write_text(LOG, encoding="utf-8")
    assert trainer.progress(log) == {"epoch": 2, "epochs": 20}
    lines = trainer.log_tail(log)
    assert lines[-1].startswith("Epochs:  10%") and "\r" not in "".join(lines) and "\x1b" not in "".join(lines)
    shown = "\n".join(lines)
    assert "13812345678" not in shown and "138****5678" in shown and "110101199003071234" not in shown
    assert trainer.log_tail(log, lines=1) == lines[-1:]


def test_a_version_is_trained_from_what_make_model_hashes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NLU_DATA_DIR", raising=False)
    monkeypatch.delenv("MODEL_TRAIN_CONFIG", raising=False)
    workspace = tmp_path / "inputs"
    digest, files = trainer.snapshot(workspace)
    assert digest == training.fingerprint(training.input_files())
    names = {f["path"] for f in files}
    assert {"config.yml", "domain.yml", "data/rules.yml", "data/nlu/smalltalk.yml", "data/jieba/domain_words.txt",
            "data/lexicon/corrections.tsv", "requirements.txt"} <= names
    assert all(len(f["sha256"]) == 64 for f in files)
    with training_data_copy(tmp_path / "copy") as data:
        same, _ = trainer.snapshot(tmp_path / "again")
        with open(data / "nlu" / "smalltalk.yml", "a", encoding="utf-8") as handle:
            handle.write("\n- intent: thanks\n  examples: |\n    - 三克油\n")
        changed, _ = trainer.snapshot(tmp_path / "changed")
    assert same == digest and changed != digest


def test_one_run_at_a_time(tmp_path: Path) -> None:
    root = tmp_path / "models"
    assert not trainer.running(root)
    fd = trainer._try_lock(root)  # a run in progress (another process holds this lock in real life)
    assert fd is not None
    try:
        assert trainer.running(root)
        with pytest.raises(store.ModelError) as busy:
            trainer.start_background("王主任", root)
        assert busy.value.status == 409 and "已有一次训练在进行中" in str(busy.value)
        with pytest.raises(store.ModelError):
            trainer.train("王主任", root)
        assert store.all_versions(root) == [], "a refused start leaves nothing behind"
    finally:
        os.close(fd)
    assert not trainer.running(root)


def test_a_run_that_died_is_interrupted(tmp_path: Path) -> None:
    root = tmp_path / "models"
    version = trainer._begin("王主任", root)
    store.update_meta(version, root, state="training")
    status = trainer.status(root)
    assert status["version"] == version and status["state"] == "interrupted" and not status["running"]
    assert trainer.state_of(store.read_meta(version, root), root) == "interrupted"
