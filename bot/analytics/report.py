"""The console's figures for a period of city days (Asia/Shanghai): what each one counts.

* **Day**: the Asia/Shanghai date of the event (23:30 UTC on the 20th is the 21st, 07:30).
* **Conversations** of a day: conversations (sender ids) with at least one resident message that day;
  **messages**: resident messages (button presses included).
* **Fallback rate**: messages whose intent was ``nlu_fallback`` / messages.
* **Handoffs**: conversations with a desk ticket (live or call-back) opened that day; **handoff rate**:
  handoffs / conversations. **Wait**: from a live ticket's opening to its claim by staff; the median
  over the tickets claimed (tickets never claimed are counted as ``unclaimed``).
* **Top services**: messages about an item (see :mod:`bot.analytics.events`) and conversations (ties:
  more conversations first);
  **top intents**: messages per intent with their share.
* **Satisfaction**: ratings given in the period per level, and per rated item (ratings of a staff
  conversation under 人工服务, of the conversation in general under 整体评价) with 满意率 (非常满意 +
  满意 + 基本满意 over all), the mean level and the 差评 (不满意, 非常不满意).
"""
from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from sqlalchemy import select

from bot.analytics.events import UserMessage, read_messages
from bot.db import session_scope
from bot.desk.models import Ticket
from bot.hours.clock import TZ
from bot.ratings.levels import LEVELS, satisfaction_rate
from bot.ratings.models import Rating

MAX_DAYS = 366
TOP = 20
STAFF_SUBJECT = "人工服务"
GENERAL_SUBJECT = "整体评价"


class PeriodError(ValueError):
    """A period the console cannot show; the message is for the administrator."""


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # inclusive

    @property
    def days(self) -> List[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def bounds(self) -> Tuple[datetime, datetime]:
        """[start, end) as aware datetimes: local midnight of the first day, of the day after the last."""
        return (datetime.combine(self.first, time(0), TZ),
                datetime.combine(self.last + timedelta(days=1), time(0), TZ))


def parse_period(first: Optional[str], last: Optional[str], today: Optional[date] = None) -> Period:
    """``YYYY-MM-DD`` bounds, both inclusive; the last 7 days up to today by default."""
    today = today or datetime.now(TZ).date()
    try:
        end = date.fromisoformat(last) if last else today
        start = date.fromisoformat(first) if first else end - timedelta(days=6)
    except ValueError:
        raise PeriodError("日期格式应为 YYYY-MM-DD") from None
    if start > end:
        raise PeriodError("开始日期晚于结束日期")
    if (end - start).days + 1 > MAX_DAYS:
        raise PeriodError(f"时间范围最长 {MAX_DAYS} 天")
    return Period(start, end)


def local_day(timestamp: float) -> date:
    return datetime.fromtimestamp(timestamp, TZ).date()


def _rate(part: int, whole: int) -> Optional[float]:
    return round(part / whole, 4) if whole else None


def _round(value: Optional[float]) -> Optional[float]:
    return round(value, 4) if value is not None else None


def _median(values: Sequence[float]) -> Optional[float]:
    return round(statistics.median(values), 1) if values else None


@dataclass(frozen=True)
class TicketRow:
    sender_id: str
    kind: str
    created_at: datetime
    claimed_at: Optional[datetime]


def _tickets(start: datetime, end: datetime) -> List[TicketRow]:
    with session_scope() as session:
        rows = session.execute(select(Ticket.sender_id, Ticket.kind, Ticket.created_at, Ticket.claimed_at)
                               .where(Ticket.created_at >= start, Ticket.created_at < end)).all()
    return [TicketRow(*row) for row in rows]


def _ratings(start: datetime, end: datetime) -> List[Tuple[str, Optional[str], int]]:
    with session_scope() as session:
        rows = session.execute(select(Rating.subject_kind, Rating.service, Rating.level)
                               .where(Rating.created_at >= start, Rating.created_at < end)).all()
    return [(kind, service, int(level)) for kind, service, level in rows]


def daily(period: Period, messages: Sequence[UserMessage], tickets: Sequence[TicketRow]) -> List[Dict[str, Any]]:
    conversations: Dict[date, Set[str]] = defaultdict(set)
    counts: Counter = Counter()
    fallbacks: Counter = Counter()
    for message in messages:
        day = local_day(message.at)
        conversations[day].add(message.sender_id)
        counts[day] += 1
        fallbacks[day] += message.fallback
    handed: Dict[date, Set[str]] = defaultdict(set)
    waits: Dict[date, List[float]] = defaultdict(list)
    for ticket in tickets:
        day = ticket.created_at.astimezone(TZ).date()
        handed[day].add(ticket.sender_id)
        if ticket.kind == "live" and ticket.claimed_at is not None:
            waits[day].append((ticket.claimed_at - ticket.created_at).total_seconds())
    rows = []
    for day in period.days:
        talks = len(conversations[day])
        rows.append({"date": day.isoformat(), "conversations": talks, "messages": counts[day],
                     "fallbacks": fallbacks[day], "fallback_rate": _rate(fallbacks[day], counts[day]),
                     "handoffs": len(handed[day]), "handoff_rate": _rate(len(handed[day]), talks),
                     "median_wait_seconds": _median(waits[day])})
    return rows


def services(messages: Sequence[UserMessage], top: Optional[int] = TOP) -> List[Dict[str, Any]]:
    count: Counter = Counter()
    talks: Dict[str, Set[str]] = defaultdict(set)
    for message in messages:
        if message.service:
            count[message.service] += 1
            talks[message.service].add(message.sender_id)
    ranked = sorted(count.items(), key=lambda kv: (-kv[1], -len(talks[kv[0]]), kv[0]))[:top]
    return [{"service": name, "messages": n, "conversations": len(talks[name])} for name, n in ranked]


def intents(messages: Sequence[UserMessage], top: Optional[int] = TOP) -> List[Dict[str, Any]]:
    count = Counter(m.intent or "（无）" for m in messages)
    total = sum(count.values())
    ranked = sorted(count.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    return [{"intent": name, "messages": n, "share": _rate(n, total)} for name, n in ranked]


def satisfaction(ratings: Sequence[Tuple[str, Optional[str], int]]) -> Tuple[List[Dict[str, Any]],
                                                                               List[Dict[str, Any]]]:
    levels = Counter(level for _, _, level in ratings)
    total = sum(levels.values())
    by_level = [{"level": level, "name": name, "ratings": levels[level], "share": _rate(levels[level], total)}
                for level, name in LEVELS.items()]
    subjects: Dict[str, Counter] = defaultdict(Counter)
    for kind, service, level in ratings:
        subjects[STAFF_SUBJECT if kind == "ticket" else service or GENERAL_SUBJECT][level] += 1
    by_service = []
    for name, per_level in subjects.items():
        n = sum(per_level.values())
        rate = satisfaction_rate(dict(per_level))
        by_service.append({"service": name, "ratings": n, "satisfaction_rate": _round(rate),
                           "mean_level": round(sum(k * v for k, v in per_level.items()) / n, 2),
                           "bad": per_level[1] + per_level[2]})
    by_service.sort(key=lambda row: (-row["ratings"], row["service"]))
    return by_level, by_service


def build_report(period: Period, url: Optional[str] = None, top: Optional[int] = TOP) -> Dict[str, Any]:
    """Every table of the analytics page for ``period`` (``url``: the tracker database, default
    ``TRACKER_DB_URL``; desk tickets and ratings come from the application database; ``top``: rows of
    the service and intent tables, None for all)."""
    start, end = period.bounds()
    messages = read_messages(start.timestamp(), end.timestamp(), url)
    tickets = _tickets(start, end)
    ratings = _ratings(start, end)
    days = daily(period, messages, tickets)
    by_level, by_service = satisfaction(ratings)
    conversations = len({(m.sender_id, local_day(m.at)) for m in messages})
    waits = [(t.claimed_at - t.created_at).total_seconds() for t in tickets
             if t.kind == "live" and t.claimed_at is not None]
    fallbacks = sum(m.fallback for m in messages)
    handoffs = sum(row["handoffs"] for row in days)
    summary = {
        "first": period.first.isoformat(), "last": period.last.isoformat(),
        "conversations": conversations, "messages": len(messages),
        "fallbacks": fallbacks, "fallback_rate": _rate(fallbacks, len(messages)),
        "handoffs": handoffs, "handoff_rate": _rate(handoffs, conversations),
        "median_wait_seconds": _median(waits),
        "unclaimed": sum(1 for t in tickets if t.kind == "live" and t.claimed_at is None),
        "ratings": len(ratings), "satisfaction_rate": _round(satisfaction_rate(dict(Counter(r[2] for r in ratings)))),
    }
    return {"summary": summary, "daily": days, "services": services(messages, top), "intents": intents(messages, top),
            "satisfaction_levels": by_level, "satisfaction_services": by_service}
