"""The conversations ``make bench-load`` plays, as data: the locust file (in its own, gevent-patched
process) and the driver (which warms the stack up with them and orders the report's rows) both read
this module, so it imports nothing but the standard library.

Every turn is a named step (a row of the report) with a piece of the reply that shows the assistant
understood it: a reply without it counts as a failure, so an answer that is fast but wrong (or the
rate limiter's "too fast") is not counted as served. The texts are ones the model is trained and
tested on (data/nlu, tests/test_stories.yml, tests/bench/latency.py).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, List, Optional, Tuple

WEBHOOK = "/webhooks/rest/webhook"


@dataclass(frozen=True)
class Step:
    name: str    # the report's row
    text: str    # what the resident types
    # a piece of the bot's reply that shows the turn was understood; "" any reply, None no reply (a message
    # to the desk while the conversation is paused is stored for the staff, the bot says nothing)
    expect: Optional[str]


@dataclass(frozen=True)
class Conversation:
    title: str
    weight: int  # how often residents have this conversation, relative to the others
    steps: Tuple[Step, ...]


FIRST = "事项：首问"
MATERIALS = "事项：追问材料"
WHERE = "事项：追问地点"
DETAIL = "事项：补充情形或所在区"
TIME_FEE = "事项：追问时限/收费"
HOURS = "办公时间"
FACILITY = "设施"
HANDOFF = "转人工"
WAITING = "排队中留言"
CANCEL = "取消排队"
TALK = "寒暄"

STEP_ORDER = (FIRST, MATERIALS, WHERE, DETAIL, TIME_FEE, HOURS, FACILITY, HANDOFF, WAITING, CANCEL, TALK)

CONVERSATIONS: Tuple[Conversation, ...] = (
    Conversation("身份证补领", 3, (
        Step(FIRST, "身份证丢了怎么补办", "【居民身份证换领/补领"),
        Step(MATERIALS, "要带什么", "所需材料"),
        Step(WHERE, "在哪里办", "哪个区"),
        Step(DETAIL, "南港区", "办理地点"),
        Step(HOURS, "几点上班", "南港区政务服务中心"),
    )),
    Conversation("居住证", 3, (
        Step(TALK, "你好", "您好"),
        Step(FIRST, "办居住证要带啥", "【居住证首次申领】"),
        Step(DETAIL, "我在这边上班", "合法稳定就业"),
        Step(TIME_FEE, "那要多久？", "办理时限"),
        Step(TIME_FEE, "要钱吗", "收费标准"),
        Step(TALK, "谢谢", "不客气"),
    )),
    Conversation("驾照换证", 2, (
        Step(FIRST, "驾照快到期了咋换", "【机动车驾驶证期满换证"),
        Step(WHERE, "去哪办", "哪个区"),
        Step(DETAIL, "南港区", "办理地点"),
        Step(TIME_FEE, "要钱吗", "收费标准"),
    )),
    Conversation("社保卡补办", 2, (
        Step(FIRST, "社保卡丢了怎么补", "【社会保障卡"),
        Step(WHERE, "去哪办", "哪个区"),
        Step(DETAIL, "东湖区", "办理地点"),
        Step(TIME_FEE, "要多久", "办理时限"),
    )),
    Conversation("设施和办公时间", 2, (
        Step(FACILITY, "附近的医院", "医疗机构"),
        Step(FACILITY, "南港区有哪些三甲医院", "三甲医院"),
        Step(FACILITY, "最近的社保服务点在哪", "社保"),
        Step(HOURS, "东湖区政务服务中心几点关门", "东湖区政务服务中心"),
        Step(HOURS, "明天开门吗", "明天"),
    )),
    Conversation("转人工", 1, (
        Step(FIRST, "护照去哪办", "普通护照"),
        Step(HANDOFF, "转人工", "工单号"),
        Step(WAITING, "我下个月出国，能加急吗", None),
        Step(CANCEL, "取消", "已取消人工服务排队"),
        Step(TALK, "好的谢谢", "不客气"),
    )),
)

def reply_text(body: Any) -> str:
    """The texts and button titles of a REST webhook reply, one string."""
    parts: List[str] = []
    for message in body if isinstance(body, list) else []:
        parts.append(str(message.get("text") or ""))
        parts.extend(str(b.get("title") or "") for b in message.get("buttons") or [])
    return "\n".join(parts)


def problem(step: Step, status: int, content: bytes) -> str:
    """Why a reply does not count as served; "" when it does."""
    if status != 200:
        return f"HTTP {status}"
    try:
        body = json.loads(content or b"null")
    except ValueError:
        return "reply is not JSON"
    if step.expect is None:
        return ""  # a message for the desk: stored, no reply from the bot
    if not body:
        return "no reply"
    said = reply_text(body)
    if step.expect not in said:
        return f"reply without 「{step.expect}」: {said[:60]!r}"
    return ""
