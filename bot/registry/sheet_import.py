"""Importing a spreadsheet into the registry: a preview with every row's outcome, then one
all-or-nothing commit (data/registry/FORMAT.md, section 表格导入导出).

* :func:`preview` reads the file (:mod:`bot.registry.spreadsheet`), merges each 事项 row with the
  registry's current item (a column or sheet the file does not have keeps the item's data),
  validates it with the one schema (:func:`bot.registry.seed.validate_item`) and says for every row
  ``created`` / ``updated`` / ``unchanged`` / ``error`` with messages naming sheet, row and column
  (``skipped``: an item deleted in the console, left deleted as the seed import does). It only reads.
* :func:`apply` writes a preview without errors through :func:`bot.registry.importer.upsert`
  in the caller's transaction (audit source ``import``, the caller's actor); :func:`commit`
  previews again inside that transaction and refuses (:class:`SheetImportError`, 409) when the
  file has any error or the registry changed since the preview the user saw (``digest``).
"""
from __future__ import annotations

import copy
import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Dict, List, Optional, Set, Tuple

from sqlalchemy.orm import Session

from bot.registry.export import export_item, export_location
from bot.registry.importer import ImportReport, upsert
from bot.registry.legal import LABELS as LEGAL_LABELS
from bot.registry.models import ServiceItem
from bot.registry.repository import RegistryRepository
from bot.registry.schema import Problem
from bot.registry.seed import validate_item
from bot.registry.spreadsheet import (
    COLUMNS,
    ITEM,
    Message,
    ParsedFile,
    SheetRow,
    SpreadsheetError,
    read_file,
    resolve_places,
)

logger = logging.getLogger(__name__)

DEFAULT_SOURCE = "表格导入"
STATUSES = ("created", "updated", "unchanged", "skipped", "error")
LABELS = {name: header for name, header, _s, _k in COLUMNS[ITEM]}
LABELS.update({"situations": "情形", "materials": "申请材料", "steps": "办理流程"})


class SheetImportError(ValueError):
    """A commit that was refused; nothing was written. ``status`` is the HTTP status to answer."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class RowResult:
    sheet: str
    row: int
    code: str
    name: str
    status: str
    messages: List[Message] = field(default_factory=list)
    changes: List[str] = field(default_factory=list)  # labels of the fields an update changes
    record: Optional[Dict[str, Any]] = None  # the clean seed-format record (not for errors)

    def as_dict(self) -> Dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "code": self.code, "name": self.name, "status": self.status,
                "messages": [m.as_dict() for m in self.messages], "changes": self.changes}


@dataclass
class Preview:
    filename: str
    format: str = ""
    rows: List[RowResult] = field(default_factory=list)
    problems: List[Message] = field(default_factory=list)  # the file's own (no row of an item)
    warnings: List[str] = field(default_factory=list)
    digest: str = ""  # the registry's state that the preview depends on

    @property
    def errors(self) -> int:
        return len(self.problems) + sum(1 for r in self.rows if r.status == "error")

    def summary(self) -> Dict[str, int]:
        counts = {status: sum(1 for r in self.rows if r.status == status) for status in STATUSES}
        return {**counts, "rows": len(self.rows), "problems": len(self.problems)}

    def as_dict(self) -> Dict[str, Any]:
        return {"filename": self.filename, "format": self.format, "rows": [r.as_dict() for r in self.rows],
                "problems": [m.as_dict() for m in self.problems], "warnings": self.warnings,
                "errors": self.errors, "summary": self.summary()}


# preview ---------------------------------------------------------------------------------------
def preview(session: Session, data: bytes, filename: str, today: Optional[date] = None) -> Preview:
    """Every row's outcome if ``data`` were imported now; reads only."""
    result = Preview(filename=filename)
    try:
        parsed = read_file(data, filename)
    except SpreadsheetError as exc:
        result.problems.append(Message("文件", 0, "", str(exc)))
        return result
    result.format = parsed.format
    result.warnings = parsed.warnings
    result.problems = list(parsed.problems)
    repo = RegistryRepository(session)
    locations = [export_location(loc) for loc in repo.locations()]
    location_codes = {loc["code"] for loc in locations}
    nested = _group_nested(parsed, result)
    codes = [c for c in (row.values.get("code") for row in parsed.items) if isinstance(c, str)]
    existing: Dict[str, ServiceItem] = {}
    for code in dict.fromkeys(codes):
        item = repo.item_by_code(code, include_deleted=True)
        if item is not None:
            existing[code] = item
    day = today or date.today()
    for row in parsed.items:
        item = existing.get(str(row.values.get("code")))
        if item is not None and item.deleted_at is not None:  # as the seed import: left deleted
            result.rows.append(RowResult(row.sheet, row.row, item.code, item.name, "skipped", [Message(
                row.sheet, row.row, row.column("code"), "这个事项已在管理后台删除，导入时跳过（需要时在后台恢复）")]))
            continue
        result.rows.append(_row(row, item, nested, locations, location_codes, parsed, day))
    _duplicates(parsed, result)
    _cross_checks(repo, result)
    result.digest = _digest(codes, existing, locations)
    return result


def _group_nested(parsed: ParsedFile, result: Preview) -> Dict[str, Dict[str, List[SheetRow]]]:
    """Situation, material and step rows by 事项编码; rows of an item not in the 事项 table are errors."""
    item_codes = {row.values.get("code") for row in parsed.items}
    grouped: Dict[str, Dict[str, List[SheetRow]]] = {}
    for key, rows in parsed.nested.items():
        if rows is None:
            continue
        by_code = grouped.setdefault(key, {})
        for row in rows:
            item_row = row.values.pop("item_row", None)
            code = item_row.values.get("code") if isinstance(item_row, SheetRow) else row.values.get("item_code")
            if not code:
                if item_row is None:
                    row.fail("item_code", "缺少事项编码")
                    result.problems += row.problems
                continue
            if code not in item_codes:
                row.fail("item_code", f"事项编码 {code} 不在「事项」表中")
                result.problems += row.problems
                continue
            by_code.setdefault(str(code), []).append(row)
    return grouped


def _present(row: SheetRow, fields: Set[str], name: str) -> bool:
    return name in fields and name in row.headers


def _row(row: SheetRow, item: Optional[ServiceItem], nested: Dict[str, Dict[str, List[SheetRow]]],
         locations: List[Dict[str, Any]], location_codes: Set[str], parsed: ParsedFile, today: date) -> RowResult:
    code = str(row.values.get("code") or "")
    result = RowResult(row.sheet, row.row, code, str(row.values.get("name") or ""), "error")
    before = export_item(item) if item is not None else None
    rec: Dict[str, Any] = copy.deepcopy(before) if before else {}
    origins: Dict[Tuple[str, ...], SheetRow] = {}  # ("situations", j) / ("materials", i) / (…, j, "materials", i)
    for name, value in row.values.items():
        if name in ("hours", "situations", "materials", "steps"):
            continue
        rec[name] = value
    if "handled_at" in row.values and row.values["handled_at"] is not None:
        codes, unknown = resolve_places(row.values["handled_at"], locations)
        for token in unknown:
            row.fail("handled_at", f"未知的办理地点「{token[:40]}」（填地点名称、编码、各区政务服务中心或市民中心）")
        rec["handled_at"] = codes
    messages: List[Message] = []
    rows_of = {key: by_code.get(code, []) for key, by_code in nested.items()}
    if "situations" in nested:
        rec["situations"] = []
        for j, srow in enumerate(rows_of["situations"]):
            origins[("situations", str(j))] = srow
            values = {k: v for k, v in srow.values.items() if k != "item_code"}
            rec["situations"].append({**values, "materials": []})
    if "materials" in nested:
        by_situation = {s.get("code"): s for s in rec.get("situations") or []}
        for s in by_situation.values():
            s["materials"] = []
        rec["materials"] = []
        modes = _submit_modes(before)
        for mrow in rows_of["materials"]:
            values = {k: v for k, v in mrow.values.items() if k not in ("item_code", "situation")}
            situation = mrow.values.get("situation")
            if not values.get("submit"):  # a file without 提交方式 (or a blank cell): the registry's, else paper
                values["submit"] = modes.get((situation or "", str(values.get("name") or "")), "纸质")
            if situation:
                target = by_situation.get(situation)
                if target is None:
                    mrow.fail("situation", f"情形编码 {situation} 不是这个事项的情形")
                    continue
                origins[("situations", str(list(by_situation).index(situation)), "materials",
                         str(len(target["materials"])))] = mrow
                target["materials"].append(values)
            else:
                origins[("materials", str(len(rec["materials"])))] = mrow
                rec["materials"].append(values)
    elif "situations" in nested and before:  # situations from the file, their materials kept
        kept = {s["code"]: s["materials"] for s in before["situations"]}
        for s in rec["situations"]:
            s["materials"] = list(kept.get(s.get("code"), []))
    if "steps" in nested:
        rec["steps"] = []
        for i, step_row in enumerate(rows_of["steps"]):
            origins[("steps", str(i))] = step_row
            rec["steps"].append({k: v for k, v in step_row.values.items() if k != "item_code"})
    for sub_rows in rows_of.values():
        for sub in sub_rows:
            messages += sub.problems
    if not rec.get("source"):
        rec["source"] = item.source if item is not None else DEFAULT_SOURCE
    explicit_date = rec.get("updated") if _present(row, parsed.item_fields, "updated") else None
    if before is not None and explicit_date == before["updated"]:
        explicit_date = None  # the registry's own date, as exported: a changed item becomes today's
    rec["updated"] = explicit_date or (before["updated"] if before else today)
    if "version" not in rec:
        rec["version"] = ""
    clean, problems = validate_item(rec, location_codes, where=row.sheet)
    messages = row.problems + messages + [_locate(p, row, origins) for p in problems]
    if clean.get("handled_at"):
        clean["handled_at"] = sorted(set(clean["handled_at"]))
    if messages:
        result.messages = messages
        return result
    comparable = {k: v for k, v in clean.items() if k != "source"}
    if before is not None and comparable != before and explicit_date is None:
        clean["updated"] = comparable["updated"] = today
    result.record = clean
    if before is None:
        result.status = "created"
    elif comparable == before:
        result.status = "unchanged"
    else:
        result.status = "updated"
        result.changes = [LABELS.get(k, k) for k in comparable if comparable[k] != before.get(k) and k != "updated"]
    return result


def _submit_modes(before: Optional[Dict[str, Any]]) -> Dict[Tuple[str, str], str]:
    """(situation code or "", material name) → 提交方式 of the item as the registry has it."""
    if not before:
        return {}
    modes = {("", str(m["name"])): m["submit"] for m in before["materials"] if m.get("submit")}
    for s in before["situations"]:
        modes.update({(str(s["code"]), str(m["name"])): m["submit"] for m in s["materials"] if m.get("submit")})
    return modes


_NESTED_RE = re.compile(r"(?:(situations)\[(\d+)\])?\s*(?:(materials|steps)\[(\d+)\])?$")


def _locate(problem: Problem, row: SheetRow, origins: Dict[Tuple[str, ...], SheetRow]) -> Message:
    """A schema problem at the sheet row and column it came from."""
    key: Tuple[str, ...] = ()
    duplicate = re.match(r"#(\d+) ", problem.record)
    match = _NESTED_RE.search(problem.record)
    if duplicate and problem.field == "code":
        key = ("situations", duplicate.group(1))
    elif match:
        parts = [p for p in match.groups() if p]
        key = tuple(parts)
    source = origins.get(key, row)
    field_name = problem.field
    if source is row and key:  # nested data kept from the registry: name it on the item row
        label = f"{LABELS.get(key[0], key[0])}[{int(key[1]) + 1}].{field_name}"
        return Message(row.sheet, row.row, label, problem.message)
    if field_name == "situation_question" and source is row and "situation_question" not in row.headers:
        return Message(row.sheet, row.row, LABELS["situation_question"], problem.message)
    entry = re.match(r"legal_basis\[(\d+)\]\.?(\w*)", field_name)
    if entry:  # one law of the 设定依据 cell: the cell, and which law and part in the message
        part = LEGAL_LABELS.get(entry.group(2), "")
        return Message(source.sheet, source.row, source.column("legal_basis"),
                       f"第{int(entry.group(1)) + 1}项{part}：{problem.message}")
    return Message(source.sheet, source.row, source.column(field_name), problem.message)


def _duplicates(parsed: ParsedFile, result: Preview) -> None:
    """A 事项编码 on two rows: every such row is an error."""
    by_code: Dict[str, List[RowResult]] = {}
    for res in result.rows:
        if res.code:
            by_code.setdefault(res.code, []).append(res)
    for code, rows in by_code.items():
        if len(rows) < 2:
            continue
        numbers = "、".join(str(r.row) for r in rows)
        for res in rows:
            column = next((r.column("code") for r in parsed.items if r.row == res.row), "事项编码")
            _error(res, Message(res.sheet, res.row, column, f"事项编码 {code} 在第 {numbers} 行重复"))


def _error(res: RowResult, message: Message) -> None:
    res.messages.append(message)
    res.status, res.record, res.changes = "error", None, []


def _cross_checks(repo: RegistryRepository, result: Preview) -> None:
    """Names and aliases stay unique across the registry (they feed the NLU dictionary): a term
    used by two items is an error on every row of the file that uses it."""
    in_file = {r.code for r in result.rows}
    owners: Dict[str, Dict[str, str]] = {}  # term → {code: "名称（编码）"}
    for item in repo.items():
        if item.code not in in_file:
            for term in [item.name, *(item.aliases or [])]:
                owners.setdefault(term, {})[item.code] = f"{item.name}（{item.code}）"
    valid = [r for r in result.rows if r.record is not None]
    for res in valid:
        assert res.record is not None
        for term in [res.record["name"], *res.record["aliases"]]:
            owners.setdefault(term, {})[res.code] = f"{res.record['name']}（{res.code}）"
    for res in valid:
        assert res.record is not None
        record = res.record
        for term in [record["name"], *record["aliases"]]:
            others = [label for code, label in owners[term].items() if code != res.code]
            if others:
                column = LABELS["name"] if term == record["name"] else LABELS["aliases"]
                _error(res, Message(res.sheet, res.row, column, f"「{term}」也是「{'」「'.join(others)}」的名称或别名"))
                break


def _digest(codes: List[str], existing: Dict[str, ServiceItem], locations: List[Dict[str, Any]]) -> str:
    state = {"items": {code: export_item(existing[code]) if code in existing else None for code in sorted(set(codes))},
             "locations": [(loc["code"], loc["name"], loc["district"]) for loc in locations]}
    return hashlib.sha256(json.dumps(state, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


# commit ----------------------------------------------------------------------------------------
def apply(session: Session, result: Preview, actor: str) -> ImportReport:
    """Write a preview without errors in the caller's transaction (created and updated items)."""
    if result.errors:
        raise SheetImportError(f"文件有 {result.errors} 处错误，没有导入任何内容")
    records = [r.record for r in result.rows if r.record is not None and r.status in ("created", "updated")]
    report = upsert(session, [], records, actor, source="import")
    report.items = len(result.rows)
    report.unchanged = sum(1 for r in result.rows if r.status == "unchanged")
    report.skipped_deleted = [r.code for r in result.rows if r.status == "skipped"]
    logger.info("spreadsheet import %s by %s: %s new, %s changed, %s unchanged", result.filename, actor,
                report.created, report.updated, report.unchanged)
    return report


def commit(session: Session, data: bytes, filename: str, actor: str, expected_digest: Optional[str] = None,
           today: Optional[date] = None) -> Tuple[Preview, ImportReport]:
    """Preview again and write, all in the caller's transaction; refuses (nothing written) when the
    file has errors or the registry is no longer what the preview ``expected_digest`` saw."""
    result = preview(session, data, filename, today)
    if result.errors:
        raise SheetImportError(f"文件有 {result.errors} 处错误，没有导入任何内容")
    if expected_digest is not None and result.digest != expected_digest:
        raise SheetImportError("预览之后事项库已有改动，请重新上传预览")
    return result, apply(session, result, actor)


def export_records(session: Session) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """The registry's items and locations in seed format, for the spreadsheet writers."""
    repo = RegistryRepository(session)
    items = [{**export_item(item), "source": item.source} for item in repo.items()]
    return items, [export_location(loc) for loc in repo.locations()]
