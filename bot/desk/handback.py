"""What the desk sends Rasa when a conversation goes back to the assistant, and WeChat's verdict.

Resuming needs ``resume`` and then ``action_listen`` (rasa#5645: without the listen the next
prediction goes wrong). The bot greets the resident back, the slots stay, and the resident is
invited to rate the service (好差评) about this ticket.
"""
from __future__ import annotations

import time
from typing import Any, Dict, List, Optional

from bot.channels.wechat import repository as wechat_store
from bot.desk.tickets import TicketInfo
from bot.ratings.levels import rating_buttons

HANDED_BACK = "工作人员已结束本次人工服务，接下来由智能助手继续为您服务，您可以直接提问。"
ENDED = "本次人工服务已结束，感谢您的耐心。如还有问题，可以随时再问我。"
RATE_STAFF = "请为本次人工服务评价（可不评价）："


def resume_events(ticket: TicketInfo, hand_back: bool, now: Optional[float] = None) -> List[Dict[str, Any]]:
    """Events that end the pause, say goodbye or welcome back, and offer the rating."""
    now = now or time.time()
    events: List[Dict[str, Any]] = [{"event": "resume", "timestamp": now}]
    if not hand_back:
        events.append({"event": "reset_slots", "timestamp": now})
    events += [
        {"event": "bot", "text": HANDED_BACK if hand_back else ENDED, "timestamp": now,
         "metadata": {"handoff": "closed"}},
        {"event": "bot", "text": RATE_STAFF, "timestamp": now,
         "data": {"buttons": rating_buttons()}},
        {"event": "slot", "name": "rating_subject", "value": f"ticket:{ticket.id}", "timestamp": now},
        {"event": "action", "name": "action_listen", "timestamp": now},
    ]
    return events


def wechat_failure_since(openid: str, since: float) -> Optional[str]:
    """WeChat's refusal of a 客服 message to ``openid`` recorded at or after ``since``."""
    for failure in wechat_store.list_failures(openid, limit=5):
        if float(failure["created_at"]) >= since - 0.001:
            return f"{failure['errmsg'] or '发送失败'}（错误码 {failure['errcode']}）"
    return None
