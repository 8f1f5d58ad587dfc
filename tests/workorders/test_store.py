"""Work-order numbers on SQLite and PostgreSQL: per city day, never shared under a race, found only
by the conversation that filed them; personal numbers masked in views."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import List

import pytest

from bot.workorders.store import WorkOrderError, file_order, find_number, format_number, order_for, orders_of

# 2026-11-27 15:59 UTC is 23:59 in 江州; a minute later it is the 28th there
BEFORE_MIDNIGHT = datetime(2026, 11, 27, 15, 59, tzinfo=timezone.utc)


def test_numbers_follow_the_citys_day(store_db: str) -> None:
    first = file_order("socketio", "a", "投诉求助", "路灯坏了", now=BEFORE_MIDNIGHT)
    second = file_order("socketio", "b", "建言", "建议增开公交", now=BEFORE_MIDNIGHT + timedelta(seconds=30))
    next_day = file_order("wechat", "c", "咨询", "问个事", now=BEFORE_MIDNIGHT + timedelta(minutes=1))
    assert [first.number, second.number, next_day.number] == ["JZ20261127-0001", "JZ20261127-0002",
                                                            "JZ20261128-0001"]
    assert format_number(BEFORE_MIDNIGHT.date(), 12345) == "JZ20261127-12345"  # more than four digits when needed


def test_orders_filed_at_the_same_moment_never_share_a_number(store_db: str) -> None:
    barrier = threading.Barrier(6)
    numbers: List[str] = []

    def file_one(index: int) -> None:
        barrier.wait()
        numbers.append(file_order("rest", f"r{index}", "投诉求助", f"第{index}个问题", now=BEFORE_MIDNIGHT).number)

    threads = [threading.Thread(target=file_one, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(numbers) == [f"JZ20261127-{i:04d}" for i in range(1, 7)]


def test_only_the_filing_conversation_sees_the_order_and_views_are_masked(store_db: str) -> None:
    order = file_order("wechat", "openid-1", "投诉求助", "窗口人员让我打 13812345678 找他", phone="13912345678",
                       department="江州市城市管理局", confidence=0.91, respond_within=timedelta(days=1),
                       now=BEFORE_MIDNIGHT)
    assert order_for(order.number, "wechat", "openid-1") == order
    assert order_for(order.number.lower(), "wechat", "openid-1") == order
    assert order_for(order.number, "wechat", "someone-else") is None
    assert order_for(order.number, "socketio", "openid-1") is None
    view = order.to_json()
    assert view["phone"] == "139****5678" and "13812345678" not in view["what"]
    assert view["due_at"] == (BEFORE_MIDNIGHT + timedelta(days=1)).isoformat()


def test_bad_orders_are_refused(store_db: str) -> None:
    with pytest.raises(WorkOrderError, match="诉求类型"):
        file_order("rest", "x", "闲聊", "你好")
    with pytest.raises(WorkOrderError, match="发生了什么"):
        file_order("rest", "x", "投诉求助", "   ")


def test_numbers_are_found_in_what_residents_type() -> None:
    assert find_number("我的工单 JZ20261127-0042 怎么样了") == "JZ20261127-0042"
    assert find_number("jz20261127-0042进度") == "JZ20261127-0042"
    assert find_number("ＪＺ２０２６１１２７－００４２") == "JZ20261127-0042"
    assert find_number("工单号是 20261127-0042") is None


def test_a_conversation_sees_only_its_own_latest_orders(store_db: str) -> None:
    mine = [file_order("wechat", "openid-1", "投诉求助", f"第{i}件", now=BEFORE_MIDNIGHT) for i in range(7)]
    file_order("wechat", "openid-2", "投诉求助", "别人的", now=BEFORE_MIDNIGHT)
    file_order("socketio", "openid-1", "投诉求助", "同一 id 的另一渠道", now=BEFORE_MIDNIGHT)
    assert [o.number for o in orders_of("wechat", "openid-1")] == [o.number for o in mine[::-1][:5]]
    assert orders_of("wechat", "nobody") == []
