"""Create, read, update, soft-delete, restore and import FAQ entries — each change and its audit
entry (``entity="faq_entry"``, key the entry id, before → after) in one transaction.

Every function takes an ``actor`` (a username, or :func:`bot.audit.log.cli_actor`) and a ``source``
(``console`` | ``cli`` | ``import``). Refusals raise :class:`FaqError` with a Chinese message for the
administrator and an HTTP status. Only frozen :class:`FaqView` values leave a session.

Reverting (:func:`bot.audit.log.revert`) goes through the reverter registered here at import
time: the entry goes back to the change's ``before`` (a creation is soft-deleted).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.audit.log import AuditError, AuditView, record, register_reverter
from bot.db import session_scope
from bot.faq.models import DEFAULT_SOURCE, MAX_ANSWER, MAX_DEPARTMENT, MAX_KEYWORDS, MAX_QUESTION, FaqEntry
from bot.nlu.textnorm import halfwidth, simplified

logger = logging.getLogger(__name__)

ENTITY = "faq_entry"
_NOT_KEY = re.compile(r"[\W_]+")
_KEYWORD_SPLIT = re.compile(r"[,，、;；/\s]+")


class FaqError(ValueError):
    """A refused change; the message is for the administrator."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class FaqView:
    id: int
    question: str
    answer: str
    department: str
    keywords: Tuple[str, ...]
    source: str
    created_at: datetime
    updated_at: datetime
    deleted_at: Optional[datetime] = None

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    def as_dict(self) -> Dict[str, Any]:
        return {"id": self.id, "question": self.question, "answer": self.answer, "department": self.department,
                "keywords": list(self.keywords), "source": self.source, "created_at": self.created_at.isoformat(),
                "updated_at": self.updated_at.isoformat(), "deleted": self.deleted,
                "deleted_at": self.deleted_at.isoformat() if self.deleted_at else None}


def question_key(question: str) -> str:
    """The form in which two questions count as the same: 繁→简, half width, lower case, no
    spaces or punctuation ("公积金怎么提取？" == "公积金 怎么提取")."""
    return _NOT_KEY.sub("", simplified(halfwidth(question or "")).lower())


def parse_keywords(value: Any) -> Tuple[str, ...]:
    """Keywords from a list or from text separated by commas, 、, semicolons, slashes or spaces."""
    items = value if isinstance(value, (list, tuple)) else _KEYWORD_SPLIT.split(str(value or ""))
    return tuple(dict.fromkeys(str(k).strip() for k in items if str(k).strip()))


@dataclass(frozen=True)
class Fields:
    """A validated entry's editable fields."""

    question: str
    answer: str
    department: str = ""
    keywords: Tuple[str, ...] = ()
    source: str = DEFAULT_SOURCE


def check_fields(question: Any, answer: Any, department: Any = "", keywords: Any = (),
                 source: Any = None) -> Fields:
    """Trimmed, validated fields; :class:`FaqError` naming the first problem."""
    q = _text(question, "问题")
    a = _text(answer, "答案")
    d = _text(department, "部门")
    if not q:
        raise FaqError("问题不能为空")
    if not a:
        raise FaqError("答案不能为空")
    if len(q) > MAX_QUESTION:
        raise FaqError(f"问题太长：{len(q)} 个字，最多 {MAX_QUESTION} 个字")
    if len(a) > MAX_ANSWER:
        raise FaqError(f"答案太长：{len(a)} 个字，最多 {MAX_ANSWER} 个字")
    if len(d) > MAX_DEPARTMENT:
        raise FaqError(f"部门名称太长：{len(d)} 个字，最多 {MAX_DEPARTMENT} 个字")
    kws = parse_keywords(keywords)
    if sum(len(k) + 1 for k in kws) > MAX_KEYWORDS:
        raise FaqError(f"关键词太长：合计最多 {MAX_KEYWORDS} 个字")
    src = _text(source, "来源") or DEFAULT_SOURCE
    return Fields(q, a, d, kws, src[:100])


def _text(value: Any, label: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise FaqError(f"{label}须为文字")
    return value.strip()


def _view(row: FaqEntry) -> FaqView:
    return FaqView(int(row.id), row.question, row.answer, row.department or "", tuple(row.keywords or ()),
                   row.source or DEFAULT_SOURCE, row.created_at, row.updated_at, row.deleted_at)


def audit_dict(row: FaqEntry) -> Dict[str, Any]:
    """The record as the audit log keeps it (before / after)."""
    return {"question": row.question, "answer": row.answer, "department": row.department or "",
            "keywords": list(row.keywords or []), "source": row.source or DEFAULT_SOURCE,
            "deleted": row.deleted_at is not None}


def _now() -> datetime:
    return datetime.now(timezone.utc)


# -- reading ---------------------------------------------------------------------------------
def list_entries(query: str = "", include_deleted: bool = False, deleted_only: bool = False,
                 limit: int = 200, offset: int = 0) -> Tuple[List[FaqView], int]:
    """Entries newest first (question, answer, department or keyword containing ``query``) and the total."""
    with session_scope() as session:
        stmt = select(FaqEntry)
        if deleted_only:
            stmt = stmt.where(FaqEntry.deleted_at.is_not(None))
        elif not include_deleted:
            stmt = stmt.where(FaqEntry.deleted_at.is_(None))
        if query.strip():
            like = f"%{query.strip()}%"
            stmt = stmt.where(or_(FaqEntry.question.like(like), FaqEntry.answer.like(like),
                                  FaqEntry.department.like(like)))
        total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
        rows = session.execute(stmt.order_by(FaqEntry.updated_at.desc(), FaqEntry.id.desc())
                               .limit(limit).offset(offset)).scalars()
        return [_view(r) for r in rows], int(total)


def live_entries(session: Session) -> List[FaqView]:
    """Every live entry (for the search index)."""
    rows = session.execute(select(FaqEntry).where(FaqEntry.deleted_at.is_(None)).order_by(FaqEntry.id)).scalars()
    return [_view(r) for r in rows]


def fingerprint(session: Session) -> str:
    """Changes whenever an entry is added, changed, deleted or restored (every change sets updated_at)."""
    count, latest, last_id = session.execute(
        select(func.count(FaqEntry.id), func.max(FaqEntry.updated_at), func.max(FaqEntry.id))
        .where(FaqEntry.deleted_at.is_(None))).one()
    deleted = session.execute(select(func.count(FaqEntry.id)).where(FaqEntry.deleted_at.is_not(None))).scalar_one()
    return f"{count}:{latest}:{last_id}:{deleted}"


def get_entry(entry_id: int) -> FaqView:
    with session_scope() as session:
        return _view(_row(session, entry_id))


def _row(session: Session, entry_id: int) -> FaqEntry:
    row = session.get(FaqEntry, entry_id)
    if row is None:
        raise FaqError(f"常见问题 {entry_id} 不存在", 404)
    return row


def _clash(session: Session, key: str, except_id: Optional[int] = None) -> Optional[FaqEntry]:
    stmt = select(FaqEntry).where(FaqEntry.question_key == key, FaqEntry.deleted_at.is_(None))
    if except_id is not None:
        stmt = stmt.where(FaqEntry.id != except_id)
    return session.execute(stmt.limit(1)).scalars().first()


def _duplicate(row: FaqEntry) -> FaqError:
    return FaqError(f"已有相同的问题（编号 {row.id}）：{row.question}", 409)


# -- changing ------------------------------------------------------------------------------
def create_entry(fields: Fields, actor: str, source: str = "console") -> FaqView:
    with session_scope() as session:
        return _view(_create(session, fields, actor, source))


def _create(session: Session, fields: Fields, actor: str, source: str, now: Optional[datetime] = None) -> FaqEntry:
    key = question_key(fields.question)
    clash = _clash(session, key)
    if clash is not None:
        raise _duplicate(clash)
    now = now or _now()
    row = FaqEntry(question=fields.question, question_key=key, answer=fields.answer, department=fields.department,
                   keywords=list(fields.keywords), source=fields.source, created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    record(session, actor=actor, source=source, entity=ENTITY, key=str(row.id), action="create",
           summary=fields.question, after=audit_dict(row), now=now)
    return row


def update_entry(entry_id: int, fields: Fields, actor: str, source: str = "console") -> FaqView:
    with session_scope() as session:
        row = _row(session, entry_id)
        if row.deleted_at is not None:
            raise FaqError(f"常见问题 {entry_id} 已删除，请先恢复", 409)
        _update(session, row, fields, actor, source)
        return _view(row)


def _update(session: Session, row: FaqEntry, fields: Fields, actor: str, source: str,
            now: Optional[datetime] = None) -> bool:
    """Apply ``fields``; False (and no audit entry) when nothing changes."""
    key = question_key(fields.question)
    clash = _clash(session, key, except_id=int(row.id))
    if clash is not None:
        raise _duplicate(clash)
    before = audit_dict(row)
    row.question, row.question_key, row.answer = fields.question, key, fields.answer
    row.department, row.keywords, row.source = fields.department, list(fields.keywords), fields.source
    after = audit_dict(row)
    if after == before:
        return False
    row.updated_at = now or _now()
    session.flush()
    record(session, actor=actor, source=source, entity=ENTITY, key=str(row.id), action="update",
           summary=fields.question, before=before, after=after, now=row.updated_at)
    return True


def delete_entry(entry_id: int, actor: str, source: str = "console") -> FaqView:
    """Soft delete: the entry leaves the search at once and can be restored."""
    with session_scope() as session:
        row = _row(session, entry_id)
        if row.deleted_at is not None:
            raise FaqError(f"常见问题 {entry_id} 已经删除", 409)
        _delete(session, row, actor, source)
        return _view(row)


def _delete(session: Session, row: FaqEntry, actor: str, source: str, now: Optional[datetime] = None) -> None:
    before = audit_dict(row)
    now = now or _now()
    row.deleted_at = now
    row.updated_at = now
    session.flush()
    record(session, actor=actor, source=source, entity=ENTITY, key=str(row.id), action="delete",
           summary=row.question, before=before, after=audit_dict(row), now=now)


def restore_entry(entry_id: int, actor: str, source: str = "console") -> FaqView:
    with session_scope() as session:
        row = _row(session, entry_id)
        if row.deleted_at is None:
            raise FaqError(f"常见问题 {entry_id} 没有删除", 409)
        clash = _clash(session, row.question_key, except_id=int(row.id))
        if clash is not None:
            raise FaqError(f"不能恢复：已有相同的问题（编号 {clash.id}）", 409)
        before = audit_dict(row)
        now = _now()
        row.deleted_at = None
        row.updated_at = now
        session.flush()
        record(session, actor=actor, source=source, entity=ENTITY, key=str(row.id), action="restore",
               summary=row.question, before=before, after=audit_dict(row), now=now)
        return _view(row)


def _revert(session: Session, entry: AuditView, actor: str) -> None:
    """The audit log's reverter: the entry goes back to ``entry.before`` (a creation is deleted)."""
    row = session.get(FaqEntry, int(entry.key))
    if row is None:
        raise AuditError("这条常见问题已不存在，无法撤销", 404)
    before = audit_dict(row)
    now = _now()
    target = entry.before
    if target is None:  # undoing a creation: soft-delete
        if row.deleted_at is not None:
            raise AuditError("这条常见问题已经删除，无需撤销")
        row.deleted_at = now
    else:
        key = question_key(str(target.get("question", "")))
        if not target.get("deleted"):
            clash = _clash(session, key, except_id=int(row.id))
            if clash is not None:
                raise AuditError(f"不能撤销：已有相同的问题（编号 {clash.id}）")
        row.question, row.question_key = str(target.get("question", row.question)), key
        row.answer = str(target.get("answer", row.answer))
        row.department = str(target.get("department", row.department or ""))
        row.keywords = list(target.get("keywords") or [])
        row.source = str(target.get("source") or DEFAULT_SOURCE)
        row.deleted_at = (row.deleted_at or now) if target.get("deleted") else None
    after = audit_dict(row)
    if after == before:
        raise AuditError("这条常见问题已是修改前的样子，无需撤销")
    row.updated_at = now
    session.flush()
    record(session, actor=actor, source="cli" if actor.startswith("cli") else "console", entity=ENTITY, key=entry.key,
           action="revert", summary=f"撤销修改 #{entry.id}：{row.question}"[:300], before=before, after=after,
           reverts=entry.id, now=now)


register_reverter(ENTITY, _revert)


# -- import ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rejected:
    row: int  # the spreadsheet's row number (the header is row 1)
    reason: str

    def as_dict(self) -> Dict[str, Any]:
        return {"row": self.row, "reason": self.reason}


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0  # --replace: live entries the file no longer has (soft-deleted)
    rejected: List[Rejected] = field(default_factory=list)
    preview: bool = False

    def as_dict(self) -> Dict[str, Any]:
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged, "deleted": self.deleted,
                "rejected": [r.as_dict() for r in self.rejected], "preview": self.preview}


@dataclass(frozen=True)
class SheetRow:
    """One row as read from a spreadsheet (text cells), or the reason it was refused on reading."""

    row: int
    question: str = ""
    answer: str = ""
    department: str = ""
    keywords: str = ""
    problem: str = ""


def import_rows(rows: Iterable[SheetRow], actor: str, source: str = "import", replace: bool = False,
                preview: bool = False, progress: Optional[Callable[[int], None]] = None) -> ImportReport:
    """Add new questions, update changed ones, reject bad rows — all in one transaction.

    A question already in the file earlier is rejected (the first row wins). ``replace``: live
    entries whose question is not in the file are soft-deleted. ``preview``: the same report,
    nothing written (the transaction is rolled back).
    """
    report = ImportReport(preview=preview)
    with session_scope() as session:
        _import(session, rows, actor, source, replace, report, progress)
        if preview:
            session.rollback()
    logger.info("faq import by %s: %s added, %s updated, %s unchanged, %s deleted, %s rejected%s", actor,
                report.added, report.updated, report.unchanged, report.deleted, len(report.rejected),
                " (preview)" if preview else "")
    return report


def _import(session: Session, rows: Iterable[SheetRow], actor: str, source: str, replace: bool,
            report: ImportReport, progress: Optional[Callable[[int], None]]) -> None:
    live: Dict[str, FaqEntry] = {r.question_key: r for r in session.execute(
        select(FaqEntry).where(FaqEntry.deleted_at.is_(None))).scalars()}
    seen: Dict[str, int] = {}
    now = _now()
    for count, sheet_row in enumerate(rows, 1):
        if progress is not None:
            progress(count)
        if sheet_row.problem:
            report.rejected.append(Rejected(sheet_row.row, sheet_row.problem))
            continue
        try:
            fields = check_fields(sheet_row.question, sheet_row.answer, sheet_row.department, sheet_row.keywords)
        except FaqError as exc:
            report.rejected.append(Rejected(sheet_row.row, str(exc)))
            continue
        key = question_key(fields.question)
        if not key:
            report.rejected.append(Rejected(sheet_row.row, "问题只有标点或空白"))
            continue
        if key in seen:
            report.rejected.append(Rejected(sheet_row.row, f"与第 {seen[key]} 行的问题重复（保留第 {seen[key]} 行）"))
            continue
        seen[key] = sheet_row.row
        existing = live.get(key)
        if existing is None:
            live[key] = _create(session, fields, actor, source, now)
            report.added += 1
        elif _update(session, existing, fields, actor, source, now):
            report.updated += 1
        else:
            report.unchanged += 1
    if replace:
        for key, row in live.items():
            if key not in seen:
                _delete(session, row, actor, source, now)
                report.deleted += 1


def sheet_rows(records: Sequence[Mapping[str, Any]]) -> List[SheetRow]:
    """Rows from plain dicts (question/answer/department/keywords), numbered from 2 like a sheet."""
    return [SheetRow(i, str(r.get("question") or ""), str(r.get("answer") or ""), str(r.get("department") or ""),
                     ", ".join(parse_keywords(r.get("keywords", "")))) for i, r in enumerate(records, 2)]


SAMPLE_FILES = ("general.csv", "registry.generated.csv")  # in data/faq/, columns 问题/答案/部门/关键词


def import_samples(actor: str) -> List[ImportReport]:
    """The sample city's FAQ (data/faq/), as ``make`` imports it; idempotent."""
    from bot.config import PROJECT_ROOT
    from bot.faq.sheet import Columns, read_file

    columns = Columns("问题", "答案", "部门", "关键词")
    return [import_rows(read_file(PROJECT_ROOT / "data" / "faq" / name, columns), actor)
            for name in SAMPLE_FILES]
