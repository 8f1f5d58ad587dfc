"""Spreadsheets carry the legal basis (设定依据, its text form) and each material's 提交方式 both ways.

Bad input covered: an unknown 提交方式, a 设定依据 without 《》 or with a malformed article, an empty
设定依据 / 收费依据, a csv written before the 提交方式 field existed (seven fields per line) and a
workbook without the 提交方式 column.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]

from bot.db import session_scope
from bot.registry.sheet_import import Preview, commit, preview
from tests.registry.sheets import edit_xlsx, exported, make_xlsx, registry_state
from tests.support.database import fresh_database

ENDORSE = "JZ-GA-0002"  # 居住证签注: both materials 电子证照
BIRTH = "JZ-GA-0006"  # 出生登记: paper, 电子证照 and 免提交 materials, two laws


@pytest.fixture()
def seeded(tmp_path: Path) -> Iterator[str]:
    with fresh_database(tmp_path / "sources.db", seed=True) as url:
        yield url


def _preview(data: bytes, filename: str = "registry.xlsx") -> Preview:
    with session_scope() as session:
        return preview(session, data, filename)


def _rows(data: bytes, sheet: str, code: str) -> List[Dict[str, object]]:
    ws = load_workbook(io.BytesIO(data))[sheet]
    headers = [c.value for c in ws[1]]
    rows = [dict(zip(headers, (c.value for c in row), strict=False)) for row in ws.iter_rows(min_row=2)]
    return [r for r in rows if r["事项编码"] == code]


def test_the_workbook_writes_the_text_form_and_each_materials_mode(seeded: str) -> None:
    data = exported("xlsx")
    (item,) = _rows(data, "事项", ENDORSE)
    assert item["设定依据"] == "《居住证暂行条例》第十条（国务院令第663号，2016年1月1日施行）"
    assert "第二十一条" in str(item["收费依据"])
    assert {r["提交方式"] for r in _rows(data, "申请材料", ENDORSE)} == {"电子证照"}
    assert {r["提交方式"] for r in _rows(data, "申请材料", BIRTH)} == {"纸质", "电子证照", "免提交"}
    (birth,) = _rows(data, "事项", BIRTH)
    assert str(birth["设定依据"]).count("《") == 2 and "国办发〔2015〕96号" in str(birth["设定依据"])


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_edited_basis_and_modes_are_read_and_written(seeded: str, kind: str) -> None:
    basis = "《居住证暂行条例》第十条、第十一条（国务院令第663号，2016年1月1日施行）；《江州市居住证实施办法》（示例）"
    if kind == "xlsx":
        data = edit_xlsx(exported(), "事项", ENDORSE, "设定依据", basis)
        data = edit_xlsx(data, "申请材料", ENDORSE, "提交方式", "纸质")
    else:
        data = _edit_csv(exported("csv"), ENDORSE, 设定依据=basis,
                         申请材料=lambda cell: cell.replace("电子证照", "纸质", 1))
    result = _preview(data, f"registry.{kind}")
    assert result.errors == 0, [m.as_dict() for r in result.rows for m in r.messages]
    (row,) = [r for r in result.rows if r.code == ENDORSE]
    assert row.status == "updated" and set(row.changes) == {"设定依据", "申请材料"}
    with session_scope() as session:
        commit(session, data, f"registry.{kind}", "tester")
    item = registry_state()[ENDORSE]
    assert item["legal_basis"] == [
        {"law": "《居住证暂行条例》", "article": "第十条、第十一条", "doc_no": "国务院令第663号",
         "effective": "2016-01-01"},
        {"law": "《江州市居住证实施办法》", "note": "示例"}]
    assert [m["submit"] for m in item["materials"]] == ["纸质", "电子证照"]


def test_a_blank_mode_keeps_the_registrys_and_a_file_without_the_column_too(seeded: str) -> None:
    before = registry_state()
    blank = edit_xlsx(exported(), "申请材料", ENDORSE, "提交方式", None)
    assert {r.status for r in _preview(blank).rows} == {"unchanged"}
    # an old csv: every materials line has seven fields, no 提交方式
    old = _edit_csv(exported("csv"), BIRTH, 申请材料=lambda cell: "\n".join(
        line.rsplit(" | ", 1)[0] for line in cell.split("\n")))
    assert "免提交" not in _cell(old, BIRTH, "申请材料")
    assert {r.status for r in _preview(old, "old.csv").rows} == {"unchanged"}
    # a new item's material without a mode is paper
    materials = [["事项编码", "材料名称", "材料形式"], ["JZ-T-7001", "申请书", "原件"]]
    workbook = make_xlsx({"事项": [_item_header(), _new_item()], "申请材料": materials})
    result = _preview(workbook)
    assert result.errors == 0, [m.as_dict() for r in result.rows for m in r.messages]
    assert result.rows[0].record is not None and result.rows[0].record["materials"][0]["submit"] == "纸质"
    assert registry_state() == before


@pytest.mark.parametrize("sheet, header, value, column, words", [
    ("申请材料", "提交方式", "快递", "提交方式", "纸质/电子证照/免提交"),  # unknown mode
    ("申请材料", "材料形式", "电子证照", "材料形式", "submit: 电子证照"),  # the old form value
    ("事项", "设定依据", "居住证暂行条例第十条", "设定依据", "《法律法规名称》"),  # no 《》
    ("事项", "设定依据", "《居住证暂行条例》十条", "设定依据", "第1项条款"),  # malformed article
    ("事项", "设定依据", "  ", "设定依据", "缺少必填字段"),  # blank
    ("事项", "收费依据", None, "收费依据", "缺少必填字段"),  # free items need one too
])
def test_bad_cells_are_errors_of_their_column(seeded: str, sheet: str, header: str, value: object, column: str,
                                              words: str) -> None:
    result = _preview(edit_xlsx(exported(), sheet, ENDORSE, header, value))
    (row,) = [r for r in result.rows if r.status == "error"]
    assert row.code == ENDORSE
    assert any(m.sheet == sheet and m.column == column and words in m.message for m in row.messages), \
        [m.as_dict() for m in row.messages]


# csv helpers -----------------------------------------------------------------------------------
def _table(data: bytes) -> List[List[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _cell(data: bytes, code: str, header: str) -> str:
    rows = _table(data)
    return next(r for r in rows[1:] if r[rows[0].index("事项编码")] == code)[rows[0].index(header)]


def _edit_csv(data: bytes, code: str, **changes: object) -> bytes:
    rows = _table(data)
    head = rows[0]
    for row in rows[1:]:
        if row[head.index("事项编码")] == code:
            for header, change in changes.items():
                at = head.index(header)
                row[at] = change(row[at]) if callable(change) else str(change)
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _item_header() -> List[str]:
    return ["事项名称", "事项编码", "事项类型", "主题分类", "实施主体", "服务对象", "申请条件", "承诺办结时限",
            "收费标准", "到现场次数", "咨询电话", "监督投诉电话", "办理地点", "设定依据", "收费依据"]


def _new_item() -> List[object]:
    return ["测试材料方式", "JZ-T-7001", "公共服务", "测试", "江州市测试局", "自然人", "无", 3, "不收费", 1,
            "0000-80000001", "12345", "市民中心", "《测试条例》", "不收取费用"]
