"""12345 work orders in the conversation: the intake form for 投诉求助 and 建言, and the status lookup.

The message that starts the intake (intent ``report_problem`` or ``make_suggestion``) sets the
category and, when it already says what happened, the description, so the resident is not asked
twice. ``workorder_form`` then asks where (district and place), when, and an optional phone number,
shows everything once more for 确认 / 修改 / 取消, then asks for the optional phone number last
and files the order in that same turn (so the number is used before any stored copy is masked). The order is filed by
:func:`bot.workorders.filing.submit` (routing, time limits, masking); the number, the department
and the first-response limit are told to the resident.

A status lookup shows an order only to the conversation that filed it (same channel and sender):
any other number gets the same "not found" answer, so numbers cannot be probed.
"""
from __future__ import annotations

import asyncio
import logging
import re
import unicodedata
from datetime import datetime
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import hotline, latest_intent, latest_text, typed_text
from actions.handoff import normalise_phone
from bot.channels.handoff import is_cancel
from bot.places import find_district, normalize_district
from bot.privacy import mask_phone
from bot.workorders import filing, policy, store
from bot.workorders.store import WorkOrderInfo

logger = logging.getLogger(__name__)

CATEGORY_OF_INTENT = {"report_problem": "投诉求助", "make_suggestion": "建言"}
SLOTS = ("wo_category", "wo_what", "wo_place", "wo_district", "wo_when", "wo_confirm", "wo_phone")
SKIPPED = "跳过"  # an optional answer the resident declined: filled, so the form does not ask again
_SKIP_WORDS = frozenset({"跳过", "不留", "不留了", "不用", "不用了", "不想留", "不知道", "不清楚", "不记得",
                         "不记得了", "不确定", "忘了", "没有", "无", "算了不留", "略过", "skip", "pass"})
# words that only say a report is coming ("我要投诉"), never what happened
_OPENERS = re.compile(r"我(?:想|要|来)?|要|想|给|帮我|请|麻烦|您好|你好|一下|一个|个|登记|提交|反映|投诉|举报|求助|"
                      r"报修|建议|意见|提|工单|情况|问题|事情|政府|相关部门|有|的|了|吧|呢|啊")
_NOT_WORDS = re.compile(r"[\s\W_]+", re.UNICODE)
MIN_WHAT_CHARS = 4  # what is left of a description after the openers
MAX_WHAT_CHARS = 2000
# what each field is called when the resident asks to change it at the confirmation
_FIELD_WORDS = (("wo_what", ("描述", "内容", "问题", "情况", "事情", "经过", "发生了什么")),
                ("wo_place", ("地点", "地址", "位置", "地方", "哪里", "在哪")),
                ("wo_district", ("区",)),
                ("wo_when", ("时间", "什么时候", "日期", "时候")))
_YES = frozenset({"提交", "确认", "确认无误", "无误", "确认提交", "确定", "好", "好的", "是", "是的", "对", "对的",
                  "没问题", "可以", "行", "嗯", "ok", "yes"})


def _words(text: str) -> str:
    return _NOT_WORDS.sub("", unicodedata.normalize("NFKC", text or "")).lower()


def says_what_happened(text: str) -> bool:
    """Whether a message says more than "我要投诉": a few words are left once openers are removed."""
    return len(_OPENERS.sub("", _words(text))) >= MIN_WHAT_CHARS


def is_skip(text: str) -> bool:
    return _words(text) in _SKIP_WORDS


def first_response(category: str) -> str:
    """「1个工作日内首次答复」 from the city's time-limit policy (never fails: the policy's errors are logged)."""
    try:
        return policy.load_policy().first_response_phrase(category)
    except policy.PolicyError as exc:
        logger.error("work-order policy unavailable: %s", exc)
        return "工作人员会尽快答复"


def _districts() -> List[str]:
    from bot.registry.live import live_registry

    return list(live_registry().snapshot().districts)


class ActionStartWorkorder(Action):
    """Sets the category from the intent, keeps the first message as the description when it is one."""

    def name(self) -> str:
        return "action_start_workorder"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        category = CATEGORY_OF_INTENT.get(latest_intent(tracker), "投诉求助")
        text = " ".join(typed_text(tracker).split())
        events: List[EventType] = [SlotSet(slot, None) for slot in SLOTS]
        events.append(SlotSet("wo_category", category))
        kind = "建议" if category == "建言" else "投诉或求助"
        limit = await asyncio.to_thread(first_response, category)
        dispatcher.utter_message(text=f"好的，我来帮您登记{kind}工单，登记后转交承办部门，{limit}。"
                                      "过程中输入「取消」可随时放弃。")
        if says_what_happened(text):
            events.append(SlotSet("wo_what", text[:MAX_WHAT_CHARS]))
            if category == "投诉求助":
                district = find_district(text, await asyncio.to_thread(_districts))
                if district:
                    events.append(SlotSet("wo_district", district))
        return events


class ValidateWorkorderForm(FormValidationAction):
    """Checks each answer; 建言 skips where and when; 取消 ends the form with nothing filed.

    rasa-sdk validates every slot set since the resident's message, so the empty values that
    action_start_workorder sets are validated too on the form's first run: a validator passes an
    empty value through silently (only an answer can be refused or taken as "跳过")."""

    def name(self) -> str:
        return "validate_workorder_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if tracker.active_loop.get("name") == "workorder_form" and is_cancel(latest_text(tracker)):
            dispatcher.utter_message(text="好的，已取消，没有登记工单。您可以继续向我提问。")
            return [*(SlotSet(slot, None) for slot in SLOTS), SlotSet("requested_slot", None), ActiveLoop(None)]
        return await super().run(dispatcher, tracker, domain)

    async def required_slots(self, domain_slots: List[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> List[str]:
        if tracker.get_slot("wo_category") == "建言":
            return [s for s in domain_slots if s not in ("wo_place", "wo_district", "wo_when")]
        return domain_slots

    def validate_wo_what(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                         domain: DomainDict) -> Dict[str, Any]:
        if value is None:  # emptied by action_start_workorder, not an answer
            return {"wo_what": None}
        text = _as_typed(value, tracker)
        if not says_what_happened(text):
            dispatcher.utter_message(text="请具体说说是什么事，比如「小区门口路灯坏了一周」。")
            return {"wo_what": None}
        return {"wo_what": text[:MAX_WHAT_CHARS]}

    async def validate_wo_place(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> Dict[str, Any]:
        if value is None:  # emptied by action_start_workorder, not an answer
            return {"wo_place": None}
        text = _as_typed(value, tracker)
        if len(_words(text)) < 2 or is_skip(text):
            dispatcher.utter_message(text="承办部门需要知道地点才能处理，请说区和具体地址或附近的地名。")
            return {"wo_place": None}
        district = find_district(text, await asyncio.to_thread(_districts))
        slots: Dict[str, Any] = {"wo_place": text[:300]}
        if district:
            slots["wo_district"] = district
        return slots

    async def validate_wo_district(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> Dict[str, Any]:
        if value is None:  # emptied by action_start_workorder, not an answer
            return {"wo_district": None}
        text = str(value or "")
        if is_skip(text):
            return {"wo_district": SKIPPED}
        known = await asyncio.to_thread(_districts)
        district = normalize_district(text.strip(), known) or find_district(text, known)
        if district is None:
            dispatcher.utter_message(text="没有找到这个区，请从下面选择，不确定可以点「不确定」。",
                                     buttons=_district_buttons(known))
            return {"wo_district": None}
        return {"wo_district": district}

    def validate_wo_when(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                         domain: DomainDict) -> Dict[str, Any]:
        if value is None:  # emptied by action_start_workorder, not an answer
            return {"wo_when": None}
        text = _as_typed(value, tracker)
        if not text or is_skip(text):
            return {"wo_when": SKIPPED}
        return {"wo_when": text[:100]}

    def validate_wo_phone(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: DomainDict) -> Dict[str, Any]:
        if value is None:  # emptied by action_start_workorder, not an answer
            return {"wo_phone": None}
        text = str(value or "")
        if is_skip(text):
            return {"wo_phone": SKIPPED}
        phone = normalise_phone(text)
        if phone is None:
            dispatcher.utter_message(text="这个号码好像不对。请输入 11 位手机号或带区号的固定电话（如 0000-12345678），"
                                          "不想留可以说「跳过」。")
            return {"wo_phone": None}
        return {"wo_phone": phone}

    def validate_wo_confirm(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                            domain: DomainDict) -> Dict[str, Any]:
        if value is None:  # emptied by action_start_workorder, not an answer
            return {"wo_confirm": None}
        words = _words(str(value or ""))
        if words in _YES or (latest_intent(tracker) == "affirm" and not any(w in words for w in ("改", "错"))):
            return {"wo_confirm": "yes"}
        field = next((slot for slot, names in _FIELD_WORDS if any(n in words for n in names)), None)
        if field == "wo_district" and tracker.get_slot("wo_category") == "建言":
            field = None
        if field is not None and ("改" in words or "错" in words or "不对" in words or "重新" in words
                                  or "换" in words or words.startswith(("修改", "更正"))):
            return {"wo_confirm": None, field: None}
        dispatcher.utter_message(text="请选择「确认」，或说要修改哪一项（比如「修改地点」），也可以「取消」。")
        return {"wo_confirm": None}


def _as_typed(value: Any, tracker: Tracker) -> str:
    """A free-text answer as the resident typed it: the form fills slots from the normalised text
    (half-width punctuation, 繁→简, capped), but the department should read the resident's words."""
    text = " ".join(str(value or "").split())
    if text and text == " ".join(latest_text(tracker).split()):
        return " ".join(typed_text(tracker).split())
    return text


def _district_buttons(known: List[str]) -> List[Dict[str, str]]:
    return [*({"title": d, "payload": d} for d in known), {"title": "不确定", "payload": SKIPPED}]


class ActionAskWoDistrict(Action):
    """The district, with a button per district (only asked when the place named none)."""

    def name(self) -> str:
        return "action_ask_wo_district"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        known = await asyncio.to_thread(_districts)
        dispatcher.utter_message(text="请问是在哪个区？", buttons=_district_buttons(known))
        return []


def summary(tracker: Tracker) -> str:
    """What will be filed, each answer on its line (the optional phone number is asked after)."""
    slots = {slot: tracker.get_slot(slot) for slot in SLOTS}
    lines = [f"类型：{'建议' if slots['wo_category'] == '建言' else '投诉求助'}", f"内容：{slots['wo_what']}"]
    if slots["wo_category"] != "建言":
        district = slots["wo_district"] if slots["wo_district"] not in (None, SKIPPED) else ""
        place = slots["wo_place"] or ""
        lines.append(f"地点：{place if district and district in place else (district + ' ' + place).strip()}")
        lines.append(f"时间：{'未说明' if slots['wo_when'] in (None, SKIPPED) else slots['wo_when']}")
    return "\n".join(lines)


class ActionAskWoConfirm(Action):
    """Everything once more before filing: 确认, 修改 one answer, or 取消."""

    def name(self) -> str:
        return "action_ask_wo_confirm"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        buttons = [{"title": "确认", "payload": "确认"}, {"title": "修改内容", "payload": "修改内容"}]
        if tracker.get_slot("wo_category") != "建言":
            buttons += [{"title": "修改地点", "payload": "修改地点"}, {"title": "修改时间", "payload": "修改时间"}]
        buttons.append({"title": "取消", "payload": "取消"})
        dispatcher.utter_message(text=f"请核对要登记的内容：\n{summary(tracker)}\n无误请点「确认」。", buttons=buttons)
        return []


class ActionSubmitWorkorder(Action):
    """Files the order and tells its number, where it went and when to expect an answer; the phone
    number (if any) is shown masked."""

    def name(self) -> str:
        return "action_submit_workorder"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        clear = [SlotSet(slot, None) for slot in SLOTS]
        if tracker.get_slot("wo_confirm") != "yes" or not tracker.get_slot("wo_what"):
            return clear  # cancelled: the validation already said so

        def optional(slot: str) -> Optional[str]:
            value = tracker.get_slot(slot)
            return None if value in (None, SKIPPED, "") else str(value)

        try:
            order = await asyncio.to_thread(
                filing.submit, tracker.get_latest_input_channel() or "unknown", tracker.sender_id,
                tracker.get_slot("wo_category") or "投诉求助", str(tracker.get_slot("wo_what")),
                district=optional("wo_district"), place=optional("wo_place"), when_text=optional("wo_when"),
                phone=optional("wo_phone"))
        except Exception:
            logger.exception("could not file a work order")
            dispatcher.utter_message(text=f"抱歉，工单没有登记成功，请稍后再试，"
                                          f"或拨打 {hotline()} 政务服务便民热线反映。")
            return clear
        dispatcher.utter_message(text=await asyncio.to_thread(filed_text, order))
        return clear


def _local(moment: Optional[datetime]) -> str:
    if moment is None:
        return ""
    from bot.hours import to_local

    local = to_local(moment)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def filed_text(order: WorkOrderInfo) -> str:
    where = (f"已转交「{order.department}」办理" if order.department and not order.triage
             else "正在由工作人员确定承办部门")
    due = f"，{policy.promise(order.category, order.created_at)}"
    phone = f"答复时会拨打 {mask_phone(order.phone)}；" if order.phone else ""
    return (f"已为您登记工单，编号 {order.number}（请记下，查询进度时报这个编号）。{where}{due}。"
            f"{phone}办理有进展会在这里通知您，您也可以随时说「查询工单 {order.number}」。")


class ActionCheckWorkorder(Action):
    """Status and latest reply of an order, only for the conversation that filed it."""

    def name(self) -> str:
        return "action_check_workorder"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        channel = tracker.get_latest_input_channel() or "unknown"
        number = store.find_number(latest_text(tracker))
        if number is None:
            mine = await asyncio.to_thread(store.orders_of, channel, tracker.sender_id)
            if not mine:
                dispatcher.utter_message(text="请告诉我工单编号（形如 JZ20261127-0042）。"
                                              "只能查询在本对话中登记的工单。")
                return []
            if len(mine) == 1:
                dispatcher.utter_message(text=status_text(mine[0]))
                return []
            dispatcher.utter_message(text="您在这里登记过这些工单，请选择要查询的：",
                                     buttons=[{"title": f"{o.number}（{o.status}）", "payload": f"查询工单 {o.number}"}
                                              for o in mine[:5]])
            return []
        order = await asyncio.to_thread(store.order_for, number, channel, tracker.sender_id)
        if order is None:
            dispatcher.utter_message(text=f"没有查到您登记的工单 {number}。"
                                          f"为保护个人信息，只能查询在本对话中登记的工单；"
                                          f"如在其他渠道反映，请拨打 {hotline()} 查询。")
            return []
        dispatcher.utter_message(text=status_text(order))
        return []


def status_text(order: WorkOrderInfo) -> str:
    department = order.department if order.department and not order.triage else "待确定承办部门"
    lines = [f"工单 {order.number}（{_local(order.created_at)} 登记）：{order.status}，承办部门：{department}。"]
    if order.reply:
        lines.append(f"最新答复：{order.reply}")
    elif order.status in ("受理", "办理中") and order.due_at:
        lines.append(f"承办部门将在 {_local(order.due_at)} 前首次答复。")
    return "\n".join(lines)
