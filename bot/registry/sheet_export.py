"""Writing the registry as a spreadsheet (xlsx with one sheet per table, or one csv), in the columns
:mod:`bot.registry.spreadsheet` reads, so an export imports back unchanged."""
from __future__ import annotations

import csv
import io
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from bot.registry.legal import refs_text
from bot.registry.spreadsheet import (
    COLUMNS,
    DISTRICT_WORDS,
    ITEM,
    MATERIAL,
    SITUATION,
    STEP,
    _canonical,
    _escape,
)


def _list(values: Sequence[str]) -> str:
    return "、".join(values)


def _bool(value: Any) -> str:
    return "是" if value else "否"


def place_tokens(codes: Sequence[str], locations: Sequence[Dict[str, Any]]) -> List[str]:
    """The 办理地点 cell of an item: ``各区政务服务中心`` when it is every district centre, else names."""
    chosen = set(codes)
    district = {loc["code"] for loc in locations if loc.get("district")}
    tokens: List[str] = []
    if district and district <= chosen:
        tokens.append(DISTRICT_WORDS[0])
        chosen -= district
    tokens += [loc["name"] for loc in locations if loc["code"] in chosen]
    tokens += sorted(chosen - {loc["code"] for loc in locations})
    return tokens


def hours_text(loc: Dict[str, Any]) -> str:
    hours = loc.get("hours") or {}
    labels = (("weekday", "工作日"), ("saturday", "周六"), ("sunday", "周日"), ("holiday", "法定节假日"))
    parts = [f"{label} {'、'.join(hours.get(key) or []) or '休息'}" for key, label in labels]
    return f"{loc['name']}：{'；'.join(parts)}"


def _row_values(item: Dict[str, Any], locations: Sequence[Dict[str, Any]], csv_nested: bool) -> List[Any]:
    chosen = [loc for loc in locations if loc["code"] in set(item["handled_at"])]
    values: Dict[str, Any] = {
        **{k: item.get(k) for k in ("name", "code", "item_type", "category", "agency", "level",
                                    "conditions", "legal_limit_days", "promised_limit_days", "limit_note", "fee",
                                    "fee_basis", "online_depth", "online_url", "max_visits", "consult_phone",
                                    "complaint_phone", "situation_question", "manual_review", "source",
                                    "version")},
        "legal_basis": refs_text(item.get("legal_basis") or []),
        "audience": _list(item["audience"]), "aliases": _list(item["aliases"]), "keywords": _list(item["keywords"]),
        "appointment": _bool(item["appointment"]), "express_delivery": _bool(item["express_delivery"]),
        "handled_at": "\n".join(place_tokens(item["handled_at"], locations)),
        "hours": "\n".join(hours_text(loc) for loc in chosen),
        "updated": item["updated"].isoformat() if item.get("updated") else "",
    }
    if csv_nested:
        values["situations"] = "\n".join(" | ".join(_escape(v) for v in row[1:]) for row in situation_rows(item))
        values["materials"] = "\n".join(" | ".join(_escape(v) for v in row[1:]) for row in material_rows(item))
        values["steps"] = "\n".join(" | ".join(_escape(v) for v in row[1:]) for row in step_rows(item))
    return [values.get(name) for name in item_columns(csv_nested)]


def item_columns(csv_nested: bool) -> List[str]:
    return [name for name, _h, _s, kind in COLUMNS[ITEM] if kind != "nested" or csv_nested]


def situation_rows(item: Dict[str, Any]) -> List[List[Any]]:
    return [[item["code"], s["code"], s["name"], _list(s["keywords"]), s["description"], s["promised_limit_days"],
             s["fee"]] for s in item["situations"]]


def material_rows(item: Dict[str, Any]) -> List[List[Any]]:
    def row(situation: str, m: Dict[str, Any]) -> List[Any]:
        return [item["code"], situation, m["name"], m["form"], m["copies"], "必要" if m["required"] else "容缺",
                m["origin"], m["note"], m.get("submit")]

    rows = [row("", m) for m in item["materials"]]
    for s in item["situations"]:
        rows += [row(s["code"], m) for m in s["materials"]]
    return rows


def step_rows(item: Dict[str, Any]) -> List[List[Any]]:
    return [[item["code"], s["name"], s["description"], s["time_limit"]] for s in item["steps"]]


def _headers(table: str, names: Optional[List[str]] = None) -> List[str]:
    wanted = names or [c[0] for c in COLUMNS[table]]
    return [_canonical(table, name) for name in wanted]


NOTES = [
    "本工作簿由 python -m bot registry export-sheet 或管理页面导出，可修改后导入"
    "（格式见 data/registry/FORMAT.md「表格导入导出」）。",
    "「事项」每行一个事项，按「事项编码」新增或更新；文件里没有的事项不变。",
    "「情形」「申请材料」「办理流程」按事项编码对应事项；申请材料的情形编码为空表示所有申请人都要提交。",
    "提交方式：纸质、电子证照（可出示电子证照）或免提交（部门通过数据共享获取）；留空时沿用事项库中同名材料的，没有则为纸质。",
    "设定依据：每部法律法规写成「《名称》条款（文号，版本，施行日期）」，多部用「；」分隔，"
    "如 《居住证暂行条例》第十条（国务院令第663号，2016年1月1日施行）。",
    "多个值（服务对象、别名、关键词、办理地点）用顿号、逗号、分号或换行分隔。",
    "办理地点填写地点名称或编码，或「各区政务服务中心」「市民中心」；"
    "办理时间只供查看，导入时忽略（在 locations.yaml 中维护）。",
    "单元格只能是文字或数字：以 = 开头的内容（公式）不能导入。",
]


def write_xlsx(items: Sequence[Dict[str, Any]], locations: Sequence[Dict[str, Any]]) -> bytes:
    """The registry as a workbook (sheets 事项, 情形, 申请材料, 办理流程, 办理地点, 说明)."""
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.styles import Alignment, Font  # type: ignore[import-untyped]

    workbook = Workbook()
    sheets: List[Tuple[str, List[str], Callable[[Dict[str, Any]], List[List[Any]]]]] = [
        (ITEM, _headers(ITEM, item_columns(False)), lambda item: [_row_values(item, locations, False)]),
        (SITUATION, _headers(SITUATION), situation_rows),
        (MATERIAL, _headers(MATERIAL), material_rows),
        (STEP, _headers(STEP), step_rows),
    ]
    first = True
    for title, headers, rows_of in sheets:
        sheet = workbook.active if first else workbook.create_sheet()
        first = False
        sheet.title = title
        _write_rows(sheet, [headers], bold=Font(bold=True))
        _write_rows(sheet, (row for item in items for row in rows_of(item)))
        sheet.freeze_panes = "A2"
        for column in sheet.iter_cols(min_row=1, max_row=1):
            sheet.column_dimensions[column[0].column_letter].width = 18
    places = workbook.create_sheet("办理地点")
    _write_rows(places, [["编码", "名称", "所属区", "地址", "电话", "办理时间"]], bold=Font(bold=True))
    _write_rows(places, ([loc["code"], loc["name"], loc.get("district") or "", loc.get("address", ""),
                          loc.get("phone", ""), hours_text(loc)] for loc in locations))
    notes = workbook.create_sheet("说明")
    _write_rows(notes, ([line] for line in NOTES))
    notes.column_dimensions["A"].width = 120
    for line in notes.iter_rows():
        line[0].alignment = Alignment(wrap_text=True)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _write_rows(sheet: Any, rows: Iterable[Sequence[Any]], bold: Any = None) -> None:
    for values in rows:
        sheet.append([None if v is None or v == "" else v for v in values])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            if bold is not None:
                cell.font = bold


def write_csv(items: Sequence[Dict[str, Any]], locations: Sequence[Dict[str, Any]]) -> bytes:
    """The 事项 table with 情形 / 申请材料 / 办理流程 as multi-line cells; UTF-8 with BOM (Excel)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    names = item_columns(True)
    writer.writerow(_headers(ITEM, names))
    for item in items:
        writer.writerow([_csv_cell(v) for v in _row_values(item, locations, True)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@"):
        return "'" + text  # Excel shows it as text; the reader drops the apostrophe again
    return text


