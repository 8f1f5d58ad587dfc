"""Reading and validating the registry seed (data/registry/): YAML files to plain records.

Nothing here touches the database. Every problem in every file is collected, so one run of
``python -m bot registry check`` names them all; :func:`load_seed` raises only at the end.
The field-level checks live in :mod:`bot.registry.schema`.
"""
from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

import yaml

from bot.registry.legal import check_refs
from bot.registry.schema import (
    AUDIENCES,
    MATERIAL_FORMS,
    NOT_LICENCES,
    SUBMIT_MODES,
    Checker,
    Problem,
    RegistryError,
)

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 5 * 1024 * 1024


def _read_yaml(path: Path, checker: Checker) -> Optional[Dict[str, Any]]:
    if path.stat().st_size > MAX_FILE_BYTES:
        checker.fail("-", "-", f"文件超过 {MAX_FILE_BYTES // 1024 // 1024} MB")
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        checker.fail("-", "-", "文件不是 UTF-8 编码")
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark else "-"
        checker.fail(where, "-", f"YAML 格式错误：{getattr(exc, 'problem', exc)}")
        return None
    if not isinstance(data, dict):
        checker.fail("-", "-", "顶层应为映射（含 meta 和 items/locations）")
        return None
    return data


def _meta(data: Dict[str, Any], checker: Checker) -> Tuple[str, Optional[date]]:
    meta = data.get("meta")
    if not isinstance(meta, dict):
        checker.fail("meta", "meta", "缺少 meta（source、updated）")
        return "", None
    return checker.text(meta, "meta", "source") or "", checker.day(meta, "meta", "updated", None)


def _entries(path: Path, checker: Checker, key: str,
             label: Tuple[str, ...]) -> Iterator[Tuple[str, Dict[str, Any], str, Optional[date]]]:
    """Each record of a seed file's list ``key`` with its display name and the file's meta;
    an unreadable file, a missing list or a record that is no mapping is a problem, not a stop."""
    data = _read_yaml(path, checker)
    if data is None:
        return
    source, updated = _meta(data, checker)
    raw = data.get(key)
    if not isinstance(raw, list):
        checker.fail("-", key, "应为列表")
        return
    for index, rec in enumerate(raw):
        name = f"{key}[{index}]"
        if not isinstance(rec, dict):
            checker.fail(name, "-", "应为映射")
            continue
        shown = next((rec[f] for f in label if rec.get(f)), "?")
        yield f"{name} {shown}", rec, source, updated


def parse_locations(path: Path) -> Tuple[List[Dict[str, Any]], List[Problem]]:
    """The service centres of ``locations.yaml`` and every problem found (also used by open data)."""
    checker = Checker(path.name)
    records: List[Dict[str, Any]] = []
    for name, rec, source, updated in _entries(path, checker, "locations", ("code",)):
        out = {
            "code": checker.code(rec, name),
            "name": checker.text(rec, name, "name"),
            "district": checker.text(rec, name, "district", required=False),
            "address": checker.text(rec, name, "address"),
            "phone": checker.text(rec, name, "phone"),
            "latitude": _coordinate(checker, rec, name, "latitude", -90, 90),
            "longitude": _coordinate(checker, rec, name, "longitude", -180, 180),
            "hours": checker.hours(rec, name),
            "hours_note": checker.text(rec, name, "hours_note", required=False) or "",
            "transport": checker.text(rec, name, "transport", required=False) or "",
            "source": source,
            "updated": checker.day(rec, name, "updated", updated),
        }
        records.append(out)
    _check_unique(checker, records, "code")
    return records, checker.problems


def _coordinate(
    checker: Checker, rec: Dict[str, Any], name: str, field_name: str, low: float, high: float
) -> Optional[float]:
    value = rec.get(field_name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        checker.fail(name, field_name, f"坐标应为 {low}..{high} 的数字，实际为 {value!r}")
        return None
    return float(value)


def _check_unique(checker: Checker, records: List[Dict[str, Any]], key: str) -> None:
    seen: Dict[str, int] = {}
    for index, rec in enumerate(records):
        value = rec.get(key)
        if value is None:
            continue
        if value in seen:
            checker.fail(f"#{index} {value}", key, f"与 #{seen[value]} 重复")
        seen[value] = index


def _default(value: Optional[int], default: int) -> int:
    return default if value is None else value


def _mappings(checker: Checker, raw: Any, name: str, key: str) -> Iterator[Tuple[str, Dict[str, Any]]]:
    """Each mapping of a record's optional list ``key`` with the name problems are filed under."""
    if raw is None:
        return
    if not isinstance(raw, list):
        checker.fail(name, key, "应为列表")
        return
    for index, rec in enumerate(raw):
        where = f"{name} {key}[{index}]"
        if not isinstance(rec, dict):
            checker.fail(where, "-", "应为映射")
            continue
        yield where, rec


def _materials(checker: Checker, raw: Any, name: str) -> List[Dict[str, Any]]:
    out = []
    for where, rec in _mappings(checker, raw, name, "materials"):
        material = checker.text(rec, where, "name", max_len=200)
        form = checker.text(rec, where, "form")
        if form in ("电子证照", "原件或电子证照"):
            checker.fail(where, "form", f"材料形式只写纸质的 {'/'.join(sorted(MATERIAL_FORMS))}；"
                                        f"可出示电子证照的写 submit: 电子证照：{form!r}")
        elif form and form not in MATERIAL_FORMS:
            checker.fail(where, "form", f"应为 {sorted(MATERIAL_FORMS)} 之一：{form!r}")
        submit = checker.text(rec, where, "submit", max_len=20)
        if submit and submit not in SUBMIT_MODES:
            checker.fail(where, "submit", f"应为 {'/'.join(SUBMIT_MODES)} 之一：{submit!r}")
        elif submit == "电子证照" and material and any(word in material for word in NOT_LICENCES):
            checker.fail(where, "submit",
                         f"「{material}」不是证照，不能按电子证照提交（照片、网址、银行账户等写 纸质 或 免提交）")
        out.append({
            "name": material,
            "form": form,
            "submit": submit,
            "copies": _default(checker.integer(rec, where, "copies", required=False, low=0, high=20), 1),
            "required": checker.boolean(rec, where, "required", True),
            "origin": checker.text(rec, where, "origin", required=False) or "申请人自备",
            "note": checker.text(rec, where, "note", required=False) or "",
        })
    return out


def parse_items(path: Path, location_codes: Set[str]) -> Tuple[List[Dict[str, Any]], List[Problem]]:
    """The items of one ``items/*.yaml`` file; ``handled_at`` may name only ``location_codes``."""
    checker = Checker(path.name)
    # every item carries its own date: the file's meta.updated is no default for it
    records = [check_item(checker, name, rec, location_codes, source, None)
               for name, rec, source, _file_updated in _entries(path, checker, "items", ("name", "code"))]
    return records, checker.problems


def validate_item(rec: Any, location_codes: Set[str], *, where: str = "item", source: str = "",
                  updated: Optional[date] = None) -> Tuple[Dict[str, Any], List[Problem]]:
    """One item in seed format (from the console, a spreadsheet row, ...), checked by the same
    rules as the seed files: the clean record and every problem (empty when valid)."""
    checker = Checker(where)
    if not isinstance(rec, dict):
        checker.fail(where, "-", "应为映射")
        return {}, checker.problems
    record = check_item(checker, str(rec.get("name") or rec.get("code") or "?"), rec, location_codes,
                        str(rec.get("source") or source), updated)
    return record, checker.problems


def check_item(checker: Checker, name: str, rec: Dict[str, Any], location_codes: Set[str], source: str,
               updated: Optional[date]) -> Dict[str, Any]:
    """The clean seed-format record of one item; problems go to ``checker``."""
    audience = checker.str_list(rec, name, "audience", required=True)
    for who in audience:
        if who not in AUDIENCES:
            checker.fail(name, "audience", f"应为 {sorted(AUDIENCES)} 之一：{who!r}")
    handled_at = checker.str_list(rec, name, "handled_at", required=True)
    for code in handled_at:
        if code not in ("district", "city") and code not in location_codes:
            checker.fail(name, "handled_at", f"未知的办理地点编码 {code!r}")
    situations = []
    for where, srec in _mappings(checker, rec.get("situations") or None, name, "situations"):
        situations.append({
            "code": checker.code(srec, where),
            "name": checker.text(srec, where, "name", max_len=100),
            "keywords": checker.str_list(srec, where, "keywords", required=False),
            "description": checker.text(srec, where, "description", required=False) or "",
            "promised_limit_days": checker.integer(srec, where, "promised_limit_days", required=False),
            "fee": checker.text(srec, where, "fee", required=False),
            "materials": _materials(checker, srec.get("materials"), where),
        })
    _check_unique(checker, situations, "code")
    if situations and not rec.get("situation_question"):
        checker.fail(name, "situation_question", "有情形时必须给出区分情形的问题")
    steps = []
    for where, srec in _mappings(checker, rec.get("steps") or None, name, "steps"):
        steps.append({
            "name": checker.text(srec, where, "name", max_len=100),
            "description": checker.text(srec, where, "description", required=False, max_len=500) or "",
            "time_limit": checker.text(srec, where, "time_limit", required=False, max_len=100) or "",
        })
    return {
        "code": checker.code(rec, name),
        "name": checker.text(rec, name, "name", max_len=200),
        "aliases": checker.str_list(rec, name, "aliases", required=False),
        "keywords": checker.str_list(rec, name, "keywords", required=False),
        "category": checker.text(rec, name, "category", max_len=100),
        "item_type": checker.text(rec, name, "item_type", max_len=50),
        "agency": checker.text(rec, name, "agency", max_len=200),
        "level": checker.text(rec, name, "level", required=False, max_len=50) or "区级",
        "legal_basis": _legal_basis(checker, rec, name),
        "audience": audience,
        "conditions": checker.text(rec, name, "conditions", max_len=2000),
        "legal_limit_days": checker.integer(rec, name, "legal_limit_days", required=False),
        "promised_limit_days": checker.integer(rec, name, "promised_limit_days", required=True),
        "limit_note": checker.text(rec, name, "limit_note", required=False) or "",
        "manual_review": checker.text(rec, name, "manual_review", required=False, max_len=300) or "",
        "fee": checker.text(rec, name, "fee"),
        "fee_basis": checker.text(rec, name, "fee_basis"),  # also for free items: why nothing is charged
        "online_url": checker.text(rec, name, "online_url", required=False) or "",
        "online_depth": checker.text(rec, name, "online_depth", required=False, max_len=50) or "",
        "appointment": checker.boolean(rec, name, "appointment", False),
        "express_delivery": checker.boolean(rec, name, "express_delivery", False),
        "max_visits": checker.integer(rec, name, "max_visits", required=True, high=10),
        "consult_phone": checker.text(rec, name, "consult_phone", max_len=100),
        "complaint_phone": checker.text(rec, name, "complaint_phone", max_len=100),
        "situation_question": checker.text(rec, name, "situation_question", required=False, max_len=200) or "",
        "handled_at": handled_at,
        "situations": situations,
        "materials": _materials(checker, rec.get("materials"), name),
        "steps": steps,
        "source": source,
        "version": str(rec.get("version") or ""),
        "updated": _updated(checker, rec, name, updated),
    }


def _legal_basis(checker: Checker, rec: Dict[str, Any], name: str) -> List[Dict[str, str]]:
    """The item's legal basis as records (bot/registry/legal.py); a list or its text form is accepted."""
    records, problems = check_refs(rec.get("legal_basis"))
    for field_path, message in problems:
        checker.fail(name, field_path, message)
    return records


def _updated(checker: Checker, rec: Dict[str, Any], name: str, default: Optional[date]) -> Optional[date]:
    if rec.get("updated") is None and default is None:
        checker.fail(name, "updated", "缺少必填字段 (required field missing)：每个事项写自己的更新日期 YYYY-MM-DD")
        return None
    return checker.day(rec, name, "updated", default)


def load_seed(directory: Path) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """Parse and validate the whole seed; raises RegistryError listing every problem."""
    problems: List[Problem] = []
    loc_path = directory / "locations.yaml"
    if not loc_path.exists():
        raise RegistryError(f"{loc_path}: 文件不存在")
    locations, found = parse_locations(loc_path)
    problems += found
    codes = {rec["code"] for rec in locations if rec.get("code")}
    items: List[Dict[str, Any]] = []
    item_files = sorted((directory / "items").glob("*.yaml")) + sorted((directory / "items").glob("*.yml"))
    if not item_files:
        raise RegistryError(f"{directory / 'items'}: 没有事项文件")
    for path in item_files:
        records, found = parse_items(path, codes)
        items += records
        problems += found
    _cross_checks(items, problems)
    if problems:
        raise RegistryError("\n".join(str(p) for p in problems))
    logger.debug("registry seed %s: %s items, %s locations valid", directory, len(items), len(locations))
    return locations, items


def _cross_checks(items: List[Dict[str, Any]], problems: List[Problem]) -> None:
    """Codes, names and aliases must be unique across files: they feed the NLU dictionary."""
    owners: Dict[str, Optional[str]] = {}
    codes: Dict[Optional[str], Optional[str]] = {}
    for rec in items:
        if rec.get("code") in codes:
            problems.append(Problem("items", rec["name"] or "?", "code", f"编码与「{codes[rec['code']]}」重复"))
        codes[rec.get("code")] = rec.get("name")
        for term in [rec.get("name"), *rec.get("aliases", [])]:
            if not term:
                continue
            if term in owners and owners[term] != rec.get("name"):
                problems.append(Problem("items", rec["name"] or "?", "aliases", f"「{term}」已属于「{owners[term]}」"))
            owners[term] = rec.get("name")
