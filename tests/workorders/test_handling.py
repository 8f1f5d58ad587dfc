"""Working orders on SQLite and PostgreSQL: transitions, replies, re-routing with corrections, the
history, lists and filters, counts and the router's accuracy — and real races between threads.

Tried: every transition that is not allowed (办结 → anything, 受理 → 办结, a triaged order to 办理中),
办结 without an answer, 退回 without a reason, an empty / 2,001-character / whitespace reply, a
reply after 办结, re-routing to the same department, to an unknown one, without a reason, after
退回; an unknown order; personal numbers in replies and reasons; two staff changing one order at
the same moment (status against status, status against re-route, two assignments); the CSV export
with a text that starts like a spreadsheet formula and an order re-routed twice.
"""
from __future__ import annotations

import csv
import io
import threading
from datetime import datetime, timedelta, timezone
from typing import Callable, List, Tuple

import pytest

from bot.workorders import handling, stats
from bot.workorders.store import OrderFilter, WorkOrderError, WorkOrderInfo, file_order, list_orders

T0 = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)  # Wednesday 10:00 in 江州
DAY = timedelta(days=1)


def _file(what: str = "路灯坏了一个月", department: str = "江州市城市管理局", **kwargs: object) -> WorkOrderInfo:
    kwargs.setdefault("now", T0)
    kwargs.setdefault("due_at", T0 + DAY)
    kwargs.setdefault("handle_due_at", T0 + 7 * DAY)
    if department:
        kwargs.setdefault("suggested", department)
        kwargs.setdefault("confidence", 0.93)
    return file_order("socketio", "s1", "投诉求助", what, department=department or None,  # type: ignore[arg-type]
                      triage=not department, **kwargs)


def _race(calls: List[Callable[[], object]]) -> Tuple[List[object], List[WorkOrderError]]:
    """Run ``calls`` at the same moment on their own threads; what succeeded and what was refused."""
    barrier = threading.Barrier(len(calls))
    done: List[object] = []
    refused: List[WorkOrderError] = []

    def run(call: Callable[[], object]) -> None:
        barrier.wait()
        try:
            done.append(call())
        except WorkOrderError as exc:
            refused.append(exc)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done, refused


def test_the_normal_path_and_its_history(store_db: str) -> None:
    order = _file()
    assert handling.allowed_statuses(order) == ["办理中", "退回"]
    taken = handling.change_status(order.id, "办理中", "li", now=T0 + timedelta(hours=2))
    assert taken.status == "办理中" and taken.responded_at == T0 + timedelta(hours=2)
    with pytest.raises(WorkOrderError, match="请先答复居民") as error:
        handling.change_status(order.id, "办结", "li")
    assert error.value.status == 409
    reply = "已派人更换灯泡，请联系 13812345678 核实"
    answered = handling.add_reply(order.id, "li", reply, now=T0 + DAY)
    assert answered.reply == "已派人更换灯泡，请联系 138****5678 核实"  # stored masked
    assert answered.responded_at == T0 + timedelta(hours=2)  # the first response stays the first
    closed = handling.change_status(order.id, "办结", "li", now=T0 + 2 * DAY)
    assert closed.status == "办结" and closed.closed_at == T0 + 2 * DAY and handling.allowed_statuses(closed) == []
    assert [h["action"] for h in handling.history(order.id)] == ["filed", "status", "replied", "status"]
    details = [h["detail"] for h in handling.history(order.id)]
    assert details[1:] == ["受理 → 办理中", f"{len(reply)} 字", "办理中 → 办结"]
    assert [r["text"] for r in handling.replies(order.id)] == ["已派人更换灯泡，请联系 138****5678 核实"]


def test_transitions_that_are_not_allowed(store_db: str) -> None:
    order = _file()
    with pytest.raises(WorkOrderError, match="不能改为「办结」") as error:
        handling.change_status(order.id, "办结", "li")
    assert error.value.status == 409
    with pytest.raises(WorkOrderError, match="状态应为") as error:
        handling.change_status(order.id, "已完成", "li")
    assert error.value.status == 400
    with pytest.raises(WorkOrderError, match="请填写退回原因"):
        handling.change_status(order.id, "退回", "li", reason="   ")
    returned = handling.change_status(order.id, "退回", "li", reason="不属于政府职能，请咨询物业 13912345678")
    assert returned.return_reason == "不属于政府职能，请咨询物业 139****5678" and returned.closed_at is not None
    for to in ("受理", "办理中", "办结", "退回"):
        with pytest.raises(WorkOrderError, match="已是最终状态"):
            handling.change_status(order.id, to, "li", reason="再改")
    with pytest.raises(WorkOrderError, match="不能再答复"):
        handling.add_reply(order.id, "li", "补充说明")
    with pytest.raises(WorkOrderError, match="不能再改派"):
        handling.reroute(order.id, "江州市公安局", "转错了", "li")
    with pytest.raises(WorkOrderError, match="不存在") as error:
        handling.change_status(order.id + 999, "办理中", "li")
    assert error.value.status == 404


@pytest.mark.parametrize("text, status", [("", 400), ("   \n ", 400), (None, 400), (42, 400), ("字" * 2001, 413)])
def test_bad_replies_are_refused(store_db: str, text: object, status: int) -> None:
    order = _file()
    with pytest.raises(WorkOrderError) as error:
        handling.add_reply(order.id, "li", text)
    assert error.value.status == status
    assert handling.replies(order.id) == []


def test_triage_routing_and_re_routing_are_kept_as_corrections(store_db: str) -> None:
    triaged = _file("小区门口有人摆摊 =HYPERLINK(\"x\") 占道", department="", suggested="江州市城市管理局",
                    confidence=0.31, place="东湖区解放路12号")
    assert triaged.department is None and triaged.triage and triaged.auto_department is None
    assert handling.allowed_statuses(triaged) == ["退回"]  # 办理中 needs a department
    with pytest.raises(WorkOrderError, match="请先分派承办部门"):
        handling.change_status(triaged.id, "办理中", "li")
    known = ["江州市城市管理局", "江州市公安局", "江州市交通运输局"]
    with pytest.raises(WorkOrderError, match="未知的承办部门"):
        handling.reroute(triaged.id, "火星管理局", "试试", "li", known)
    with pytest.raises(WorkOrderError, match="请填写改派原因"):
        handling.reroute(triaged.id, "江州市公安局", "", "li", known)
    routed = handling.reroute(triaged.id, "江州市公安局", "占道经营由公安交警处理", "li", known)
    assert routed.department == "江州市公安局" and not routed.triage and routed.status == "受理"
    assert routed.auto_department is None  # staff decided, not the router
    with pytest.raises(WorkOrderError, match="已由「江州市公安局」承办"):
        handling.reroute(triaged.id, "江州市公安局", "再来一次", "li", known)
    handling.change_status(triaged.id, "办理中", "wang")
    moved = handling.reroute(triaged.id, "江州市城市管理局", "公安退回：占道摆摊归城管", "wang", known)
    assert moved.status == "受理"  # the new department takes it up afresh
    assert [(c["kind"], c["old_label"], c["new_label"]) for c in handling.corrections(triaged.id)] == [
        ("triage", "江州市城市管理局", "江州市公安局"), ("reroute", "江州市公安局", "江州市城市管理局")]

    auto = _file("公交车司机态度恶劣", department="江州市城市管理局")
    handling.reroute(auto.id, "江州市交通运输局", "公交归交通局", "li", known)
    _file("垃圾桶满了没人清", department="江州市城市管理局")  # routed by the router, never corrected
    guessed = _file("路边井盖松动", department="", suggested="江州市城市管理局", now=T0 + DAY)
    handling.reroute(guessed.id, "江州市城市管理局", "建议正确", "li", known)  # the router's guess was right

    rows = list(csv.reader(io.StringIO(stats.corrections_csv().lstrip("\ufeff"))))
    assert rows[0] == ["诉求内容", "承办部门"]
    assert rows[1:] == [["小区门口有人摆摊 =HYPERLINK(\"x\") 占道 东湖区解放路12号", "江州市城市管理局"],
                        ["公交车司机态度恶劣", "江州市交通运输局"],
                        ["路边井盖松动", "江州市城市管理局"]]  # the latest routing of each order
    accuracy = stats.router_accuracy()
    assert (accuracy["auto_routed"], accuracy["rerouted"], accuracy["accuracy"]) == (2, 1, 0.5)
    assert (accuracy["triaged"], accuracy["triage_decided"], accuracy["triage_guess_right"]) == (2, 2, 1)
    assert stats.router_accuracy(days=1, now=T0 + DAY + timedelta(hours=1))["triage_decided"] == 1  # only the recent
    assert accuracy["per_department"] == [{"department": "江州市城市管理局", "routed": 2, "rerouted": 1,
                                           "accuracy": 0.5}]


def test_a_text_that_looks_like_a_formula_is_exported_without_it(store_db: str) -> None:
    order = _file("=cmd|' /C calc'!A0 楼道灯不亮", department="", suggested="江州市城市管理局")
    handling.reroute(order.id, "江州市住房和城乡建设局", "物业维修", "li")
    rows = list(csv.reader(io.StringIO(stats.corrections_csv().lstrip("\ufeff"))))
    assert rows[1][0] == "cmd|' /C calc'!A0 楼道灯不亮" and not rows[1][0].startswith(("=", "+", "-", "@"))


def test_lists_filters_and_counts(store_db: str) -> None:
    now = T0 + 10 * DAY
    old = _file("十天前的投诉", now=T0, due_at=T0 + DAY, handle_due_at=T0 + 5 * DAY)  # late for both
    answered_late = _file("答复过但没办结", now=T0 + 6 * DAY, due_at=T0 + 7 * DAY, handle_due_at=T0 + 20 * DAY)
    handling.add_reply(answered_late.id, "li", "在办", now=T0 + 6 * DAY)
    waiting = _file("还没人答复", now=T0 + 8 * DAY, due_at=T0 + 9 * DAY, handle_due_at=T0 + 20 * DAY)
    fresh = _file("今天的", department="", now=now - timedelta(hours=1), due_at=now + DAY, handle_due_at=now + 5 * DAY)
    done = _file("办完了", now=T0, due_at=T0 + DAY, handle_due_at=T0 + 2 * DAY)
    handling.change_status(done.id, "办理中", "li")
    handling.add_reply(done.id, "li", "好了")
    handling.change_status(done.id, "办结", "li")

    def ids(**where: object) -> List[int]:
        rows, total = list_orders(OrderFilter(**where), now=now)  # type: ignore[arg-type]
        assert total == len(rows)
        return [row.id for row in rows]

    assert ids(overdue=True) == [old.id, waiting.id]
    late = list_orders(OrderFilter(overdue=True), now=now)[0]
    assert [r.overdue(now) for r in late] == ["办理已超时", "首次答复已超时"]
    assert ids(status="open") == [old.id, answered_late.id, waiting.id, fresh.id]  # a queue: oldest first
    assert ids() == [done.id, fresh.id, waiting.id, answered_late.id, old.id]  # everything: newest first
    assert ids(triage=True) == [fresh.id]
    assert ids(min_age_days=7) == [done.id, old.id]
    assert ids(max_age_days=3) == [fresh.id, waiting.id]
    assert ids(status="办结") == [done.id]
    assert ids(q=old.number.lower()) == [old.id]
    assert ids(q="答复过") == [answered_late.id]
    assert ids(q="100%_") == []  # LIKE wildcards are plain text
    with pytest.raises(WorkOrderError):
        ids(status="处理中")
    with pytest.raises(WorkOrderError):
        ids(min_age_days=-1)
    counts = stats.counts(now=now)
    assert counts["total"] == 5
    by_category = {row["category"]: row for row in counts["by_category"]}
    assert by_category["投诉求助"]["open"] == 4 and by_category["投诉求助"]["overdue"] == 2
    assert by_category["投诉求助"]["办结"] == 1
    by_department = {row["department"]: row["total"] for row in counts["by_department"]}
    assert by_department == {"江州市城市管理局": 4, "（待分派）": 1}


def test_two_staff_changing_one_order_at_once(store_db: str) -> None:
    """Both saw the same order (``seen``: its ``updated_at``, as the console sends it)."""
    for round_ in range(4):  # a race can be won by luck once: run it several times
        order = _file(f"第{round_}件")
        handling.change_status(order.id, "办理中", "li")
        seen = handling.add_reply(order.id, "li", "处理好了").updated_at
        done, refused = _race([
            lambda o=order, v=seen: handling.change_status(o.id, "办结", "li", seen=v),
            lambda o=order, v=seen: handling.change_status(o.id, "退回", "wang", reason="不归我们管", seen=v)])
        assert len(done) == 1 and len(refused) == 1, (done, refused)
        assert refused[0].status == 409 and "请刷新后重试" in str(refused[0])
        assert [h["action"] for h in handling.history(order.id)].count("status") == 2  # 办理中, then the winner

        other = _file(f"第{round_}件改派")
        done, refused = _race([
            lambda o=other: handling.reroute(o.id, "江州市公安局", "归公安", "li", seen=o.updated_at),
            lambda o=other: handling.reroute(o.id, "江州市交通运输局", "归交通", "wang", seen=o.updated_at)])
        assert len(done) == 1 and len(refused) == 1 and refused[0].status == 409
        assert isinstance(done[0], WorkOrderInfo)
        assert [c["new_label"] for c in handling.corrections(other.id)] == [done[0].department]

        third = _file(f"第{round_}件指派")
        done, refused = _race([lambda o=third: handling.assign(o.id, "li", "li", seen=o.updated_at),
                               lambda o=third: handling.assign(o.id, "wang", "wang", seen=o.updated_at)])
        assert len(done) == 1 and len(refused) == 1 and refused[0].status == 409
        assert [h["action"] for h in handling.history(third.id)].count("assigned") == 1


def test_a_change_from_an_old_view_is_refused_even_with_a_fixed_clock(store_db: str) -> None:
    order = _file()
    handling.assign(order.id, "li", "li", now=T0)  # same clock as the filing: still a new version
    with pytest.raises(WorkOrderError, match="已被他人改动") as error:
        handling.change_status(order.id, "办理中", "wang", now=T0, seen=order.updated_at)
    assert error.value.status == 409
    assert handling.change_status(order.id, "办理中", "wang", now=T0).status == "办理中"


def test_assign_and_reveal_phone(store_db: str) -> None:
    order = _file(phone="13912345678")
    assert handling.assign(order.id, "li", "zhang").assignee == "li"
    assert handling.assign(order.id, None, "zhang").assignee is None
    assert order.to_json()["phone"] == "139****5678"
    assert handling.reveal_phone(order.id, "zhang") == "13912345678"
    assert handling.history(order.id)[-1]["action"] == "revealed_phone"
    with pytest.raises(WorkOrderError, match="没有留下电话") as error:
        handling.reveal_phone(_file().id, "zhang")
    assert error.value.status == 404
