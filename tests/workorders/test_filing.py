"""Filing with the real router (trained here on the synthetic set, tests/routing/synthetic.py): a clear
message goes to its department, an unsure one to the triage queue with the router's guess kept, no
model or a broken one still files the order; deadlines from the policy; personal numbers masked.

Bad input tried: a category that does not exist, an empty and a whitespace matter, a 10,000-character
matter, a matter with no words (「？？？」), 手机号 and 身份证号 in the matter and the place, a broken
policy file, a corrupt model file, eight residents filing at once from worker threads.
"""
from __future__ import annotations

import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, List

import pytest

from bot.hours.clock import TZ
from bot.routing.data import read_labelled
from bot.routing.train import train
from bot.workorders.filing import submit
from bot.workorders.store import WorkOrderError, WorkOrderInfo, list_orders
from tests.routing import synthetic

FILED = datetime(2026, 9, 30, 10, 0, tzinfo=TZ)  # Wednesday before National Day
SMOKE = ("我家楼下那个烧烤店油烟特别大，每天晚上熏得窗户都不敢开，投诉了好几次也没人管，"
         "我的电话13812345678，身份证110101199003071234")


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("routing-models")
    data = read_labelled(synthetic.write(root / "train.csv", synthetic.rows(160, seed=5)), "诉求内容", "承办部门")
    train(data, "department", root=root)
    return root


@pytest.fixture
def router_at(models: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setattr("bot.routing.store.DEFAULT_ROOT", models)
    yield models


def test_a_clear_complaint_is_routed_with_its_deadlines_and_masked(store_db: str, router_at: Path) -> None:
    order = submit("socketio", "web-1", "投诉求助", SMOKE, district="东湖区", place="解放路12号 电话13912345678",
                   when_text="每天晚上", phone="13700001111", now=FILED)
    assert order.department == "生态环境局" and not order.triage
    assert order.suggested == order.department == order.auto_department
    assert order.confidence is not None and order.confidence > 0.5
    assert order.router_model is not None and order.router_model.startswith("department/")
    assert "13812345678" not in order.what and "138****5678" in order.what and "110101" in order.what
    assert "1990030712" not in order.what
    assert order.place == "解放路12号 电话139****5678" and order.phone == "13700001111"
    # the shipped policy: 投诉求助 first response in 1 working day, closed in 5 (National Day in between)
    assert order.due_at == datetime(2026, 10, 9, tzinfo=TZ).astimezone(timezone.utc)
    assert order.handle_due_at == datetime(2026, 10, 14, tzinfo=TZ).astimezone(timezone.utc)
    assert order.number.startswith("JZ20260930-")


def test_an_unsure_message_goes_to_triage_with_the_guess_kept(store_db: str, router_at: Path) -> None:
    order = submit("wechat", "openid-1", "咨询", "？？？", now=FILED)
    assert order.triage and order.department is None and order.auto_department is None
    assert order.suggested is not None and order.confidence is not None  # shown to the person triaging
    rows, _ = list_orders()
    assert [r.id for r in rows if r.triage] == [order.id]


def test_without_a_model_or_with_a_broken_one_the_order_is_still_filed(
        store_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, models: Path) -> None:
    monkeypatch.setattr("bot.routing.store.DEFAULT_ROOT", tmp_path / "empty")
    none = submit("socketio", "web-2", "建言", "建议公园多装几个长椅", now=FILED)
    assert none.triage and none.department is None and none.suggested is None and none.confidence is None

    broken = tmp_path / "broken"
    (broken / "department" / "v1").mkdir(parents=True)
    (broken / "department" / "v1" / "meta.json").write_text('{"threshold": 0.5}', encoding="utf-8")
    (broken / "department" / "v1" / "router.joblib").write_bytes(b"not a model")
    (broken / "department" / "ACTIVE").write_text("v1\n", encoding="utf-8")
    monkeypatch.setattr("bot.routing.store.DEFAULT_ROOT", broken)
    order = submit("socketio", "web-3", "投诉求助", "路灯坏了", now=FILED)
    assert order.triage and order.department is None and order.number.endswith("-0002")


def test_a_broken_policy_files_the_order_without_deadlines(store_db: str, router_at: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "policy.yml"
    bad.write_text("categories: {投诉求助: {first_response: 很快}}\n", encoding="utf-8")
    monkeypatch.setenv("WORKORDER_POLICY_FILE", str(bad))
    order = submit("socketio", "web-4", "投诉求助", "工地夜里施工太吵", now=FILED)
    assert order.due_at is None and order.handle_due_at is None and order.department is not None


def test_bad_input_files_nothing(store_db: str, router_at: Path) -> None:
    for category, what in (("闲聊", "你好"), ("投诉求助", ""), ("投诉求助", "  \n\t "), ("投诉求助", None)):
        with pytest.raises(WorkOrderError):
            submit("socketio", "web-5", category, what, now=FILED)  # type: ignore[arg-type]
    assert list_orders()[1] == 0
    long = submit("socketio", "web-5", "投诉求助", "小区旁边工地夜间施工噪音扰民。" * 700, now=FILED)
    assert len(long.what) == 2000 and long.department == "生态环境局"


def test_residents_filing_at_once_from_worker_threads(store_db: str, router_at: Path) -> None:
    barrier = threading.Barrier(8)
    filed: List[WorkOrderInfo] = []
    errors: List[BaseException] = []

    def resident(index: int) -> None:
        barrier.wait()
        try:
            filed.append(submit("socketio", f"web-t{index}", "投诉求助", f"公司拖欠工资三个月不发，第{index}个人反映",
                                now=FILED))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=resident, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(o.number for o in filed) == [f"JZ20260930-{i:04d}" for i in range(1, 9)]
    assert {o.department for o in filed} == {"人力资源和社会保障局"}
