"""The legal basis (设定依据) of a registry item: references to laws, as records and as one line of text.

Seed format (data/registry/FORMAT.md)::

    legal_basis:
      - {law: 《居住证暂行条例》, article: 第十条, doc_no: 国务院令第663号, effective: 2016-01-01}
      - {law: 《婚姻登记条例》, doc_no: 国务院令第804号, version: 2025年修订}

The text form is what a spreadsheet cell, the console and the answers show, references separated
by ``；``::

    《居住证暂行条例》第十条（国务院令第663号，2016年1月1日施行）；《婚姻登记条例》（国务院令第804号，2025年修订）

Records and text are exact inverses for every valid record, because :func:`check_refs` refuses
what the text could not carry back (a ``；`` in an article, a note that reads like a document
number …). Nothing here touches the database.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

FIELDS = ("law", "article", "doc_no", "version", "effective", "note")
LAW_RE = re.compile(r"^《[^《》；;]+》$")
DOC_NO_RE = re.compile(r"^[\u4e00-\u9fffA-Za-z]*(?:〔\d{4}〕\d+号|令第\d+号|公告\d{4}年第\d+号|第\d+号)$")
VERSION_RE = re.compile(r"^\d{4}年[^；;（）()，,《》]{0,10}(?:修订|修正|修改|版)$")
EFFECTIVE_RE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日施行$")
FORBIDDEN = re.compile(r"[；;（）()，,《》]")  # would break the text form
MAX_REFS = 10
LABELS = {"law": "法律法规名称", "article": "条款", "doc_no": "文号", "version": "版本", "effective": "施行日期",
          "note": "说明"}
MAX_PART = 100


@dataclass(frozen=True)
class LegalRef:
    """One reference: the law's name in 《》, then what the answer may add."""

    law: str
    article: str = ""  # 第十条, 第二十四条、第二十五条
    doc_no: str = ""  # 国务院令第663号, 发改价格〔2003〕2322号
    version: str = ""  # 2025年修订
    effective: str = ""  # ISO date it took effect: 2016-01-01
    note: str = ""  # 示例 (the sample city's own rules)

    @classmethod
    def from_record(cls, rec: Mapping[str, Any]) -> LegalRef:
        return cls(**{f: str(rec.get(f) or "") for f in FIELDS})

    @property
    def text(self) -> str:
        extra = [self.doc_no, self.version, _effective_text(self.effective) if self.effective else "", self.note]
        extra = [part for part in extra if part]
        return f"{self.law}{self.article}" + (f"（{'，'.join(extra)}）" if extra else "")

    def record(self) -> Dict[str, str]:
        """The seed-format mapping: only the fields that are set, in :data:`FIELDS` order."""
        return {f: getattr(self, f) for f in FIELDS if getattr(self, f)}


def _effective_text(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day.year}年{day.month}月{day.day}日施行"


def refs_text(refs: Sequence[Any]) -> str:
    """The text form of records or :class:`LegalRef` s ("" for none)."""
    return "；".join((r if isinstance(r, LegalRef) else LegalRef.from_record(r)).text for r in refs)


def parse_text(text: str) -> Tuple[List[Dict[str, str]], List[str]]:
    """The records a text form holds, and what is wrong with it (field path, message)."""
    records: List[Dict[str, str]] = []
    problems: List[str] = []
    parts = [p.strip() for p in re.split(r"[；;]", text or "") if p.strip()]
    for index, part in enumerate(parts):
        match = re.match(r"^(《[^》]*》)([^（(]*)(?:[（(](.*)[）)])?$", part)
        if not match:
            problems.append(f"第{index + 1}项「{part[:40]}」应以《法律法规名称》开头，"
                            "如：《居住证暂行条例》第十条（国务院令第663号，2016年1月1日施行）")
            continue
        rec = {"law": match.group(1), "article": match.group(2).strip()}
        for extra in (e.strip() for e in re.split(r"[，,]", match.group(3) or "") if e.strip()):
            kind, value = _classify(extra)
            if rec.get(kind):
                problems.append(f"第{index + 1}项：括号里有两个{LABELS[kind]}（「{rec[kind]}」「{value}」）")
            rec[kind] = value
        records.append({f: rec[f] for f in FIELDS if rec.get(f)})
    return records, problems


def _classify(extra: str) -> Tuple[str, str]:
    """What one part inside the brackets is: a document number, a version, an effective date or a note."""
    if DOC_NO_RE.match(extra):
        return "doc_no", extra
    if VERSION_RE.match(extra):
        return "version", extra
    found = EFFECTIVE_RE.match(extra)
    if found:
        try:
            return "effective", date(*(int(g) for g in found.groups())).isoformat()
        except ValueError:
            pass
    return "note", extra


def check_refs(value: Any) -> Tuple[List[Dict[str, str]], List[Tuple[str, str]]]:
    """A seed-format ``legal_basis`` (a list of mappings, or the text form) as clean records, and
    its problems as ``(field path, message)``; at least one reference is required."""
    if value is None or (isinstance(value, (str, list)) and not value):
        return [], [("legal_basis", "缺少必填字段 (required field missing)：至少写一部法律法规，如 《居住证暂行条例》")]
    if isinstance(value, str):
        if len(value) > 2000:
            return [], [("legal_basis", "超过 2000 字")]
        records, messages = parse_text(value)
        value = records
        problems = [("legal_basis", m) for m in messages]
    elif isinstance(value, list):
        problems = []
    else:
        kind = type(value).__name__
        return [], [("legal_basis", f"应为列表（law、article、doc_no、version、effective）或文本，实际为 {kind}")]
    if len(value) > MAX_REFS:
        problems.append(("legal_basis", f"最多 {MAX_REFS} 项"))
    clean: List[Dict[str, str]] = []
    for index, raw in enumerate(value[:MAX_REFS]):
        where = f"legal_basis[{index}]"
        if isinstance(raw, str):
            parsed, messages = parse_text(raw)
            problems += [(where, m) for m in messages]
            if len(parsed) != 1:
                if not messages:
                    problems.append((where, "每项写一部法律法规"))
                continue
            raw = parsed[0]
        if not isinstance(raw, dict):
            problems.append((where, "应为映射（law、article、doc_no、version、effective、note）"))
            continue
        rec, found = _check_one(raw, where)
        problems += found
        if rec is not None:
            clean.append(rec)
    return clean, problems


def _check_one(raw: Dict[str, Any], where: str) -> Tuple[Optional[Dict[str, str]], List[Tuple[str, str]]]:
    problems: List[Tuple[str, str]] = []
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        problems.append((where, f"未知的键 {unknown}（可用 {list(FIELDS)}）"))
    rec: Dict[str, str] = {}
    for field in FIELDS:
        value = raw.get(field)
        if value is None or value == "":
            continue
        if field == "effective" and isinstance(value, date):
            value = value.isoformat()
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            problems.append((f"{where}.{field}", f"应为文本，实际为 {type(value).__name__}"))
            continue
        rec[field] = str(value).strip()
    law = rec.get("law", "")
    if not law:
        problems.append((f"{where}.law", "缺少必填字段 (required field missing)：法律法规名称，如 《居住证暂行条例》"))
    elif not LAW_RE.match(law) or len(law) > MAX_PART:
        problems.append((f"{where}.law", f"应为书名号括起的名称，如 《居住证暂行条例》：{law[:40]!r}"))
    for field in ("article", "note"):
        if field in rec and (FORBIDDEN.search(rec[field]) or len(rec[field]) > MAX_PART):
            problems.append((f"{where}.{field}", f"不能含 ；，（）《》，不超过 {MAX_PART} 字：{rec[field][:40]!r}"))
    if "article" in rec and not rec["article"].startswith("第"):
        problems.append((f"{where}.article", f"条款应以「第」开头，如 第十条：{rec['article'][:40]!r}"))
    if "doc_no" in rec and not DOC_NO_RE.match(rec["doc_no"]):
        problems.append((f"{where}.doc_no", f"文号应如 国务院令第663号、发改价格〔2003〕2322号："
                         f"{rec['doc_no'][:40]!r}"))
    if "version" in rec and not VERSION_RE.match(rec["version"]):
        problems.append((f"{where}.version", f"版本应如 2025年修订、2018年修正：{rec['version'][:40]!r}"))
    if "effective" in rec:
        try:
            rec["effective"] = date.fromisoformat(rec["effective"]).isoformat()
        except ValueError:
            problems.append((f"{where}.effective", f"施行日期应为 YYYY-MM-DD：{rec['effective'][:40]!r}"))
    if "note" in rec and _classify(rec["note"])[0] != "note":
        problems.append((f"{where}.note", f"「{rec['note']}」是文号、版本或施行日期，请写在对应的键里"))
    if problems:
        return None, problems
    return {f: rec[f] for f in FIELDS if rec.get(f)}, []


def refs_from_stored(value: Optional[str]) -> List[Dict[str, str]]:
    """What the database column holds (JSON; older rows: the free text of the first version) as records.
    Old free text that does not parse is kept whole as the law's name, so nothing is lost on display."""
    if not value:
        return []
    try:
        loaded = json.loads(value)
    except ValueError:
        loaded = None
    if isinstance(loaded, list):
        return [r for r in loaded if isinstance(r, dict)]
    records, problems = parse_text(value)
    return records if records and not problems else [{"law": value}]


def stored(records: Optional[Sequence[Mapping[str, Any]]]) -> Optional[str]:
    """Records as the database column keeps them (JSON text)."""
    if records is None:
        return None
    return json.dumps([dict(r) for r in records], ensure_ascii=False)


__all__ = ["FIELDS", "LegalRef", "check_refs", "parse_text", "refs_from_stored", "refs_text", "stored"]
