"""Spreadsheets (xlsx, csv) of the service registry: the columns, and reading cells into seed-format
fragments (data/registry/FORMAT.md, section 表格导入导出; writing: :mod:`bot.registry.sheet_export`).

Pure: no database. Reading turns every row of a file into a :class:`SheetRow` — the seed-format
fields of the columns the file has, plus the cell-level problems of that row (formulas, bad
numbers, unreadable dates …). Whether a row is a valid item is decided by the one schema
(:func:`bot.registry.seed.validate_item`) in :mod:`bot.registry.sheet_import`.

Cells are text: formulas are never evaluated (xlsx is read with ``data_only=False`` and a formula
cell is an error), a cell starting with ``=`` is an error, files and rows are capped.
"""
from __future__ import annotations

import csv
import io
import itertools
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024  # an xlsx is a zip: refuse zip bombs before openpyxl reads it
MAX_ROWS = 5000  # data rows per sheet
MAX_COLUMNS = 200
HEADER_SEARCH_ROWS = 5
MAX_CELL_CHARS = 50_000  # any cell; the schema's own limits (200 for a name …) apply afterwards
MAX_LIST_ITEM_CHARS = 200  # one alias / keyword / audience entry (the schema has no limit for list entries)
NESTED_SEPARATOR = "|"
LIST_SPLIT = re.compile(r"[、，,；;\n]+")
FORMULA_ERROR = "公式不能导入（单元格以 = 开头）"

# table → [(field, canonical header, synonyms, kind)]
ITEM, SITUATION, MATERIAL, STEP = "事项", "情形", "申请材料", "办理流程"
Column = Tuple[str, str, Tuple[str, ...], str]
COLUMNS: Dict[str, List[Column]] = {
    ITEM: [
        ("name", "事项名称", ("事项名", "名称"), "text"),
        ("code", "事项编码", ("实施编码", "事项代码", "实施清单编码"), "text"),
        ("item_type", "事项类型", (), "text"),
        ("category", "主题分类", ("主题", "分类"), "text"),
        ("agency", "实施主体", ("实施机构", "办理部门"), "text"),
        ("level", "行使层级", (), "text"),
        # the text form of bot/registry/legal.py: 《居住证暂行条例》第十条（国务院令第663号，2016年1月1日施行）；…
        ("legal_basis", "设定依据", ("法律依据",), "text"),
        ("audience", "服务对象", (), "list"),
        ("conditions", "申请条件", ("受理条件", "办理条件"), "text"),
        ("legal_limit_days", "法定办结时限", (), "days"),
        ("promised_limit_days", "承诺办结时限", (), "days"),
        ("limit_note", "时限说明", (), "text"),
        ("fee", "收费标准", ("是否收费",), "text"),
        ("fee_basis", "收费依据", (), "text"),
        ("online_depth", "网上办理深度", ("网办深度",), "text"),
        ("online_url", "网办地址", ("网上办理地址", "在线办理地址"), "text"),
        ("appointment", "是否支持预约", ("支持预约", "预约办理"), "bool"),
        ("express_delivery", "是否支持物流快递", ("支持物流快递", "物流快递"), "bool"),
        ("max_visits", "到现场次数", ("到办事现场次数",), "int"),
        ("consult_phone", "咨询电话", ("咨询方式",), "text"),
        ("complaint_phone", "监督投诉电话", ("投诉电话", "监督投诉方式"), "text"),
        ("handled_at", "办理地点", (), "list"),
        ("hours", "办理时间", (), "ignore"),
        ("aliases", "别名", ("俗称",), "list"),
        ("keywords", "关键词", (), "list"),
        ("situation_question", "情形提问", (), "text"),
        ("manual_review", "需人工核实", (), "text"),
        ("source", "来源", ("数据来源",), "text"),
        ("version", "版本", (), "text"),
        ("updated", "更新日期", ("更新时间",), "date"),
        # csv only: the nested tables, one entry per line (see FORMAT.md)
        ("situations", "情形", (), "nested"),
        ("materials", "申请材料", ("办理材料",), "nested"),
        ("steps", "办理流程", (), "nested"),
    ],
    SITUATION: [
        ("item_code", "事项编码", ("实施编码",), "text"),
        ("code", "情形编码", (), "text"),
        ("name", "情形名称", (), "text"),
        ("keywords", "关键词", (), "list"),
        ("description", "情形说明", (), "text"),
        ("promised_limit_days", "承诺办结时限", (), "days"),
        ("fee", "收费标准", (), "text"),
    ],
    MATERIAL: [
        ("item_code", "事项编码", ("实施编码",), "text"),
        ("situation", "情形编码", (), "text"),
        ("name", "材料名称", (), "text"),
        ("form", "材料形式", ("材料类型",), "text"),
        ("copies", "份数", ("材料份数",), "int"),
        ("required", "必要/容缺", ("是否必要", "必要性", "必要或容缺"), "required"),
        ("origin", "来源", ("材料来源", "来源渠道"), "text"),
        ("note", "备注", ("填报须知", "说明"), "text"),
        # last, so a csv line written before it (seven fields) still reads; blank = the registry's value
        ("submit", "提交方式", ("材料提交方式", "免提交方式"), "text"),
    ],
    STEP: [
        ("item_code", "事项编码", ("实施编码",), "text"),
        ("name", "环节名称", ("步骤名称", "办理环节"), "text"),
        ("description", "办理内容", ("环节说明", "步骤说明"), "text"),
        ("time_limit", "办理时限", ("环节时限", "时限"), "text"),
    ],
}
REQUIRED_COLUMNS = {
    ITEM: ("name", "code", "item_type", "category", "agency", "audience", "conditions", "promised_limit_days",
           "fee", "max_visits", "consult_phone", "complaint_phone", "handled_at"),
    SITUATION: ("item_code", "code", "name"),
    MATERIAL: ("item_code", "name", "form"),
    STEP: ("item_code", "name"),
}
NESTED_TABLE = {"situations": SITUATION, "materials": MATERIAL, "steps": STEP}
SHEET_NAMES = {ITEM: ("事项", "事项清单", "办事指南", "事项表"), SITUATION: ("情形", "办理情形"),
               MATERIAL: ("申请材料", "材料", "办理材料"), STEP: ("办理流程", "流程")}
READ_ONLY_SHEETS = ("说明", "办理地点")  # written by the export for people, ignored on import
DISTRICT_WORDS = ("各区政务服务中心", "各区", "区政务服务中心")
CITY_WORDS = ("市民中心", "市级")
TRUE_WORDS = {"是", "y", "yes", "true", "1", "支持", "√"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "不支持", "×"}
REQUIRED_WORDS = {"必要": True, "必须": True, "是": True, "必需": True, "true": True,
                  "容缺": False, "非必要": False, "否": False, "可容缺": False, "false": False}


@dataclass
class Message:
    """One problem: where (sheet, row — 0 for the whole file —, column as written in the file) and what."""

    sheet: str
    row: int
    column: str
    message: str

    def as_dict(self) -> Dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "message": self.message}

    def __str__(self) -> str:
        where = self.sheet if not self.row else f"{self.sheet} 第{self.row}行"
        return f"{where}{' ' + self.column if self.column else ''}：{self.message}"


@dataclass
class SheetRow:
    """One row of one table: its fields (only the columns the file has) and its cell problems."""

    sheet: str
    row: int
    values: Dict[str, Any]
    headers: Dict[str, str]  # field → the column header as written (with a prefix for csv nested cells)
    problems: List[Message] = field(default_factory=list)

    def column(self, field_name: str) -> str:
        return self.headers.get(field_name) or _canonical(self.sheet_table, field_name)

    @property
    def sheet_table(self) -> str:
        return next((t for t in COLUMNS if self.sheet.startswith(t)), ITEM)

    def fail(self, field_name: str, message: str) -> None:
        self.problems.append(Message(self.sheet, self.row, self.column(field_name), message))


@dataclass
class ParsedFile:
    """What a spreadsheet holds: the rows of each table (a table that is not in the file is None:
    its data is kept as the registry has it), file-level problems and warnings."""

    format: str
    items: List[SheetRow] = field(default_factory=list)
    nested: Dict[str, Optional[List[SheetRow]]] = field(
        default_factory=lambda: {"situations": None, "materials": None, "steps": None})
    item_fields: Set[str] = field(default_factory=set)  # the 事项 columns the file has
    problems: List[Message] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)


class SpreadsheetError(ValueError):
    """A file that is no readable spreadsheet at all; the message says why."""


# headers ---------------------------------------------------------------------------------------
_SUFFIX = re.compile(r"[(\[【「『<《{].*[)\]】」』>》}]$")


def normalize_header(text: Any) -> str:
    """Full-width → half-width, no spaces, no ``*`` marks, no trailing ``（必填）``-style suffixes
    (from the first bracket on, when the header ends with a closing bracket)."""
    value = unicodedata.normalize("NFKC", str(text or ""))
    value = re.sub(r"\s+", "", value).strip("*＊:：")
    stripped = _SUFFIX.sub("", value).strip("*＊:：")
    return stripped or value


def _canonical(table: str, field_name: str) -> str:
    return next((header for name, header, _, _ in COLUMNS[table] if name == field_name), field_name)


def _header_index(table: str) -> Dict[str, Tuple[str, str]]:
    index: Dict[str, Tuple[str, str]] = {}
    for name, header, synonyms, kind in COLUMNS[table]:
        for text in (header, *synonyms):
            index[normalize_header(text)] = (name, kind)
    return index


def _sheet_table(title: str) -> Optional[str]:
    name = normalize_header(title)
    return next((table for table, names in SHEET_NAMES.items() if name in {normalize_header(n) for n in names}), None)


# cells -----------------------------------------------------------------------------------------
def _text(value: Any) -> Optional[str]:
    """A cell as text (None when blank); numbers without a spurious ``.0``."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    text = str(value).strip()
    return text or None


def _days(text: str, row: SheetRow, field_name: str) -> Optional[int]:
    if text in ("即办", "即办件", "当场办结", "即时办结"):
        return 0
    if text in ("无", "不设", "-", "—", "/"):
        return None
    match = re.fullmatch(r"(\d{1,4})\s*(?:个?工作日|天|日|个自然日)?", text)
    if not match:
        row.fail(field_name, f"应为工作日天数（整数，如 15 或「15个工作日」、「即办」）：{text[:40]!r}")
        return None
    return int(match.group(1))


def convert(row: SheetRow, field_name: str, kind: str, raw: Any, formula: bool = False) -> Any:
    """One cell to the seed-format value of ``field_name`` (problems go to ``row``)."""
    if formula or (isinstance(raw, str) and raw.lstrip().startswith("=")):
        row.fail(field_name, FORMULA_ERROR)
        return None
    if isinstance(raw, str) and len(raw) > MAX_CELL_CHARS:
        row.fail(field_name, f"单元格超过 {MAX_CELL_CHARS} 字")
        return None
    if kind == "date":
        return _date(row, field_name, raw)
    text = _text(raw)
    if kind == "text":
        return text
    if kind == "list":
        if text is None:
            return None
        items = [part.strip() for part in LIST_SPLIT.split(text) if part.strip()]
        for part in items:
            if len(part) > MAX_LIST_ITEM_CHARS:
                row.fail(field_name, f"每一项不能超过 {MAX_LIST_ITEM_CHARS} 字（「{part[:20]}…」）")
                return None
        return items
    if kind in ("int", "days"):
        if text is None:
            return None
        if kind == "days":
            return _days(text, row, field_name)
        if re.fullmatch(r"\d{1,4}", text):
            return int(text)
        row.fail(field_name, f"应为整数：{text[:40]!r}")
        return None
    if kind == "bool":
        if text is None:
            return False
        if text.lower() in TRUE_WORDS:
            return True
        if text.lower() in FALSE_WORDS:
            return False
        row.fail(field_name, f"应为「是」或「否」：{text[:40]!r}")
        return None
    if kind == "required":
        if text is None:
            return True
        if text.lower() in REQUIRED_WORDS:
            return REQUIRED_WORDS[text.lower()]
        row.fail(field_name, f"应为「必要」或「容缺」：{text[:40]!r}")
        return None
    return text  # "ignore", "nested": the caller decides


def _date(row: SheetRow, field_name: str, raw: Any) -> Optional[date]:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = _text(raw)
    if text is None:
        return None
    match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", text)
    if match:
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            pass
    row.fail(field_name, f"应为日期 YYYY-MM-DD：{text[:40]!r}")
    return None


# reading ---------------------------------------------------------------------------------------
Cell = Tuple[Any, bool]  # (value, is a formula)


def read_file(data: bytes, filename: str) -> ParsedFile:
    """Parse an uploaded file; raises :class:`SpreadsheetError` when it is no spreadsheet at all
    (the preview shows that message as the file's one problem)."""
    name = (filename or "").lower()
    if not data:
        raise SpreadsheetError("文件是空的")
    if len(data) > MAX_FILE_BYTES:
        raise SpreadsheetError(f"文件超过 {MAX_FILE_BYTES // 1024 // 1024} MB")
    if data[:4] == b"PK\x03\x04" or name.endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or name.endswith(".xls"):
        raise SpreadsheetError("不支持旧版 .xls 文件，请在 Excel/WPS 中另存为 .xlsx 或 CSV")
    if name.endswith((".csv", ".txt")) or not name:
        return _read_csv(data)
    raise SpreadsheetError("只支持 .xlsx 表格和 .csv 文件")


def _read_xlsx(data: bytes) -> ParsedFile:
    from openpyxl import load_workbook  # type: ignore[import-untyped]  # only imports and exports need it

    if data[:4] != b"PK\x03\x04":
        raise SpreadsheetError("文件不是 xlsx 表格（内容不是 Excel 工作簿）")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" not in names:
                raise SpreadsheetError("文件不是 xlsx 表格（压缩包里没有工作簿）")
            if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
                raise SpreadsheetError("表格解压后过大")
    except zipfile.BadZipFile:
        raise SpreadsheetError("文件不是 xlsx 表格（压缩包已损坏）") from None
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise SpreadsheetError(f"无法读取 xlsx 表格：{type(exc).__name__}") from None
    parsed = ParsedFile("xlsx")
    try:
        sheets = list(workbook.worksheets)
        tables: Dict[str, Any] = {}
        for sheet in sheets:
            table = _sheet_table(sheet.title)
            if table and table not in tables:
                tables[table] = sheet
            elif normalize_header(sheet.title) not in READ_ONLY_SHEETS:
                parsed.warnings.append(f"未识别的工作表「{sheet.title}」，已忽略")
        if ITEM not in tables and sheets:
            first = sheets[0]
            if _sheet_table(first.title) is None:
                tables[ITEM] = first
                parsed.warnings = [w for w in parsed.warnings if f"「{first.title}」" not in w]
                parsed.warnings.append(f"没有名为「事项」的工作表，按第一个工作表「{first.title}」读取")
        if ITEM not in tables:
            raise SpreadsheetError("表格里没有「事项」工作表")
        for table, sheet in tables.items():
            rows = ((cell_value(c) for c in row) for row in sheet.iter_rows(max_col=MAX_COLUMNS))
            _read_table(parsed, table, sheet.title, rows)
    finally:
        workbook.close()
    return parsed


def cell_value(cell: Any) -> Cell:
    value = getattr(cell, "value", None)
    return value, getattr(cell, "data_type", None) == "f"


def _decode(data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise SpreadsheetError("文件不是 CSV 文本（含二进制内容；UTF-16 文本请另存为 UTF-8 CSV）")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise SpreadsheetError("无法识别文件编码：请保存为 UTF-8 或 GB18030/GBK 的 CSV") from None


def _read_csv(data: bytes) -> ParsedFile:
    try:
        text = _decode(data)
    except UnicodeDecodeError:
        raise SpreadsheetError("文件声明为 UTF-8 但内容不是 UTF-8") from None
    parsed = ParsedFile("csv")
    try:
        rows: Iterable[Iterable[Cell]] = (((_unquote(v), False) for v in row) for row in csv.reader(io.StringIO(text)))
        _read_table(parsed, ITEM, ITEM, rows, csv_nested=True)
    except csv.Error as exc:
        raise SpreadsheetError(f"CSV 格式错误：{exc}") from None
    return parsed


def _unquote(value: str) -> str:
    """The export writes ``'`` before text starting with + - @ (so Excel shows it as text): drop it."""
    if len(value) > 1 and value[0] == "'" and value[1] in "+-@=":
        return value[1:]
    return value


def _read_table(parsed: ParsedFile, table: str, title: str, rows: Iterable[Iterable[Cell]],
                csv_nested: bool = False) -> None:
    iterator = iter(rows)
    index = _header_index(table)
    # the header row is the first of the first rows that names two known columns (national
    # templates often put a title row above it)
    lead: List[List[Cell]] = []
    header_cells: Optional[List[Cell]] = None
    for _ in range(HEADER_SEARCH_ROWS):
        cells = next(iterator, None)
        if cells is None:
            break
        values = list(cells)
        lead.append(values)
        known = sum(1 for v, _f in values if _text(v) and normalize_header(_text(v)) in index)
        if known >= 2:
            header_cells = values
            break
    if header_cells is None:
        if not any(_text(v) for values in lead for v, _f in values):
            if table == ITEM:
                raise SpreadsheetError(f"工作表「{title}」是空的")
            parsed.nested[_nested_key(table)] = []
            return
        header_cells = lead[0]
    header_at = next(i for i, values in enumerate(lead) if values is header_cells)
    first_data_row = header_at + 2
    data_rows = itertools.chain(lead[header_at + 1:], iterator)
    columns: Dict[int, Tuple[str, str, str]] = {}  # position → (field, kind, header as written)
    seen: Dict[str, str] = {}
    for position, (value, _formula) in enumerate(header_cells):
        written = _text(value)
        if written is None:
            continue
        found = index.get(normalize_header(written))
        if found is None or (found[1] == "nested" and not csv_nested):
            parsed.warnings.append(f"{title}：未识别的列「{written}」，已忽略")
            continue
        name, kind = found
        if name in seen:
            parsed.problems.append(Message(title, first_data_row - 1, written, f"与列「{seen[name]}」是同一字段"))
            continue
        seen[name] = written
        columns[position] = (name, kind, written)
    missing = [_canonical(table, f) for f in REQUIRED_COLUMNS[table] if f not in seen]
    if missing:
        parsed.problems.append(Message(title, first_data_row - 1, "", f"缺少必填列：{'、'.join(missing)}"))
    if table == ITEM:
        parsed.item_fields = set(seen)
        for key in NESTED_TABLE:
            if key in seen:
                parsed.nested[key] = []
    else:
        parsed.nested[_nested_key(table)] = []
    count = 0
    for number, cells in enumerate(data_rows, start=first_data_row):
        values = list(cells)
        if all(_text(v) is None and not f for v, f in values):
            continue
        count += 1
        if count > MAX_ROWS:
            parsed.problems.append(Message(title, number, "", f"超过 {MAX_ROWS} 行，文件未读完"))
            return
        row = SheetRow(title, number, {}, {})
        for position, (name, kind, written) in columns.items():
            raw, formula = values[position] if position < len(values) else (None, False)
            row.headers[name] = written
            if kind == "ignore":
                continue
            if kind == "nested":
                _nested_cell(parsed, row, name, raw)
                continue
            row.values[name] = convert(row, name, kind, raw, formula)
        if table == ITEM:
            parsed.items.append(row)
        else:
            target = parsed.nested[_nested_key(table)]
            assert target is not None
            target.append(row)


def _nested_key(table: str) -> str:
    return next(key for key, value in NESTED_TABLE.items() if value == table)


def split_nested(line: str) -> List[str]:
    """One line of a csv nested cell into its fields: ``|`` separates, ``\\|`` ``\\\\`` ``\\n`` escape."""
    fields, current, chars = [], [], iter(line)
    for char in chars:
        if char == "\\":
            following = next(chars, "")
            current.append({"|": "|", "\\": "\\", "n": "\n"}.get(following, "\\" + following))
        elif char == NESTED_SEPARATOR:
            fields.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    fields.append("".join(current).strip())
    return fields


def _escape(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "\\n")


def _nested_cell(parsed: ParsedFile, row: SheetRow, key: str, raw: Any) -> None:
    """A csv 情形 / 申请材料 / 办理流程 cell: each line becomes a row of that table, carrying the
    事项编码 of its item row (filled in by the importer) and its line number in the column name."""
    table = NESTED_TABLE[key]
    target = parsed.nested[key]
    assert target is not None
    header = row.headers[key]
    if isinstance(raw, str) and raw.lstrip().startswith("="):
        row.fail(key, FORMULA_ERROR)
        return
    text = _text(raw) or ""
    columns = [c for c in COLUMNS[table] if c[0] != "item_code"]
    for number, line in enumerate((part for part in text.split("\n") if part.strip()), start=1):
        nested = SheetRow(row.sheet, row.row, {"item_row": row}, {}, [])
        prefix = f"{header} 第{number}条"
        nested.headers = {name: f"{prefix} {title}" for name, title, _, _ in columns}
        nested.headers["item_code"] = prefix
        parts = split_nested(line)
        if len(parts) > len(columns):
            expected = " | ".join(c[1] for c in columns)
            nested.fail("item_code", f"字段过多：应为 {len(columns)} 个，用 | 分隔（{expected}）")
            parts = parts[:len(columns)]
        for (name, _title, _, kind), value in zip(columns, parts + [""] * (len(columns) - len(parts)), strict=True):
            nested.values[name] = convert(nested, name, kind, value)
        target.append(nested)


def resolve_places(tokens: Sequence[str], locations: Sequence[Dict[str, Any]]) -> Tuple[List[str], List[str]]:
    """办理地点 entries (codes, names, 各区政务服务中心, 市民中心) → sorted location codes, unknown entries."""
    by_key: Dict[str, List[str]] = {}
    for loc in locations:
        for key in (loc["code"], loc["name"]):
            by_key.setdefault(normalize_header(key), []).append(loc["code"])
    district = [loc["code"] for loc in locations if loc.get("district")]
    city = [loc["code"] for loc in locations if not loc.get("district")]
    codes: Set[str] = set()
    unknown: List[str] = []
    for token in tokens:
        key = normalize_header(token)
        if key in by_key:
            codes.update(by_key[key])
        elif key in DISTRICT_WORDS or key == "district":
            codes.update(district)
        elif key in CITY_WORDS or key == "city":
            codes.update(city)
        else:
            unknown.append(token)
    return sorted(codes), unknown


def iter_problems(parsed: ParsedFile) -> Iterator[Message]:
    """Every cell-level and file-level problem of a parsed file."""
    yield from parsed.problems
    for row in parsed.items:
        yield from row.problems
    for rows in parsed.nested.values():
        for row in rows or []:
            yield from row.problems
