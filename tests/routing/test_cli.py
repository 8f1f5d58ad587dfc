"""``python -m bot routing …`` as a subprocess on a private models directory, with the malformed
files the router must refuse or survive: missing columns, one class only, empty texts,
10,000-character texts, not a spreadsheet; and the version cycle (train, list, activate, eval)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest
from openpyxl import Workbook

from bot.config import PROJECT_ROOT
from tests.routing import synthetic

COLUMNS = ["--text-col", "诉求内容", "--label-col", "承办部门"]


def run(models: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", "routing", *args, "--models-dir", str(models)],
                          capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=300)


@pytest.fixture(scope="module")
def train_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synthetic.write(tmp_path_factory.mktemp("data") / "train.csv", synthetic.rows(160, seed=1))


def test_train_list_activate_eval(tmp_path: Path, train_file: Path) -> None:
    models = tmp_path / "models"
    first = run(models, "train", str(train_file), *COLUMNS, "--json")
    assert first.returncode == 0, first.stderr
    trained = json.loads(first.stdout)
    assert trained["name"] == "department" and trained["active"] and trained["n"] == 160
    assert 0.0 <= trained["threshold"] <= 1.0 and "macro_f1" in trained["cv"]
    assert "交叉验证" in first.stderr  # progress on stderr

    again = run(models, "train", str(train_file), *COLUMNS, "--name", "department", "--json")
    second = json.loads(again.stdout)
    assert not second["active"]  # a new version is not switched to silently
    listed = json.loads(run(models, "list", "--json").stdout)
    assert [(v["name"], v["version"], v["active"]) for v in listed] == [
        ("department", trained["version"], True), ("department", second["version"], False)]
    assert set(listed[0]) == {"name", "version", "created", "macro_f1", "active"}

    activated = run(models, "activate", f"department/{second['version']}")
    assert activated.returncode == 0, activated.stderr
    assert [v["active"] for v in json.loads(run(models, "list", "--json").stdout)] == [False, True]
    assert run(models, "activate", "department/19990101-000000").returncode == 1

    holdout = synthetic.write(tmp_path / "holdout.csv", synthetic.rows(60, seed=2))
    result = run(models, "eval", str(holdout), *COLUMNS, "--name", "department", "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert set(figures) == {"macro_f1", "accuracy", "per_class", "baseline", "n"}
    assert set(figures["baseline"]) == {"macro_f1", "accuracy"} and figures["n"] == 60
    assert figures["macro_f1"] > 0.8
    assert all(set(row) == {"precision", "recall", "f1", "support"} for row in figures["per_class"].values())

    routed = run(models, "route", "楼下烧烤店油烟太大，晚上熏得没法开窗，已经反映好几次了", "--json")
    assert json.loads(routed.stdout)["label"] == "生态环境局"


def test_missing_column_names_it_and_the_headers(tmp_path: Path, train_file: Path) -> None:
    result = run(tmp_path / "m", "train", str(train_file), "--text-col", "诉求内容", "--label-col", "办理部门")
    assert result.returncode == 2
    assert "办理部门" in result.stderr and "诉求内容、诉求类型、承办部门" in result.stderr
    assert "Traceback" not in result.stderr
    evaluated = run(tmp_path / "m", "eval", str(train_file), "--text-col", "内容", "--label-col", "承办部门")
    assert evaluated.returncode == 2 and "内容" in evaluated.stderr


def test_one_class_only(tmp_path: Path) -> None:
    rows = [(text, "投诉求助", "生态环境局") for text, _t, _d in synthetic.rows(30)]
    path = synthetic.write(tmp_path / "one.csv", rows)
    result = run(tmp_path / "m", "train", str(path), *COLUMNS)
    assert result.returncode == 2
    assert "只有一个类别" in result.stderr and "生态环境局" in result.stderr
    assert not (tmp_path / "m" / "department").exists() or not any((tmp_path / "m" / "department").iterdir())


def test_empty_texts_are_skipped_and_counted_long_texts_capped(tmp_path: Path) -> None:
    rows: List[List[object]] = [list(synthetic.HEADER)]
    rows += [list(r) for r in synthetic.rows(80, seed=3)]
    rows += [["", "投诉求助", "公安局"], [None, "咨询", "生态环境局"], ["   ", "建言", "公安局"]]  # empty texts
    rows += [["油烟" + "很大" * 5_000, "投诉求助", "生态环境局"]]  # 10,002 characters
    rows += [["拖欠工资" * 2_500, "投诉求助", "人力资源和社会保障局"]]  # 10,000 characters
    wb = Workbook()
    ws = wb.active
    ws.title = "工单"
    for r in rows:
        ws.append(r)
    path = tmp_path / "orders.xlsx"
    wb.save(path)
    result = run(tmp_path / "m", "train", str(path), "--sheet", "工单", *COLUMNS, "--json")
    assert result.returncode == 0, result.stderr
    assert "跳过空行 3 条" in result.stderr and "截断 2 条" in result.stderr
    assert json.loads(result.stdout)["n"] == 82
    meta_dir = next((tmp_path / "m" / "department").glob("*/meta.json"))
    meta = json.loads(meta_dir.read_text(encoding="utf-8"))
    assert meta["data"]["skipped_empty"] == 3 and meta["data"]["capped"] == 2
    # a 10,000-character message to a trained router: cut, answered
    routed = run(tmp_path / "m", "route", "噪音" * 5_000, "--json")
    assert routed.returncode == 0, routed.stderr
    evaluated = run(tmp_path / "m", "eval", str(path), "--sheet", "工单", *COLUMNS, "--json")
    assert evaluated.returncode == 0 and json.loads(evaluated.stdout)["n"] == 82
    wrong_sheet = run(tmp_path / "m", "train", str(path), "--sheet", "不存在", *COLUMNS)
    assert wrong_sheet.returncode == 2 and "工单" in wrong_sheet.stderr


@pytest.mark.parametrize("content,expected", [
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "不是电子表格"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, ".xls"),
    (b"PK\x03\x04 this is not a zip", "xlsx"),
    (b"\x00\x01\x02\x03binary", "二进制"),
    (b"", "空"),
])
def test_not_a_spreadsheet(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "orders.xlsx"
    path.write_bytes(content)
    result = run(tmp_path / "m", "train", str(path), *COLUMNS)
    assert result.returncode == 2 and expected in result.stderr and "Traceback" not in result.stderr


def test_only_empty_texts(tmp_path: Path) -> None:
    path = synthetic.write(tmp_path / "empty.csv", [("", "投诉求助", "公安局"), ("", "咨询", "生态环境局")])
    result = run(tmp_path / "m", "train", str(path), *COLUMNS)
    assert result.returncode == 2 and "没有可用的数据行" in result.stderr
