"""The answer text (bot/registry/guide.py) on hand-built views: every value comes from the item,
materials residents need not bring on paper are said so, and the source line names the law."""
from __future__ import annotations

from datetime import date
from typing import Optional, Tuple

from bot.registry import guide
from bot.registry.legal import LegalRef
from bot.registry.views import ItemView, LocationView, MaterialView, SituationView, StepView, materials_for

HOURS = {"weekday": ("09:00-12:00", "13:30-17:00"), "saturday": (), "sunday": (), "holiday": ()}
CITY = LocationView("city", "江州市市民中心", None, "江州市人民路1号", "0000-1", HOURS, "")
EAST = LocationView("dh", "江州市东湖区政务服务中心", "东湖区", "东湖区湖滨路88号", "0000-2", HOURS,
                    "每月最后一个周六上午办公")
WORK = SituationView(1, "work", "合法稳定就业", ("上班",), None, None)
STUDY = SituationView(2, "study", "连续就读", ("上学",), 3, "工本费10元")


def item(situations: Tuple[SituationView, ...] = (WORK, STUDY), promised: int = 7, fee: str = "不收费",
         online_depth: str = "网上预审", locations: Tuple[LocationView, ...] = (CITY, EAST),
         question: str = "您在江州是以哪种条件申领？", note: str = "") -> ItemView:
    return ItemView(
        code="T-1", name="居住证首次申领", agency="江州市公安局", conditions="居住半年以上。", legal_limit_days=15,
        promised_limit_days=promised, limit_note=note, manual_review="", fee=fee, fee_basis="",
        online_url="https://x.example/1",
        online_depth=online_depth, appointment=True, express_delivery=False, max_visits=1,
        consult_phone="0000-110", complaint_phone="12345", situation_question=question,
        source="江州市政务服务网（示例数据）", updated=date(2026, 10, 15), situations=situations,
        materials=(MaterialView(None, "居民身份证", "原件", 1, True, "申请人自备", ""),
                   MaterialView(None, "照片", "原件", 2, False, "申请人自备", "可现场采集"),
                   MaterialView(1, "劳动合同", "复印件", 1, True, "申请人自备", ""),
                   MaterialView(2, "在读证明", "原件", 1, True, "学校出具", "")),
        steps=(StepView("申请", "", "即时"), StepView("审核", "", "5个工作日")), locations=locations)


def _answer(aspect: str, situation: Optional[SituationView] = None, district: Optional[str] = None,
            ask: bool = False, it: Optional[ItemView] = None) -> str:
    it = it or item()
    return guide.answer(aspect, it, situation, materials_for(it, situation), list(it.locations), district,
                        ask_situation=ask)


def test_every_answer_names_the_item_and_ends_with_source_and_date() -> None:
    for aspect in ("guide", "materials", "time", "fee", "online", "where"):
        text = _answer(aspect, WORK)
        assert text.startswith("【居住证首次申领 · 合法稳定就业】"), aspect
        assert text.splitlines()[-1] == "数据来源：江州市政务服务网（示例数据），江州市公安局，更新于 2026-10-15"


def test_common_materials_then_one_question_naming_the_item() -> None:
    text = _answer("materials", ask=True)
    assert "都需要" in text and "居民身份证" in text and "照片（原件，2 份，容缺，可后补）：可现场采集" in text
    assert "劳动合同" not in text and "在读证明" not in text
    assert "还需要一项" in text, "each situation adds exactly one material"
    assert text.splitlines()[-1] == "居住证首次申领：您在江州是以哪种条件申领？"


def test_time_and_fee_list_every_situation_instead_of_asking() -> None:
    time_text = _answer("time")
    assert "按情形不同：合法稳定就业 承诺 7 个工作日；连续就读 承诺 3 个工作日" in time_text
    fee_text = _answer("fee")
    assert "合法稳定就业 不收费" in fee_text and "连续就读 工本费10元" in fee_text


def test_the_situations_own_values_win_when_known() -> None:
    assert "承诺 3 个工作日内办结" in _answer("time", STUDY)
    assert "收费标准：工本费10元" in _answer("fee", STUDY)


def test_instant_items_and_the_laws_own_wording() -> None:
    instant = item(situations=(), promised=0)
    assert "即办件，材料齐全当场办结" in _answer("time", it=instant)
    worded = item(situations=(), note="法定时限为受理之日起15日内")
    text = _answer("time", it=worded)
    assert "法定时限为受理之日起15日内" in text and "（法定 15 个工作日）" not in text


def test_online_wording_follows_the_depth() -> None:
    assert "暂不支持网上办理" in _answer("online", it=item(online_depth="仅线下"))
    assert "可以全程网上办理" in _answer("online", it=item(online_depth="全程网办"))
    assert "最多跑 1 次" in _answer("online") and "可网上预约" in _answer("online")


def test_where_puts_the_residents_centre_with_the_hours_wording_of_bot_hours() -> None:
    text = _answer("where", district="东湖区")
    assert "江州市东湖区政务服务中心，东湖区湖滨路88号" in text
    assert "工作日 09:00-12:00、13:30-17:00" in text and "每月最后一个周六上午办公" in text


def test_a_district_that_does_not_handle_the_item_is_said() -> None:
    text = _answer("where", district="南港区", it=item(locations=(CITY,)))
    assert "南港区政务服务中心不受理此事项" in text and "江州市市民中心" in text


def test_no_materials_listed_is_said_not_invented() -> None:
    bare = ItemView(**{**item(situations=()).__dict__, "materials": ()})
    assert "办事指南中没有列出材料" in _answer("materials", it=bare)


PERMIT_BASIS = (LegalRef("《居住证暂行条例》", "第九条", "国务院令第663号", effective="2016-01-01"),
                LegalRef("《江州市居住证实施办法》", note="示例"))
PAPERLESS = (MaterialView(None, "居民身份证", "原件", 1, True, "申请人自备", "", "纸质"),
             MaterialView(None, "出生医学证明", "原件", 1, True, "部门核发", "可用电子版", "电子证照"),
             MaterialView(None, "结婚证", "原件", 2, False, "申请人自备", "婚姻登记信息在线核验", "免提交"),
             MaterialView(1, "劳动合同", "复印件", 1, True, "申请人自备", "", "免提交"))


def _with(**changes: object) -> ItemView:
    return ItemView(**{**item().__dict__, **changes})


def test_materials_residents_need_not_bring_are_listed_apart_and_said_plainly() -> None:
    text = _answer("materials", WORK, it=_with(materials=PAPERLESS))
    lines = text.splitlines()
    start = lines.index("所需材料：")
    assert lines[start + 1:start + 6] == [
        "1. 居民身份证（原件）",
        "以下 3 项无需提交纸质材料：",
        "2. 出生医学证明（可出示电子证照，部门核发）：可用电子版",
        "3. 结婚证（免提交，部门通过数据共享获取）：婚姻登记信息在线核验",  # no copies, no 容缺 for 免提交
        "4. 劳动合同（免提交，部门通过数据共享获取）",
    ]


def test_all_paperless_materials_say_so_in_the_heading_and_in_the_common_part() -> None:
    only = (PAPERLESS[1], PAPERLESS[2])
    text = _answer("materials", WORK, it=_with(materials=only))
    assert "所需材料（都无需提交纸质材料）：\n1. 出生医学证明（可出示电子证照" in text
    assert "以下 2 项" not in text
    asked = _answer("materials", ask=True, it=_with(materials=PAPERLESS))
    assert "所需材料，都需要：\n1. 居民身份证（原件）\n以下 2 项无需提交纸质材料：\n2. 出生医学证明" in asked
    assert "劳动合同" not in asked, "a situation's material waits for the situation"


def test_the_source_line_names_the_legal_basis_and_the_items_own_date() -> None:
    text = _answer("time", it=_with(legal_basis=PERMIT_BASIS, updated=date(2026, 11, 27)))
    assert text.splitlines()[-1] == (
        "依据：《居住证暂行条例》第九条（国务院令第663号，2016年1月1日施行）；《江州市居住证实施办法》（示例）；"
        "数据来源：江州市政务服务网（示例数据），江州市公安局，更新于 2026-11-27")


def test_a_free_items_fee_basis_is_given_when_the_fee_is_asked() -> None:
    free = _with(fee_basis="《居住证暂行条例》第二十一条：首次申领居住证免收证件工本费", situations=())
    expected = "收费标准：不收费（依据：《居住证暂行条例》第二十一条：首次申领居住证免收证件工本费）。"
    assert expected in _answer("fee", it=free)
    assert "收费：不收费\n" in _answer("materials", it=free) + "\n", "the summary line stays short"
