"""The work-order API on a real aiohttp server on 127.0.0.1 with a private database and a fake of
Rasa's HTTP API (the ``console`` fixture, tests/workorders/conftest.py): roles, CSRF, the whole
handling of an order, and bad input.

Bad input tried: no session, a staff account on the admin routes, a missing and a wrong CSRF token,
an unknown id / number / garbage in the path, malformed JSON, a JSON array, a reply of 2,001
characters, an empty reply, a status that does not exist, a transition that is not allowed, 退回
without a reason, a stale version, a version that is not a time, assigning to an unknown account,
re-routing to an unknown department or without a reason, bad list filters, and the phone of an
order that has none.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, Dict

import pytest
import requests

from bot.workorders.store import WorkOrderInfo, file_order
from tests.support.desk import DeskClient, new_staff
from tests.workorders.console import Console

KNOWN = "江州市城市管理局"


@pytest.fixture(scope="module")
def staff(console: Console) -> DeskClient:
    return DeskClient(console.url, new_staff("staff", "李明"))


@pytest.fixture(scope="module")
def admin(console: Console) -> DeskClient:
    return DeskClient(console.url, new_staff("admin", "王主任"))


def _order(channel: str = "socketio", sender: str = "web-1", department: str = KNOWN, **kwargs: Any) -> WorkOrderInfo:
    return file_order(channel, sender, "投诉求助", kwargs.pop("what", "解放路路灯不亮已经一周"),
                      department=department or None, triage=not department, suggested=kwargs.pop("suggested", KNOWN),
                      confidence=0.42 if not department else 0.95, **kwargs)


def _ok(response: requests.Response, status: int = 200) -> Dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


def test_visitors_staff_and_csrf(console: Console, staff: DeskClient) -> None:
    order = _order()
    base = f"/desk/api/workorders/{order.id}"
    anonymous = requests.Session()
    for method, path in [("GET", "/desk/api/workorders"), ("GET", base), ("GET", "/desk/api/workorders/meta"),
                         ("POST", base + "/status"), ("POST", base + "/reply"), ("POST", base + "/reveal-phone"),
                         ("GET", "/desk/api/workorders/stats"), ("GET", "/desk/api/workorders/corrections.csv")]:
        answer = anonymous.request(method, console.url + path, json={}, timeout=10)
        assert answer.status_code == 401 and answer.json() == {"error": "请先登录"}, (method, path)
    for path in ("/desk/api/workorders/stats", "/desk/api/workorders/corrections.csv"):
        assert staff.get(path).status_code == 403
    assert staff.http.get(console.url + "/desk/workorders/stats", timeout=10).status_code == 403
    assert staff.post(base + "/status", {"status": "办理中"}, csrf="").status_code == 403
    assert staff.post(base + "/status", {"status": "办理中"}, csrf="forged").status_code == 403
    page = staff.http.get(console.url + "/desk/workorders", timeout=10)
    assert page.status_code == 200 and "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert "<script>" not in page.text and " style=" not in page.text  # nothing inline
    assert staff.http.get(console.url + "/desk/workorders/static/workorders.js", timeout=10).status_code == 200
    assert staff.http.get(console.url + "/desk/workorders/static/..%2Fapi.py", timeout=10).status_code == 404


def test_a_triaged_order_from_routing_to_closing(console: Console, staff: DeskClient) -> None:
    rasa = console.rasa
    order = _order(department="", sender="web-flow", phone="13812345678")
    rasa.resident_wrote("web-flow", "socketio")
    listed = _ok(staff.get("/desk/api/workorders", triage="1", status="open"))
    assert order.id in [o["id"] for o in listed["orders"]] and listed["triage_waiting"] >= 1
    row = next(o for o in listed["orders"] if o["id"] == order.id)
    assert row["department"] is None and row["suggested"] == KNOWN and row["phone"] == "138****5678"
    path = f"/desk/api/workorders/{order.number}"  # by number as well as by id
    detail = _ok(staff.get(path))
    assert detail["allowed_statuses"] == ["退回"] and detail["can_push"] is True and detail["push_refusal"] is None
    assert _ok(staff.post(path + "/reroute", {"department": KNOWN}), 400)["error"] == "请填写改派原因"
    assert "未知的承办部门" in _ok(staff.post(path + "/reroute", {"department": "火星局", "reason": "x"}), 400)["error"]
    routed = _ok(staff.post(path + "/reroute", {"department": KNOWN, "reason": "路灯归城管",
                                                "version": detail["updated_at"]}))
    assert routed["order"]["department"] == KNOWN and routed["order"]["triage"] is False
    stale = staff.post(path + "/status", {"status": "办理中", "version": detail["updated_at"]})
    assert stale.status_code == 409 and "请刷新后重试" in stale.json()["error"]

    taken = _ok(staff.post(path + "/status", {"status": "办理中", "version": routed["order"]["updated_at"]}))
    assert taken["order"]["status"] == "办理中" and taken["notice"]["delivered"] is True
    assert _ok(staff.post(path + "/reply", {"text": "字" * 2001}), 413)["error"].startswith("答复不能超过 2000 字")
    assert _ok(staff.post(path + "/reply", {"text": "  "}), 400)["error"] == "答复内容不能为空"
    closed = _ok(staff.post(path + "/status", {"status": "办结", "reply": "已更换灯泡，今晚恢复照明。"}))
    assert closed["order"]["status"] == "办结" and closed["notice"]["delivered"] is True
    assert closed["notice"]["text"] == f"您的工单 {order.number} 已办结。答复：已更换灯泡，今晚恢复照明。"
    texts = [a.events[0]["text"] for a in rasa.appended if a.sender_id == "web-flow"]
    assert texts == [taken["notice"]["text"], closed["notice"]["text"]]  # one push per change, in order
    again = staff.post(path + "/status", {"status": "退回", "reason": "重复"})
    assert again.status_code == 409 and "已是最终状态" in again.json()["error"]

    detail = _ok(staff.get(path))
    assert [h["action"] for h in detail["history"]] == ["filed", "rerouted", "status", "notified", "replied",
                                                        "status", "notified"]
    assert [c["kind"] for c in detail["corrections"]] == ["triage"]
    assert [r["text"] for r in detail["replies"]] == ["已更换灯泡，今晚恢复照明。"]
    assert all(n["delivered"] for n in detail["notices"]) and len(detail["notices"]) == 2


def test_a_rest_order_is_answered_but_not_pushed(console: Console, staff: DeskClient) -> None:
    rasa = console.rasa
    order = _order(channel="rest", sender="rest-1")
    before = len(rasa.appended)
    detail = _ok(staff.get(f"/desk/api/workorders/{order.id}"))
    assert detail["can_push"] is False and "REST" in detail["push_refusal"]
    answer = _ok(staff.post(f"/desk/api/workorders/{order.id}/reply", {"text": "已转交街道处理"}))
    assert answer["order"]["reply"] == "已转交街道处理"
    assert answer["notice"]["delivered"] is False and "REST" in answer["notice"]["reason"]
    assert len(rasa.appended) == before


def test_bad_requests(console: Console, staff: DeskClient) -> None:
    order = _order(sender="web-bad")
    path = f"/desk/api/workorders/{order.id}"
    assert "找不到居民的会话" in _ok(staff.get(path))["push_refusal"]  # Rasa has no such conversation
    for ref in (str(order.id + 10_000), "JZ20200101-9999", "abc", "1;DROP TABLE work_order", "99999999999999"):
        answer = staff.get(f"/desk/api/workorders/{ref}")
        assert answer.status_code == 404 and answer.json() == {"error": "工单不存在"}, ref
    assert staff.post(f"/desk/api/workorders/{order.id + 10_000}/status", {"status": "办理中"}).status_code == 404
    raw = staff.http.post(console.url + path + "/status", data=b"{not json", timeout=10,
                          headers={"X-CSRF-Token": staff.csrf, "Content-Type": "application/json"})
    assert raw.status_code == 400 and raw.json() == {"error": "请求体应为 JSON 对象"}
    array = staff.http.post(console.url + path + "/reply", json=["text"], timeout=10,
                            headers={"X-CSRF-Token": staff.csrf})
    assert array.status_code == 400
    assert _ok(staff.post(path + "/status", {"status": "已完成"}), 400)["error"].startswith("状态应为")
    assert "不能改为「办结」" in _ok(staff.post(path + "/status", {"status": "办结"}), 409)["error"]
    assert _ok(staff.post(path + "/status", {"status": "退回"}), 400)["error"] == "请填写退回原因"
    assert "reply 只能随「办结」" in _ok(staff.post(path + "/status", {"status": "退回", "reason": "x", "reply": "y"}),
                                      400)["error"]
    assert "version" in _ok(staff.post(path + "/assign", {"to": None, "version": "yesterday"}), 400)["error"]
    assert "找不到该同事" in _ok(staff.post(path + "/assign", {"to": "nobody-here"}), 400)["error"]
    for params in ({"status": "处理中"}, {"triage": "maybe"}, {"min_age_days": "abc"}, {"limit": "x"},
                   {"category": "闲聊"}, {"q": "字" * 201}):
        assert staff.get("/desk/api/workorders", **params).status_code == 400, params
    assert "没有留下电话" in _ok(staff.post(path + "/reveal-phone"), 404)["error"]
    too_big = staff.post(path + "/reply", {"text": "字" * 40_000})  # beyond the server's request size
    assert too_big.status_code == 413


def test_assign_reveal_and_filters(console: Console, staff: DeskClient) -> None:
    colleague = new_staff("staff", "赵六")
    order = _order(sender="web-assign", phone="13912345678", what="建议在滨江公园增设公厕")
    path = f"/desk/api/workorders/{order.id}"
    meta = _ok(staff.get("/desk/api/workorders/meta"))
    assert colleague["username"] in [s["username"] for s in meta["staff"]] and KNOWN in meta["departments"]
    assert meta["policy"]["投诉求助"]["first_response"]["text"] == "1个工作日"
    assigned = _ok(staff.post(path + "/assign", {"to": colleague["username"]}))
    assert assigned["order"]["assignee"] == colleague["username"]
    mine = _ok(DeskClient(staff.base, colleague).get("/desk/api/workorders", assignee="me"))
    assert [o["id"] for o in mine["orders"]] == [order.id]
    assert _ok(staff.get(path))["phone"] == "139****5678"
    assert _ok(staff.post(path + "/reveal-phone")) == {"phone": "13912345678"}
    assert _ok(staff.get(path))["history"][-1]["action"] == "revealed_phone"
    found = _ok(staff.get("/desk/api/workorders", q="滨江公园", status=""))
    assert [o["id"] for o in found["orders"]] == [order.id]


def test_statistics_and_the_corrections_export_for_admins(console: Console, staff: DeskClient,
                                                          admin: DeskClient) -> None:
    _order(sender="web-bus", department="江州市交通运输局")  # no trained router: the departments in use are known
    order = _order(sender="web-stats", what="=1+1 公交站牌被小广告贴满")
    _ok(staff.post(f"/desk/api/workorders/{order.id}/reroute", {"department": "江州市交通运输局",
                                                                 "reason": "公交站牌归交通"}))
    data = _ok(admin.get("/desk/api/workorders/stats"))
    assert data["counts"]["total"] >= 1 and data["router"]["rerouted"] >= 1
    assert {"department", "total", "open", "overdue", "受理"} <= set(data["counts"]["by_department"][0])
    assert _ok(admin.get("/desk/api/workorders/stats", days="0"), 400)["error"].startswith("days")
    export = admin.get("/desk/api/workorders/corrections.csv")
    assert export.status_code == 200 and export.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in export.headers["Content-Disposition"]
    assert export.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0] == ["诉求内容", "承办部门"]
    assert ["1+1 公交站牌被小广告贴满", "江州市交通运输局"] in rows[1:]
    page = admin.http.get(admin.base + "/desk/workorders/stats", timeout=10)
    assert page.status_code == 200 and 'href="/desk/workorders/stats" aria-current="page"' in page.text


def test_a_trained_router_names_the_departments(console: Console, staff: DeskClient,
                                                tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "models"
    version = root / "department" / "20261127-120000"
    version.mkdir(parents=True)
    (version / "meta.json").write_text('{"classes": ["江州市教育局", "江州市卫生健康委员会"]}', encoding="utf-8")
    (root / "department" / "ACTIVE").write_text("20261127-120000\n", encoding="utf-8")
    monkeypatch.setattr("bot.routing.store.DEFAULT_ROOT", root)
    departments = _ok(staff.get("/desk/api/workorders/meta"))["departments"]
    assert {"江州市教育局", "江州市卫生健康委员会", KNOWN} <= set(departments)
