"""What administrators see: orders counted by department and category, the router's accuracy
against the staff's corrections, and the corrections as training rows for the next router.

Accuracy: of the orders the router sent to a department on its own (``auto_department``), the
share no one re-routed afterwards. The triage queue is counted apart: how many orders the router
left to staff, and how often its best guess was the department staff then chose.
"""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional

from sqlalchemy import case, func, select

from bot.db import session_scope
from bot.workorders.models import CATEGORIES, OPEN_STATUSES, STATUSES, RoutingCorrection, WorkOrder
from bot.workorders.store import WorkOrderError, overdue_clause, utcnow

NO_DEPARTMENT = "（待分派）"
CSV_HEADER = ("诉求内容", "承办部门")  # the router's training format (bot/routing, data/routing/train.csv)
_FORMULA_START = "=+-@\t\r"


def _since(days: Optional[int], now: datetime) -> Optional[datetime]:
    if days is None:
        return None
    if not 1 <= days <= 3660:
        raise WorkOrderError("days 应为 1 到 3660 之间的整数")
    return now - timedelta(days=days)


def _ratio(part: int, whole: int) -> Optional[float]:
    return round(part / whole, 4) if whole else None


def _label(name: Optional[str]) -> str:
    return name if name is not None else NO_DEPARTMENT


def _empty_row() -> Dict[str, int]:
    return {"total": 0, "open": 0, "overdue": 0, **dict.fromkeys(STATUSES, 0)}


def counts(days: Optional[int] = None, now: Optional[datetime] = None) -> Dict[str, Any]:
    """``{"by_department": [...], "by_category": [...], "total"}``; each row has ``total``, ``open``,
    ``overdue`` and a count per status."""
    now = now or utcnow()
    since = _since(days, now)
    window = [WorkOrder.created_at >= since] if since else []
    overdue = overdue_clause(now)
    tables: Dict[str, Dict[str, Dict[str, int]]] = {"department": {}, "category": {}}
    with session_scope() as session:
        for key, column in (("department", WorkOrder.department), ("category", WorkOrder.category)):
            table = tables[key]
            for name, status, n in session.execute(select(column, WorkOrder.status, func.count(WorkOrder.id))
                                                   .where(*window).group_by(column, WorkOrder.status)).all():
                row = table.setdefault(_label(name), _empty_row())
                row[status] = row.get(status, 0) + int(n)
                row["total"] += int(n)
                row["open"] += int(n) if status in OPEN_STATUSES else 0
            for name, n in session.execute(select(column, func.count(WorkOrder.id))
                                           .where(overdue, *window).group_by(column)).all():
                table.setdefault(_label(name), _empty_row())["overdue"] += int(n)
    departments = sorted(tables["department"].items(), key=lambda item: (-item[1]["total"], item[0]))
    order = {name: i for i, name in enumerate(CATEGORIES)}
    categories = sorted(tables["category"].items(), key=lambda item: order.get(item[0], len(order)))
    return {"by_department": [{"department": name, **row} for name, row in departments],
            "by_category": [{"category": name, **row} for name, row in categories],
            "total": sum(row["total"] for _name, row in departments), "days": days}


def router_accuracy(days: Optional[int] = None, now: Optional[datetime] = None) -> Dict[str, Any]:
    """The router against the staff's corrections, overall and per department it chose."""
    now = now or utcnow()
    since = _since(days, now)
    window = [WorkOrder.created_at >= since] if since else []
    rerouted_order = select(RoutingCorrection.id).where(RoutingCorrection.order_id == WorkOrder.id,
                                                        RoutingCorrection.kind == "reroute").exists()
    # the first staff routing of each triaged order: was the router's guess right?
    first_triage = (select(func.min(RoutingCorrection.id)).where(RoutingCorrection.kind == "triage")
                    .group_by(RoutingCorrection.order_id).scalar_subquery())
    with session_scope() as session:
        per = session.execute(
            select(WorkOrder.auto_department, func.count(WorkOrder.id),
                   func.sum(case((rerouted_order, 1), else_=0)))
            .where(WorkOrder.auto_department.is_not(None), *window).group_by(WorkOrder.auto_department)).all()
        triaged = int(session.execute(select(func.count(WorkOrder.id))
                                      .where(WorkOrder.auto_department.is_(None), *window)).scalar_one())
        waiting = int(session.execute(select(func.count(WorkOrder.id)).where(
            WorkOrder.department.is_(None), WorkOrder.status.in_(OPEN_STATUSES), *window)).scalar_one())
        decided, right = session.execute(
            select(func.count(RoutingCorrection.id),
                   func.sum(case((RoutingCorrection.old_label == RoutingCorrection.new_label, 1), else_=0)))
            .join(WorkOrder, WorkOrder.id == RoutingCorrection.order_id)
            .where(RoutingCorrection.id.in_(first_triage), *window)).one()
    rows = sorted(((str(name), int(n), int(moved or 0)) for name, n, moved in per), key=lambda r: (-r[1], r[0]))
    per_department = [{"department": name, "routed": n, "rerouted": moved, "accuracy": _ratio(n - moved, n)}
                      for name, n, moved in rows]
    routed = sum(n for _name, n, _moved in rows)
    rerouted = sum(moved for _name, _n, moved in rows)
    decided, right = int(decided or 0), int(right or 0)
    return {"auto_routed": routed, "rerouted": rerouted, "accuracy": _ratio(routed - rerouted, routed),
            "triaged": triaged, "triage_waiting": waiting, "triage_decided": decided,
            "triage_guess_right": right, "triage_guess_accuracy": _ratio(right, decided),
            "per_department": per_department, "days": days}


def _cell(text: str) -> str:
    """A spreadsheet never runs a cell as a formula: leading = + - @ (meaningless for routing) go."""
    return " ".join(text.split()).lstrip(_FORMULA_START + " ")


def corrections_csv() -> str:
    """Every routed-by-staff order as a training row ``诉求内容,承办部门`` (its latest routing; the
    text as the router read it, personal numbers masked). UTF-8 with a BOM, so Excel opens it."""
    with session_scope() as session:
        rows = session.execute(select(RoutingCorrection.order_id, RoutingCorrection.text, RoutingCorrection.new_label)
                               .order_by(RoutingCorrection.id)).all()
    latest: Dict[int, List[str]] = {}
    for order_id, text, label in rows:
        latest[order_id] = [_cell(text), _cell(label)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for text, label in latest.values():
        if text and label:
            writer.writerow([text, label])
    return "\ufeff" + out.getvalue()
