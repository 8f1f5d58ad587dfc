"""Spreadsheets for the import tests: the registry's own export, edited cell by cell, or built
from rows. Every workbook is made with openpyxl, as Excel/WPS files would be."""
from __future__ import annotations

import io
from typing import Any, Dict, List, Sequence

from openpyxl import Workbook, load_workbook  # type: ignore[import-untyped]

from bot.db import session_scope
from bot.registry.export import export_item
from bot.registry.repository import RegistryRepository
from bot.registry.sheet_export import write_csv, write_xlsx
from bot.registry.sheet_import import export_records


def exported(kind: str = "xlsx") -> bytes:
    """The current registry as the export writes it."""
    with session_scope() as session:
        items, locations = export_records(session)
    return write_xlsx(items, locations) if kind == "xlsx" else write_csv(items, locations)


def registry_state() -> Dict[str, Dict[str, Any]]:
    """Every item in seed format by code (with its source), to compare before and after."""
    with session_scope() as session:
        return {i.code: {**export_item(i), "source": i.source} for i in RegistryRepository(session).items()}


def edit_xlsx(data: bytes, sheet: str, code: str, header: str, value: Any, occurrence: int = 0) -> bytes:
    """Set the cell in column ``header`` of the ``occurrence``-th row of item ``code`` in ``sheet``."""
    workbook = load_workbook(io.BytesIO(data))
    ws = workbook[sheet]
    headers = [c.value for c in ws[1]]
    code_col = headers.index("事项编码") + 1
    col = headers.index(header) + 1
    rows = [r for r in range(2, ws.max_row + 1) if ws.cell(r, code_col).value == code]
    ws.cell(rows[occurrence], col).value = value
    return save(workbook)


def append_row(data: bytes, sheet: str, values: Dict[str, Any]) -> bytes:
    workbook = load_workbook(io.BytesIO(data))
    ws = workbook[sheet]
    headers = [c.value for c in ws[1]]
    ws.append([values.get(h) for h in headers])
    return save(workbook)


def copy_row(data: bytes, sheet: str, code: str) -> bytes:
    """Append a second copy of item ``code``'s first row (a duplicate row)."""
    workbook = load_workbook(io.BytesIO(data))
    ws = workbook[sheet]
    headers = [c.value for c in ws[1]]
    code_col = headers.index("事项编码") + 1
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, code_col).value == code)
    ws.append([ws.cell(row, c).value for c in range(1, len(headers) + 1)])
    return save(workbook)


def make_xlsx(sheets: Dict[str, Sequence[Sequence[Any]]]) -> bytes:
    workbook = Workbook()
    first = True
    for title, rows in sheets.items():
        ws = workbook.active if first else workbook.create_sheet()
        first = False
        ws.title = title
        for row in rows:
            ws.append(list(row))
    return save(workbook)


def save(workbook: Any) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


NEW_ITEM_HEADERS: List[str] = [
    "事项名称（必填）", "实施编码", "事项类型", " 主题分类 ", "实施主体【必填】", "服务对象", "受理条件 (必填)",
    "法定办结时限", "承诺办结时限", "收费标准", "网办深度", "是否支持预约", "到现场次数", "咨询电话",
    "监督投诉电话", "*办理地点", "办理时间", "别名", "基本编码", "法律依据", "收费依据",
]


def new_item_row(code: str = "JZ-T-9001", name: str = "测试证明开具", **overrides: Any) -> List[Any]:
    values = {
        "事项名称（必填）": name, "实施编码": code, "事项类型": "公共服务", " 主题分类 ": "测试",
        "实施主体【必填】": "江州市测试局", "服务对象": "自然人、企业法人", "受理条件 (必填)": "在江州居住",
        "法定办结时限": "15个工作日", "承诺办结时限": "即办", "收费标准": "不收费", "网办深度": "全程网办",
        "是否支持预约": "是", "到现场次数": 0, "咨询电话": "0000-80000001", "监督投诉电话": 12345,
        "*办理地点": "市民中心；江州市东湖区政务服务中心", "办理时间": "（只读）",
        "别名": f"{name}别名甲，{name}别名乙",
        "基本编码": "X",
        "法律依据": "《测试条例》第三条（国务院令第999号，2020年1月1日施行）；《测试办法》（示例）",
        "收费依据": "测试证明开具不收取费用",
    }
    values.update(overrides)
    return [values[h] for h in NEW_ITEM_HEADERS]
