"""Reading an FAQ spreadsheet (xlsx or csv) whose columns are named by their header text.

* The header is the first non-empty row; columns are found by their text (exact, else ignoring
  case, width, spaces and punctuation). A missing column is a :class:`SheetError` naming the
  header it could not find and the headers the file has.
* Every cell is read as text and **formulas are never evaluated**: a question, answer, department
  or keywords cell whose content starts with ``=`` (an xlsx formula such as ``=HYPERLINK(...)``, or
  the same text in a csv) **rejects that row**, with the reason — the stored value of a formula is
  whatever Excel last computed, and a knowledge base must not carry spreadsheet code.
* Rows with every cell empty are skipped; row numbers are the spreadsheet's (the header is row 1
  when it is the first row).
* Not a spreadsheet (an old .xls, a PDF, binary, undecodable text) is a :class:`SheetError`.
  csv is read as UTF-8 (with or without BOM), else GB18030 (what Excel in Chinese saves).
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from bot.faq.store import SheetRow
from bot.nlu.textnorm import halfwidth

MAX_CELL = 100_000  # characters kept of one cell (longer answers are rejected by the store's cap anyway)
_NOT_KEY = re.compile(r"[\W_]+")


class SheetError(ValueError):
    """The file cannot be imported at all; the message is for the person importing it."""


@dataclass(frozen=True)
class Columns:
    question: str
    answer: str
    department: Optional[str] = None
    keywords: Optional[str] = None


def _header_key(text: str) -> str:
    return _NOT_KEY.sub("", halfwidth(text).lower())


def read_sheet(data: bytes, columns: Columns, filename: str = "", sheet: Optional[str] = None) -> List[SheetRow]:
    """The file's rows as :class:`SheetRow` values (rejected cells already carry their problem)."""
    table = read_table(data, filename, sheet)
    return rows_from_table(table, columns)


def read_file(path: Path, columns: Columns, sheet: Optional[str] = None) -> List[SheetRow]:
    return rows_from_table(read_file_table(path, sheet), columns)


def read_file_table(path: Path, sheet: Optional[str] = None) -> List[Tuple[int, List[str]]]:
    """:func:`read_table` of a file on disk (an unreadable file is a :class:`SheetError`)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SheetError(f"读不了文件 {path}：{exc.strerror or exc}") from None
    return read_table(data, path.name, sheet)


def read_table(data: bytes, filename: str = "", sheet: Optional[str] = None) -> List[Tuple[int, List[str]]]:
    """(row number, cells as text) of every non-empty row."""
    if not data:
        raise SheetError("文件是空的")
    if data[:4] == b"PK\x03\x04":
        return _xlsx(data, sheet)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise SheetError("这是旧版 Excel（.xls）文件，不支持；请在 Excel 中另存为 .xlsx 或 .csv 后再导入")
    if sheet:
        raise SheetError("csv 文件没有工作表，请去掉 --sheet")
    return _csv(data, filename)


def _xlsx(data: bytes, sheet: Optional[str]) -> List[Tuple[int, List[str]]]:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    try:
        # data_only=False: a formula cell reads as its formula text ("=HYPERLINK(...)"), never its cached value
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise SheetError(f"不是有效的 xlsx 电子表格（{type(exc).__name__}）") from None
    except Exception as exc:  # openpyxl's InvalidFileException and other parse failures
        raise SheetError(f"不是有效的 xlsx 电子表格（{type(exc).__name__}）") from None
    try:
        if sheet is not None:
            if sheet not in workbook.sheetnames:
                raise SheetError(f"找不到工作表「{sheet}」；文件中的工作表：{'、'.join(workbook.sheetnames)}")
            ws = workbook[sheet]
        else:
            ws = workbook.worksheets[0] if workbook.worksheets else None
            if ws is None:
                raise SheetError("文件中没有工作表")
        rows: List[Tuple[int, List[str]]] = []
        for number, values in enumerate(ws.iter_rows(values_only=True), 1):
            cells = [_cell_text(v) for v in values]
            if any(cells):
                rows.append((number, cells))
        return rows
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.time() != time(0) else value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:MAX_CELL]


def _csv(data: bytes, filename: str) -> List[Tuple[int, List[str]]]:
    if b"\x00" in data[:4096]:
        raise SheetError("不是电子表格：文件是二进制内容（请用 .xlsx 或 .csv）")
    text: Optional[str] = None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise SheetError("不是电子表格：文件不是 UTF-8 或 GB18030 编码的文字")
    if text.lstrip().startswith(("%PDF", "<!DOCTYPE", "<html", "{", "[")):
        raise SheetError(f"不是电子表格：{filename or '文件'} 看起来是 PDF、网页或 JSON（请用 .xlsx 或 .csv）")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    csv.field_size_limit(max(MAX_CELL * 4, 131072))
    rows: List[Tuple[int, List[str]]] = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for values in reader:
            cells = [v[:MAX_CELL] for v in values]
            if any(c.strip() for c in cells):
                rows.append((reader.line_num, cells))
    except csv.Error as exc:
        raise SheetError(f"csv 格式错误：{exc}") from None
    return rows


def _find(headers: Sequence[str], wanted: str) -> Optional[int]:
    for i, h in enumerate(headers):
        if h.strip() == wanted.strip():
            return i
    key = _header_key(wanted)
    for i, h in enumerate(headers):
        if key and _header_key(h) == key:
            return i
    return None


def locate_columns(table: Sequence[Tuple[int, List[str]]],
                   wanted: Sequence[Tuple[str, Optional[str]]]) -> Dict[str, int]:
    """Position of each wanted column, ``(label, header text)`` → ``{label: index}`` (a ``None``
    header is optional and left out). The header is the table's first row; a header that is not
    there is a :class:`SheetError` naming it (by its label, e.g. 问题列) and the headers the file has."""
    if not table:
        raise SheetError("文件中没有任何内容（没有表头行）")
    _number, headers = table[0]
    seen = [h.strip() for h in headers if h and h.strip()]
    index: Dict[str, int] = {}
    for label, header in wanted:
        if header is None:
            continue
        position = _find(headers, header)
        if position is None:
            raise SheetError(f"找不到{label}「{header}」；表头有：{'、'.join(seen) or '（空）'}")
        index[label] = position
    return index


def rows_from_table(table: Sequence[Tuple[int, List[str]]], columns: Columns) -> List[SheetRow]:
    index = locate_columns(table, [("问题列", columns.question), ("答案列", columns.answer),
                                   ("部门列", columns.department), ("关键词列", columns.keywords)])
    out: List[SheetRow] = []
    for number, cells in table[1:]:
        values = {label: (cells[i] if i < len(cells) else "") for label, i in index.items()}
        formula = next((label for label, v in values.items() if v.lstrip().startswith("=")), None)
        if formula is not None:
            shown = values[formula].strip()
            shown = shown if len(shown) <= 40 else shown[:40] + "…"
            out.append(SheetRow(number, problem=f"{formula[:-1]}是公式（{shown}），不计算公式；请改为文字"))
            continue
        out.append(SheetRow(number, values["问题列"].strip(), values["答案列"].strip(),
                            values.get("部门列", "").strip(), values.get("关键词列", "").strip()))
    return out


def write_csv(path: Path, rows: Iterable[Sequence[str]], header: Sequence[str]) -> None:
    """A UTF-8 csv with a BOM (Excel opens it as UTF-8)."""
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
