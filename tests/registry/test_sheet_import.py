"""Spreadsheet import: preview rows, one transaction (a bad file writes nothing), audit entries,
malformed files (not a spreadsheet, missing columns, empty answers, 10,000-character cells,
formulas, duplicate rows), the CLI, and one run on PostgreSQL."""
from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
from sqlalchemy import func, select

from bot.__main__ import main
from bot.audit.log import history
from bot.audit.models import AuditEntry
from bot.db import session_scope
from bot.registry.sheet_import import Preview, SheetImportError, commit, preview
from tests.registry.sheets import (
    NEW_ITEM_HEADERS,
    append_row,
    copy_row,
    edit_xlsx,
    exported,
    make_xlsx,
    new_item_row,
    registry_state,
)
from tests.support.database import fresh_database, fresh_postgres_schema

CODE = "JZ-GA-0001"  # 居住证首次申领: has situations and materials
OTHER = "JZ-SC-0001"  # 个体工商户设立登记
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture()
def seeded(tmp_path: Path) -> Iterator[str]:
    with fresh_database(tmp_path / "sheet.db", seed=True) as url:
        yield url


def _preview(data: bytes, filename: str = "registry.xlsx") -> Preview:
    with session_scope() as session:
        return preview(session, data, filename)


def _messages(result: Preview) -> List[Dict[str, Any]]:
    return [m.as_dict() for r in result.rows for m in r.messages] + [m.as_dict() for m in result.problems]


def _audit_count() -> int:
    with session_scope() as session:
        return int(session.scalar(select(func.count(AuditEntry.id))) or 0)


def _refused(data: bytes, filename: str = "registry.xlsx") -> None:
    """Committing ``data`` is refused and the registry and audit log are exactly as before."""
    before, audits = registry_state(), _audit_count()
    with pytest.raises(SheetImportError) as refused, session_scope() as session:
        commit(session, data, filename, "tester")
    assert refused.value.status == 409
    assert registry_state() == before and _audit_count() == audits


def test_preview_says_created_updated_unchanged_per_row(seeded: str) -> None:
    data = edit_xlsx(exported(), "事项", CODE, "承诺办结时限", 5)
    data = edit_xlsx(data, "申请材料", CODE, "份数", 2)
    data = append_row(data, "事项", {
        "事项名称": "测试证明开具", "事项编码": "JZ-T-0001", "事项类型": "公共服务", "主题分类": "测试",
        "实施主体": "江州市测试局", "服务对象": "自然人", "申请条件": "无", "承诺办结时限": 3, "收费标准": "不收费",
        "到现场次数": 1, "咨询电话": "0000-80000001", "监督投诉电话": "12345", "办理地点": "各区政务服务中心",
        "设定依据": "《测试条例》", "收费依据": "不收取费用"})
    data = append_row(data, "申请材料", {"事项编码": "JZ-T-0001", "材料名称": "居民身份证", "材料形式": "原件"})
    result = _preview(data)
    assert result.errors == 0, _messages(result)
    status = {r.code: r for r in result.rows}
    assert status[CODE].status == "updated" and status[CODE].changes == ["承诺办结时限", "申请材料"]
    assert status["JZ-T-0001"].status == "created" and status["JZ-T-0001"].row == len(result.rows) + 1
    assert sum(1 for r in result.rows if r.status == "unchanged") == len(result.rows) - 2
    assert result.summary()["updated"] == 1 and result.summary()["created"] == 1


def test_one_bad_row_is_shown_and_nothing_is_written(seeded: str) -> None:
    data = edit_xlsx(exported(), "事项", CODE, "承诺办结时限", 5)  # a good change …
    data = edit_xlsx(data, "申请材料", OTHER, "材料形式", "传真件")  # … and one bad material row
    result = _preview(data)
    assert result.errors == 1
    bad = [r for r in result.rows if r.status == "error"]
    assert [r.code for r in bad] == [OTHER]
    (message,) = bad[0].messages
    assert message.sheet == "申请材料" and message.column == "材料形式" and message.row > 1
    assert "传真件" in message.message
    _refused(data)


def test_a_commit_writes_audit_entries_with_the_actor(seeded: str) -> None:
    data = edit_xlsx(exported(), "事项", CODE, "咨询电话", "0000-86100999")
    result = _preview(data)
    with session_scope() as session:
        _, report = commit(session, data, "registry.xlsx", "admin:boss", expected_digest=result.digest)
    assert (report.created, report.updated) == (0, 1)
    assert registry_state()[CODE]["consult_phone"] == "0000-86100999"
    assert registry_state()[CODE]["updated"] == date.today()  # the exported date was not edited
    (entry,) = history("registry_item", CODE, limit=1)
    assert (entry.actor, entry.source, entry.action) == ("admin:boss", "import", "update")
    changed = {c["field"]: (c["before"], c["after"]) for c in entry.changes()}
    assert changed["consult_phone"] == ("0000-87100110", "0000-86100999")
    # importing the export of the registry as it now is writes nothing at all
    audits = _audit_count()
    with session_scope() as session:
        commit(session, exported(), "registry.xlsx", "admin:boss")
    assert _audit_count() == audits


def test_a_registry_changed_since_the_preview_refuses_the_commit(seeded: str) -> None:
    data = edit_xlsx(exported(), "事项", CODE, "咨询电话", "0000-86100999")
    seen = _preview(data)
    other = edit_xlsx(exported(), "事项", CODE, "收费标准", "工本费5元")
    with session_scope() as session:
        commit(session, other, "other.xlsx", "someone")
    before = registry_state()
    with pytest.raises(SheetImportError, match="已有改动"), session_scope() as session:
        commit(session, data, "registry.xlsx", "tester", expected_digest=seen.digest)
    assert registry_state() == before


@pytest.mark.parametrize("data, filename, expected", [
    (PNG, "registry.xlsx", "不是 xlsx"),
    (b"", "registry.xlsx", "空"),
    (b"", "registry.csv", "空"),
    (None, "registry.xlsx", "没有工作簿"),  # a zip that is no workbook
    (PNG, "registry.csv", "不是 CSV"),
    (b"%PDF-1.4", "guide.pdf", "只支持"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32, "old.xls", ".xls"),
])
def test_not_a_spreadsheet(seeded: str, data: Any, filename: str, expected: str) -> None:
    if data is None:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("readme.txt", "hello")
        data = out.getvalue()
    result = _preview(data, filename)
    assert result.rows == [] and result.errors == 1 and result.format == ""
    assert expected in result.problems[0].message
    _refused(data, filename)


def test_missing_required_columns(seeded: str) -> None:
    from openpyxl import load_workbook

    from tests.registry.sheets import save
    workbook = load_workbook(io.BytesIO(exported()))
    ws = workbook["事项"]
    headers = [c.value for c in ws[1]]
    ws.delete_cols(headers.index("实施主体") + 1)
    ws.delete_cols(headers.index("收费标准"))  # one to the left now
    data = save(workbook)
    result = _preview(data)
    assert any("缺少必填列：实施主体、收费标准" in m.message for m in result.problems), result.problems
    _refused(data)


def test_empty_required_cells_name_the_column(seeded: str) -> None:
    data = edit_xlsx(exported(), "事项", CODE, "实施主体", None)
    data = edit_xlsx(data, "事项", OTHER, "服务对象", "  ")
    result = _preview(data)
    errors = {r.code: [(m.sheet, m.column) for m in r.messages] for r in result.rows if r.status == "error"}
    assert errors == {CODE: [("事项", "实施主体")], OTHER: [("事项", "服务对象")]}
    assert all("缺少必填字段" in m.message for r in result.rows for m in r.messages)
    _refused(data)


def test_ten_thousand_character_cells_are_rejected_row_by_row(seeded: str) -> None:
    long = "长" * 10_000
    data = edit_xlsx(exported(), "事项", CODE, "事项名称", long)
    data = edit_xlsx(data, "事项", OTHER, "别名", long)
    data = edit_xlsx(data, "申请材料", "JZ-RS-0001", "备注", long)
    result = _preview(data)
    errors = {r.code: r.messages for r in result.rows if r.status == "error"}
    assert set(errors) == {CODE, OTHER, "JZ-RS-0001"}
    assert "超过 200 字" in errors[CODE][0].message and errors[CODE][0].column == "事项名称"
    assert "200" in errors[OTHER][0].message and errors[OTHER][0].column == "别名"
    assert errors["JZ-RS-0001"][0].sheet == "申请材料" and "超过 300 字" in errors["JZ-RS-0001"][0].message
    assert all(len(m.message) < 200 for ms in errors.values() for m in ms)
    _refused(data)


def test_formulas_are_errors_never_evaluated(seeded: str) -> None:
    data = edit_xlsx(exported(), "事项", CODE, "网办地址", '=HYPERLINK("http://evil.example","点我")')
    data = edit_xlsx(data, "申请材料", OTHER, "材料名称", "=1+1")
    result = _preview(data)
    errors = {r.code: r.messages for r in result.rows if r.status == "error"}
    assert set(errors) == {CODE, OTHER}
    assert errors[CODE][0].column == "网办地址" and "公式" in errors[CODE][0].message
    assert errors[OTHER][0].sheet == "申请材料" and "公式" in errors[OTHER][0].message
    _refused(data)


def test_formula_in_a_csv_cell(seeded: str) -> None:
    text = exported("csv").decode("utf-8-sig").replace("0000-87100110", "=HYPERLINK(\"\"http://x\"\")", 1)
    result = _preview(text.encode("utf-8"), "registry.csv")
    assert result.errors == 1 and "公式" in _messages(result)[0]["message"]


def test_duplicate_rows_report_both(seeded: str) -> None:
    data = copy_row(exported(), "事项", CODE)
    result = _preview(data)
    dupes = [r for r in result.rows if r.code == CODE]
    assert len(dupes) == 2 and all(r.status == "error" for r in dupes)
    rows = "、".join(str(r.row) for r in dupes)
    assert all(f"第 {rows} 行重复" in r.messages[-1].message for r in dupes)
    _refused(data)


def test_unknown_place_and_unknown_situation_code(seeded: str) -> None:
    data = edit_xlsx(exported(), "事项", CODE, "办理地点", "月球政务服务中心")
    data = edit_xlsx(data, "申请材料", OTHER, "情形编码", "nosuch")
    result = _preview(data)
    errors = {r.code: r.messages[0] for r in result.rows if r.status == "error"}
    assert "月球政务服务中心" in errors[CODE].message and errors[CODE].column == "办理地点"
    assert errors[OTHER].column == "情形编码" and "nosuch" in errors[OTHER].message


def test_an_alias_taken_by_another_item(seeded: str) -> None:
    data = edit_xlsx(exported(), "事项", CODE, "别名", "居住证、个体户执照")
    result = _preview(data)
    bad = {r.code: r.messages[0] for r in result.rows if r.status == "error"}
    assert set(bad) == {CODE, OTHER}  # both rows that use the term
    assert "个体户执照" in bad[CODE].message and "个体工商户设立登记" in bad[CODE].message
    assert bad[CODE].column == "别名" and "居住证首次申领" in bad[OTHER].message
    # an item that is not in the file owns its aliases too
    only_new = make_xlsx({"事项": [NEW_ITEM_HEADERS, new_item_row(别名="个体户执照")]})
    (row,) = _preview(only_new).rows
    assert row.status == "error" and "个体工商户设立登记（JZ-SC-0001）" in row.messages[0].message


def test_cli_dry_run_errors_and_export(seeded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.xlsx"
    good.write_bytes(edit_xlsx(exported(), "事项", CODE, "咨询电话", "0000-86100999"))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(PNG)
    before = registry_state()
    assert main(["registry", "import-sheet", str(good), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "更新" in out and "dry-run" in out and registry_state() == before
    assert main(["registry", "import-sheet", str(bad)]) == 2
    assert "不是 xlsx" in capsys.readouterr().out and registry_state() == before
    assert main(["registry", "import-sheet", str(good)]) == 0
    assert registry_state()[CODE]["consult_phone"] == "0000-86100999"
    (entry,) = history("registry_item", CODE, limit=1)
    assert entry.source == "import" and entry.actor.startswith("cli")
    out_csv = tmp_path / "out.csv"
    assert main(["registry", "export-sheet", str(out_csv)]) == 0
    assert out_csv.read_bytes().startswith(b"\xef\xbb\xbf")
    assert main(["registry", "export-sheet", str(tmp_path / "out.ods")]) == 2


def test_postgresql_commit_and_a_bad_file(tmp_path: Path) -> None:
    from bot.config import get_settings
    from bot.registry.importer import import_registry

    with fresh_postgres_schema("sheet"):
        import_registry(get_settings().registry_dir)
        good = edit_xlsx(exported(), "事项", CODE, "咨询电话", "0000-86100999")
        bad = edit_xlsx(good, "事项", OTHER, "到现场次数", "=1+1")
        _refused(bad)
        result = _preview(good)
        with session_scope() as session:
            commit(session, good, "good.xlsx", "admin:pg", expected_digest=result.digest)
        assert registry_state()[CODE]["consult_phone"] == "0000-86100999"
        assert history("registry_item", CODE, limit=1)[0].actor == "admin:pg"
