"""``python -m bot faq import|search`` as a subprocess on a fresh database (DATABASE_URL), with the
importer's bad inputs: not a spreadsheet, missing columns, empty answers, 10,000-character cells,
formulas, duplicate questions."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import List, Sequence

import pytest
from openpyxl import Workbook

from bot.config import PROJECT_ROOT

COLUMNS = ["--question-col", "问题", "--answer-col", "答案", "--department-col", "部门"]


def run(db: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}"}
    return subprocess.run([sys.executable, "-m", "bot", "faq", *args], input=stdin, capture_output=True, text=True,
                          env=env, cwd=PROJECT_ROOT, timeout=180)


def xlsx(path: Path, rows: Sequence[Sequence[object]], title: str = "Sheet") -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(list(r))
    wb.save(path)
    return path


def test_import_report_with_every_kind_of_bad_row_then_search(tmp_path: Path) -> None:
    db = tmp_path / "new" / "faq.db"  # a new database: the command creates the tables
    book = xlsx(tmp_path / "faq.xlsx", [
        ["问题", "答案", "部门", "备注"],
        ["公积金提取要预约吗？", "需要提前预约。", "公积金中心", ""],        # 2 added
        ["居住证多久办好？", "", "公安局", ""],                            # 3 empty answer
        ["长答案", "答" * 10_000, "公安局", ""],                          # 4 10,000 characters
        ["问" * 10_000, "答", "公安局", ""],                              # 5 10,000-character question
        ["链接在哪？", '=HYPERLINK("http://x.example","点我")', "热线", ""],  # 6 formula
        ["公积金提取要预约吗", "另一个答案", "公积金中心", ""],            # 7 duplicate of row 2
        [None, None, None, None],                                       # empty row: skipped
        ["护照要多久？", "一般7个工作日。", "出入境", ""],                   # 9 added
    ], title="常见问题")
    result = run(db, "import", str(book), "--sheet", "常见问题", *COLUMNS)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "added 2" in out and "updated 0" in out and "rejected 5" in out
    for row, reason in [(3, "答案不能为空"), (4, "答案太长"), (5, "问题太长"), (6, "公式"), (7, "重复")]:
        assert any(f"第 {row} 行" in line and reason in line for line in out.splitlines()), (row, out)
    # run again: nothing new; a changed answer is an update
    book2 = xlsx(tmp_path / "faq2.xlsx",
                 [["问题", "答案", "部门"], ["公积金提取要预约吗？", "不用预约。", "公积金中心"]])
    again = run(db, "import", str(book2), *COLUMNS, "--json")
    assert json.loads(again.stdout)["updated"] == 1
    found = run(db, "search", "公积金 预约", "--json")
    hits = json.loads(found.stdout)
    assert hits[0]["question"] == "公积金提取要预约吗？" and set(hits[0]) == {"id", "question", "answer",
                                                                         "department", "score"}
    lines = run(db, "search", "-", "--json", "--top", "2", stdin="护照多久能拿到\n今天天气\n").stdout.splitlines()
    assert len(lines) == 2
    first: List[dict] = json.loads(lines[0])
    assert first[0]["question"] == "护照要多久？" and len(first) <= 2
    assert isinstance(json.loads(lines[1]), list)


@pytest.mark.parametrize("content, name, expected", [
    (b"%PDF-1.4 not a table", "faq.csv", "不是电子表格"),
    (b"\x00\x01\x02binary", "faq.csv", "不是电子表格"),
    (b"PK\x03\x04 broken zip", "faq.xlsx", "不是有效的 xlsx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old", "faq.xls", ".xls"),
    (b"", "faq.csv", "空的"),
])
def test_not_a_spreadsheet_exits_2(tmp_path: Path, content: bytes, name: str, expected: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = run(tmp_path / "faq.db", "import", str(path), *COLUMNS)
    assert result.returncode == 2 and expected in result.stderr, result.stderr


def test_missing_column_exits_2_naming_it_and_the_headers_seen(tmp_path: Path) -> None:
    path = tmp_path / "faq.csv"
    path.write_text("问题,回复,部门\n问,答,部\n", encoding="utf-8")
    result = run(tmp_path / "faq.db", "import", str(path), *COLUMNS)
    assert result.returncode == 2
    assert "答案" in result.stderr and "问题、回复、部门" in result.stderr
    sheet = xlsx(tmp_path / "faq.xlsx", [["问题", "答案"], ["问", "答"]])
    missing_sheet = run(tmp_path / "faq.db", "import", str(sheet), "--sheet", "不存在", *COLUMNS[:4])
    assert missing_sheet.returncode == 2 and "不存在" in missing_sheet.stderr


def test_csv_in_gb18030_and_formula_text_in_csv(tmp_path: Path) -> None:
    path = tmp_path / "faq.csv"
    path.write_bytes("问题,答案\n社保卡丢了怎么办,挂失后补办\n公式,=1+1\n".encode("gb18030"))
    result = run(tmp_path / "faq.db", "import", str(path), "--question-col", "问题", "--answer-col", "答案")
    assert result.returncode == 0 and "added 1" in result.stdout and "第 3 行" in result.stdout


def test_delete_and_restore_from_the_cli(tmp_path: Path) -> None:
    db = tmp_path / "faq.db"
    path = tmp_path / "faq.csv"
    path.write_text("问题,答案\n社保卡丢了怎么办,挂失后补办\n", encoding="utf-8")
    assert run(db, "import", str(path), "--question-col", "问题", "--answer-col", "答案").returncode == 0
    entry = json.loads(run(db, "list", "--json").stdout)[0]
    assert run(db, "delete", str(entry["id"])).returncode == 0
    assert json.loads(run(db, "search", "社保卡丢了", "--json").stdout) == []
    assert run(db, "restore", str(entry["id"])).returncode == 0
    assert json.loads(run(db, "search", "社保卡丢了", "--json").stdout)[0]["id"] == entry["id"]
    history = run(db, "history", str(entry["id"])).stdout
    assert "restore" in history and "delete" in history and "create" in history
