"""``python -m bot routing …`` on a private models directory, with the malformed files the router must
refuse or survive: missing columns, one class only, empty texts, 10,000-character texts, formulas,
binary files, a PDF, an old .xls, a GB18030 CSV, an xlsx with several sheets; the version cycle
(train, list, activate, eval) and ``ensure``. One run goes through a real subprocess (exit status,
progress lines on stderr); the rest call the same entry point in-process, which is much faster."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, List, Tuple

import pytest
from openpyxl import Workbook

from bot.__main__ import main
from bot.config import PROJECT_ROOT
from tests.routing import synthetic

COLUMNS = ["--text-col", "诉求内容", "--label-col", "承办部门"]


def cli(capsys: pytest.CaptureFixture[str], models: Path, *args: str) -> Tuple[int, str, str]:
    code = main(["routing", *args, "--models-dir", str(models)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def train_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synthetic.write(tmp_path_factory.mktemp("data") / "train.csv", synthetic.rows(160, seed=1))


def test_train_list_activate_eval_in_a_real_process(tmp_path: Path, train_file: Path) -> None:
    models = tmp_path / "models"

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bot", "routing", *args, "--models-dir", str(models)],
                              capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=300)

    first = run("train", str(train_file), *COLUMNS, "--json")
    assert first.returncode == 0, first.stderr
    trained = json.loads(first.stdout)
    assert trained["name"] == "department" and trained["active"] and trained["n"] == 160
    assert 0.0 <= trained["threshold"] <= 1.0 and "macro_f1" in trained["cv"]
    assert "交叉验证 5/5" in first.stderr and "训练 2/2" in first.stderr  # progress, one line a step

    assert run("activate", "department/19990101-000000").returncode == 1

    holdout = synthetic.write(tmp_path / "holdout.csv", synthetic.rows(60, seed=2))
    result = run("eval", str(holdout), *COLUMNS, "--name", "department", "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert {"macro_f1", "accuracy", "per_class", "baseline", "n"} <= set(figures)
    assert set(figures["baseline"]) == {"macro_f1", "accuracy"} and figures["n"] == 60
    assert figures["macro_f1"] > 0.8 and figures["model"] == f"department/{trained['version']}"
    assert set(figures["triage"]) == {"threshold", "triage_share", "accepted_accuracy", "for_target"}
    assert all(set(row) == {"precision", "recall", "f1", "support"} for row in figures["per_class"].values())

    routed = run("route", "楼下烧烤店油烟太大，晚上熏得没法开窗，已经反映好几次了", "--json")
    assert json.loads(routed.stdout)["label"] == "生态环境局"


def test_versions_list_and_activate(capsys: pytest.CaptureFixture[str], tmp_path: Path, train_file: Path) -> None:
    models = tmp_path / "m"
    assert cli(capsys, models, "list", "--json")[1].strip() == "[]"
    first = json.loads(cli(capsys, models, "train", str(train_file), *COLUMNS, "--json")[1])
    second = json.loads(cli(capsys, models, "train", str(train_file), *COLUMNS, "--json")[1])
    assert first["active"] and not second["active"]  # a new version is not switched to silently
    listed = json.loads(cli(capsys, models, "list", "--json")[1])
    assert [(v["version"], v["active"]) for v in listed] == [(first["version"], True), (second["version"], False)]
    assert set(listed[0]) == {"name", "version", "created", "macro_f1", "active"}
    assert cli(capsys, models, "activate", "department", second["version"])[0] == 0
    assert [v["active"] for v in json.loads(cli(capsys, models, "list", "--json")[1])] == [False, True]
    code, _out, err = cli(capsys, models, "activate", "department/19990101-000000")
    assert code == 1 and first["version"] in err  # names the versions there are


def test_missing_columns_name_them_and_the_headers(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                  train_file: Path) -> None:
    code, _out, err = cli(capsys, tmp_path / "m", "train", str(train_file), "--text-col", "诉求内容",
                          "--label-col", "办理部门")
    assert code == 2 and "办理部门" in err and "诉求内容、诉求类型、承办部门" in err
    code, _out, err = cli(capsys, tmp_path / "m", "train", str(train_file), *COLUMNS, "--group-col", "诉求分类")
    assert code == 2 and "分组列「诉求分类」" in err
    code, _out, err = cli(capsys, tmp_path / "m", "eval", str(train_file), "--text-col", "内容",
                          "--label-col", "承办部门")
    assert code == 2 and "内容" in err


def test_one_class_only_and_only_empty_rows(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rows = [(text, "投诉求助", "生态环境局") for text, _t, _d in synthetic.rows(30)]
    code, _out, err = cli(capsys, tmp_path / "m", "train", str(synthetic.write(tmp_path / "one.csv", rows)), *COLUMNS)
    assert code == 2 and "只有一个类别" in err and "生态环境局" in err
    assert not (tmp_path / "m" / "department").exists() or not any((tmp_path / "m" / "department").iterdir())
    empty = synthetic.write(tmp_path / "empty.csv", [("", "投诉求助", "公安局"), ("", "咨询", "生态环境局")])
    code, _out, err = cli(capsys, tmp_path / "m", "train", str(empty), *COLUMNS)
    assert code == 2 and "没有可用的数据行" in err


def test_empty_formula_and_huge_texts_in_an_xlsx_sheet(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rows: List[List[Any]] = [list(synthetic.HEADER)]
    rows += [list(r) for r in synthetic.rows(80, seed=3)]
    rows += [["", "投诉求助", "公安局"], [None, "咨询", "生态环境局"], ["   ", "建言", "公安局"]]  # empty texts
    rows += [["=HYPERLINK(\"http://x.example\",\"点我\")", "投诉求助", "公安局"],  # formulas: never learnt
             ["路灯坏了", "投诉求助", "=1+1"]]
    rows += [["油烟" + "很大" * 5_000, "投诉求助", "生态环境局"]]  # 10,002 characters
    rows += [["拖欠工资" * 2_500, "投诉求助", "人力资源和社会保障局"]]  # 10,000 characters
    wb = Workbook()
    wb.active.title = "说明"
    ws = wb.create_sheet("工单")
    for r in rows:
        ws.append(r)
    path = tmp_path / "orders.xlsx"
    wb.save(path)
    models = tmp_path / "m"
    code, out, err = cli(capsys, models, "train", str(path), "--sheet", "工单", *COLUMNS, "--json")
    assert code == 0, err
    assert "跳过空行 3 条" in err and "跳过公式 2 条" in err and "截断 2 条" in err
    assert json.loads(out)["n"] == 82
    meta = json.loads(next((models / "department").glob("*/meta.json")).read_text(encoding="utf-8"))
    assert meta["data"]["skipped_empty"] == 3 and meta["data"]["skipped_formula"] == 2 and meta["data"]["capped"] == 2
    assert "=1+1" not in meta["classes"]
    code, out, _err = cli(capsys, models, "route", "噪音" * 5_000, "--json")  # 10,000 characters: cut, answered
    assert code == 0 and json.loads(out)["label"]
    code, out, _err = cli(capsys, models, "eval", str(path), "--sheet", "工单", *COLUMNS, "--json")
    assert code == 0 and json.loads(out)["n"] == 82
    code, _out, err = cli(capsys, models, "train", str(path), "--sheet", "不存在", *COLUMNS)
    assert code == 2 and "工单" in err


def test_a_gb18030_csv_is_read(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "excel-export.csv"
    lines = [",".join(synthetic.HEADER)] + [",".join(r) for r in synthetic.rows(60, seed=11)]
    path.write_bytes("\r\n".join(lines).encode("gb18030"))
    code, out, err = cli(capsys, tmp_path / "m", "train", str(path), *COLUMNS, "--json")
    assert code == 0, err
    assert json.loads(out)["n"] == 60
    meta = json.loads(next((tmp_path / "m" / "department").glob("*/meta.json")).read_text(encoding="utf-8"))
    assert "生态环境局" in meta["classes"]  # decoded, not mojibake


@pytest.mark.parametrize("content,expected", [
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "不是电子表格"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, ".xls"),
    (b"PK\x03\x04 this is not a zip", "xlsx"),
    (b"\x00\x01\x02\x03binary", "二进制"),
    (b"", "空"),
])
def test_not_a_spreadsheet(capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "orders.xlsx"
    path.write_bytes(content)
    code, _out, err = cli(capsys, tmp_path / "m", "train", str(path), *COLUMNS)
    assert code == 2 and expected in err and "Traceback" not in err


def test_no_model_bad_target_and_a_stale_model(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                              train_file: Path) -> None:
    models = tmp_path / "m"
    code, _out, err = cli(capsys, models, "eval", str(train_file), *COLUMNS, "--json")
    assert code == 1 and "找不到路由模型" in err
    code, _out, err = cli(capsys, models, "route", "路灯坏了")
    assert code == 1 and "没有启用的版本" in err
    code, _out, err = cli(capsys, models, "train", str(train_file), *COLUMNS, "--target-accuracy", "90")
    assert code == 2 and "0 和 1 之间" in err
    assert cli(capsys, models, "train", str(train_file), *COLUMNS)[0] == 0
    meta_path = next((models / "department").glob("*/meta.json"))
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["features"]["version"] = 1
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    code, _out, err = cli(capsys, models, "eval", str(train_file), *COLUMNS, "--json")
    assert code == 1 and "重新训练" in err


def test_tune_chooses_the_threshold_on_a_file_the_model_did_not_see(capsys: pytest.CaptureFixture[str],
                                                                   tmp_path: Path, train_file: Path) -> None:
    models = tmp_path / "m"
    trained = json.loads(cli(capsys, models, "train", str(train_file), *COLUMNS, "--json")[1])
    recent = synthetic.write(tmp_path / "recent.csv", synthetic.rows(120, seed=21))
    code, out, err = cli(capsys, models, "tune", str(recent), *COLUMNS, "--target-accuracy", "0.999", "--json")
    assert code == 0, err
    tuned = json.loads(out)
    assert tuned["model"] == f"department/{trained['version']}" and tuned["n"] == 120
    assert tuned["target_accuracy"] == 0.999 and tuned["after"]["accepted_accuracy"] >= 0.999
    meta = json.loads(next((models / "department").glob("*/meta.json")).read_text(encoding="utf-8"))
    assert meta["threshold"] == tuned["after"]["threshold"] and meta["threshold_source"]["file"] == str(recent)
    assert [h["source"] for h in meta["threshold_history"]] == ["cross-validation"]
    assert meta["threshold_history"][0]["threshold"] == trained["threshold"]
    code, _out, err = cli(capsys, models, "tune", str(train_file), *COLUMNS)  # the training data itself
    assert code == 2 and "训练" in err
    code, _out, err = cli(capsys, models, "tune", str(recent), *COLUMNS, "--target-accuracy", "1.5")
    assert code == 2 and "0 和 1 之间" in err
    code, _out, err = cli(capsys, models, "tune", str(recent), *COLUMNS, "--name", "type")
    assert code == 1 and "找不到" in err


def test_ensure_trains_once_and_keeps_an_administrators_model(capsys: pytest.CaptureFixture[str],
                                                              tmp_path: Path) -> None:
    sample = synthetic.write(tmp_path / "sample.csv", synthetic.grouped_rows(120, seed=13), synthetic.GROUPED_HEADER)
    models = tmp_path / "m"
    code, out, err = cli(capsys, models, "ensure", "--sample", str(sample))
    assert code == 0, err
    assert out.count("已训练并启用") == 2 and "department/" in out and "type/" in out
    code, out, _err = cli(capsys, models, "ensure", "--sample", str(sample))
    assert code == 0 and out.count("已是最新") == 2
    assert len(list((models / "department").glob("*/meta.json"))) == 1  # nothing retrained
    meta = json.loads(next((models / "department").glob("*/meta.json")).read_text(encoding="utf-8"))
    assert meta["by"] == "ensure" and meta["data"]["group_col"] == "场景" and meta["cv"]["grouped_by"] == "group-column"

    synthetic.write(sample, synthetic.grouped_rows(130, seed=14), synthetic.GROUPED_HEADER)  # the sample changed
    code, out, _err = cli(capsys, models, "ensure", "--sample", str(sample))
    assert code == 0 and out.count("示例数据变了") == 2

    own = synthetic.write(tmp_path / "own.csv", synthetic.rows(100, seed=15))  # the city's own history
    mine = json.loads(cli(capsys, models, "train", str(own), *COLUMNS, "--activate", "--json")[1])
    code, out, _err = cli(capsys, models, "ensure", "--sample", str(sample))
    assert code == 0 and "department/" in out and "保留" in out and out.count("已是最新") == 1
    meta_path = models / "department" / mine["version"] / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["features"]["version"] = 1  # the city's model, trained by an older release: not replaced, said
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    code, out, _err = cli(capsys, models, "ensure", "--sample", str(sample))
    assert code == 0 and "已不能使用" in out
    assert (models / "department" / "ACTIVE").read_text(encoding="utf-8").strip() == mine["version"]

    # someone trained from the sample file by hand: a sample model all the same, and current
    by_hand = json.loads(cli(capsys, models, "train", str(sample), *COLUMNS, "--group-col", "场景", "--activate",
                             "--json")[1])
    code, out, _err = cli(capsys, models, "ensure", "--sample", str(sample))
    assert code == 0 and out.count("已是最新") == 2 and f"department/{by_hand['version']}" in out

    code, _out, err = cli(capsys, models, "ensure", "--sample", str(tmp_path / "missing.csv"))
    assert code == 2 and "示例数据" in err
