"""Spreadsheet format: export → import round trip (xlsx, csv, GB18030 csv), national 办事指南 headers
with synonyms and 「（必填）」 suffixes, the csv nested-cell encoding."""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Iterator

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from bot.audit.models import AuditEntry
from bot.db import session_scope
from bot.registry.repository import RegistryRepository
from bot.registry.sheet_import import commit, preview
from bot.registry.spreadsheet import normalize_header, read_file, split_nested
from tests.registry.sheets import NEW_ITEM_HEADERS, exported, make_xlsx, new_item_row, registry_state
from tests.support.database import fresh_database


@pytest.fixture()
def seeded(tmp_path: Path) -> Iterator[str]:
    with fresh_database(tmp_path / "sheet.db", seed=True) as url:
        yield url


def _audit_count() -> int:
    with session_scope() as session:
        return int(session.scalar(select(func.count(AuditEntry.id))) or 0)


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_an_export_imports_back_unchanged(seeded: str, kind: str) -> None:
    before, audits = registry_state(), _audit_count()
    data = exported(kind)
    with session_scope() as session:
        result = preview(session, data, f"registry.{kind}")
    assert result.errors == 0 and result.warnings == []
    assert {r.status for r in result.rows} == {"unchanged"} and len(result.rows) == len(before) >= 40
    with session_scope() as session:
        _, report = commit(session, data, f"registry.{kind}", "tester", expected_digest=result.digest)
    assert (report.created, report.updated, report.unchanged) == (0, 0, len(before))
    assert registry_state() == before
    assert _audit_count() == audits
    # and the export of the re-imported registry is byte for byte the same (csv; xlsx has timestamps)
    if kind == "csv":
        assert exported("csv") == data


def test_the_workbook_has_the_documented_sheets_and_never_a_formula(seeded: str) -> None:
    workbook = load_workbook(io.BytesIO(exported("xlsx")))
    assert workbook.sheetnames == ["事项", "情形", "申请材料", "办理流程", "办理地点", "说明"]
    headers = [c.value for c in workbook["事项"][1]]
    assert headers[:5] == ["事项名称", "事项编码", "事项类型", "主题分类", "实施主体"]
    assert {"办理地点", "办理时间", "网上办理深度", "监督投诉电话", "更新日期"} <= set(headers)
    assert [c.value for c in workbook["申请材料"][1]] == ["事项编码", "情形编码", "材料名称", "材料形式", "份数",
                                                        "必要/容缺", "来源", "备注", "提交方式"]
    assert all(c.data_type != "f" for ws in workbook.worksheets for row in ws.iter_rows() for c in row)


def test_national_headers_synonyms_and_required_suffixes(seeded: str) -> None:
    data = make_xlsx({"事项清单": [["江州市政务服务事项实施清单（示例）"], NEW_ITEM_HEADERS, new_item_row()]})
    with session_scope() as session:
        result = preview(session, data, "national.xlsx")
    assert result.errors == 0, [m.as_dict() for r in result.rows for m in r.messages] + result.problems
    assert [(r.row, r.code, r.status) for r in result.rows] == [(3, "JZ-T-9001", "created")]
    assert any("基本编码" in w for w in result.warnings), result.warnings
    with session_scope() as session:
        commit(session, data, "national.xlsx", "tester")
    with session_scope() as session:
        item = RegistryRepository(session).item_by_code("JZ-T-9001")
        assert item is not None
        assert (item.name, item.agency, item.conditions) == ("测试证明开具", "江州市测试局", "在江州居住")
        assert (item.legal_limit_days, item.promised_limit_days, item.max_visits) == (15, 0, 0)
        assert item.audience == ["自然人", "企业法人"] and item.appointment is True and item.express_delivery is False
        assert item.complaint_phone == "12345" and item.online_depth == "全程网办"
        assert sorted(loc.code for loc in item.locations) == ["city", "dh"]
        assert item.aliases == ["测试证明开具别名甲", "测试证明开具别名乙"] and item.materials == []
        assert item.legal_basis == [{"law": "《测试条例》", "article": "第三条", "doc_no": "国务院令第999号",
                                     "effective": "2020-01-01"}, {"law": "《测试办法》", "note": "示例"}]
        assert item.fee_basis == "测试证明开具不收取费用"


@pytest.mark.parametrize("written, expected", [
    ("事项名称（必填）", "事项名称"), ("*事项名称", "事项名称"), (" 事项 名称 ", "事项名称"),
    ("事项名称「（必填）」", "事项名称"), ("事项名称【必填】(示例)", "事项名称"),
    ("承诺办结时限（工作日）", "承诺办结时限"),
    ("ＡＢＣ（必填）", "ABC"),
])
def test_header_matching_is_tolerant(written: str, expected: str) -> None:
    assert normalize_header(written) == expected


def test_gb18030_csv_as_excel_in_china_saves_it(seeded: str) -> None:
    rows = list(csv.reader(io.StringIO(exported("csv").decode("utf-8-sig"))))
    code = "JZ-GA-0001"
    phone = rows[0].index("咨询电话")
    row = next(r for r in rows if code in r)
    row[phone] = "0000-86100999"
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    data = out.getvalue().encode("gb18030")
    assert data.decode("gb18030") and not data.startswith(b"\xef\xbb\xbf")
    with session_scope() as session:
        result = preview(session, data, "事项.csv")
    assert result.errors == 0 and result.format == "csv"
    assert {r.code: r.status for r in result.rows if r.status != "unchanged"} == {code: "updated"}
    assert next(r for r in result.rows if r.code == code).changes == ["咨询电话"]


def test_csv_nested_cells_split_on_unescaped_bars() -> None:
    assert split_nested(r" work | 劳动合同\|聘用合同 | 原件 | 1 ") == ["work", "劳动合同|聘用合同", "原件", "1"]
    assert split_nested(r"a\\|b\nc") == ["a\\", "b\nc"]


def test_csv_materials_cell_is_one_material_per_line(seeded: str) -> None:
    data = exported("csv")
    parsed = read_file(data, "registry.csv")
    materials = parsed.nested["materials"]
    assert materials is not None and len(materials) > 45
    first = materials[0]
    assert first.headers["form"].startswith("申请材料 第1条") and set(first.values) >= {"name", "form", "copies"}
