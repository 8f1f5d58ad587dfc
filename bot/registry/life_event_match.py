"""Which life event (一件事) a message names, and which of its steps a follow-up is about.

The registry's own words decide, as for items. An event is *named* by its name or one of its
colloquial aliases ("媳妇生了", "刚退休"), written as is, or with a few words in between ("媳妇刚生了",
"刚刚退休"). When the question names none, :func:`rank_life_events` weighs the event's keywords
("过世", "火化": each by its length, a word inside a longer one found counts once) and the items the
resolver found that are steps of the event; the event is taken only when it clearly leads. A
follow-up after the checklist ("那出生登记要带什么") is about the step whose label, item name or
alias it names; else about the one candidate the resolver offered that is a step of the event.
Pure functions over the live views.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Iterable, List, Mapping, Optional, Sequence, Tuple

from bot.registry.life_events import LifeEventView, MemberView
from bot.registry.views import ItemView

MAX_GAP = 2  # characters that may stand between an alias's characters ("媳妇刚生了" names "媳妇生了")
MIN_LOOSE = 3  # shorter aliases must be written as they are
STEP_WEIGHT = 2.0  # a resolver candidate that is a step of the event counts like a 2-character keyword
LEAD = 1.5  # the best event is taken when its evidence is at least this much more than the next one's


@dataclass(frozen=True)
class EventMatch:
    event: LifeEventView
    via: str  # the name or alias found
    exact: bool  # written as is (else with words in between)


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split()).lower()


def _loose(term: str, text: str) -> bool:
    """``term``'s characters in order in ``text``, at most MAX_GAP others between two of them."""
    for start, char in enumerate(text):
        if char != term[0]:
            continue
        pos, ok = start, True
        for wanted in term[1:]:
            found = text.find(wanted, pos + 1, pos + 2 + MAX_GAP)
            if found < 0:
                ok = False
                break
            pos = found
        if ok:
            return True
    return False


def find_life_events(text: str, events: Iterable[LifeEventView]) -> List[EventMatch]:
    """Every event the text names, best first: exact before loose, longer names before shorter."""
    norm = _norm(text)
    found: List[Tuple[Tuple[bool, int], EventMatch]] = []
    if not norm:
        return []
    for event in events:
        best: Optional[EventMatch] = None
        for term in (event.name, *event.aliases):
            key = _norm(term)
            if not key:
                continue
            if key in norm:
                match = EventMatch(event, term, True)
            elif len(key) >= MIN_LOOSE and _loose(key, norm):
                match = EventMatch(event, term, False)
            else:
                continue
            if best is None or (match.exact, len(match.via)) > (best.exact, len(best.via)):
                best = match
        if best is not None:
            found.append(((best.exact, len(_norm(best.via))), best))
    found.sort(key=lambda pair: pair[0], reverse=True)
    return [match for _key, match in found]


def find_life_event(text: str, events: Iterable[LifeEventView]) -> Optional[EventMatch]:
    """The one event the text names; None when it names none, or two equally well."""
    matches = find_life_events(text, events)
    if not matches:
        return None
    if len(matches) > 1 and (matches[0].exact, len(matches[0].via)) == (matches[1].exact, len(matches[1].via)):
        return None
    return matches[0]


def rank_life_events(text: str, events: Iterable[LifeEventView], candidates: Sequence[str] = (),
                     step_weight: float = STEP_WEIGHT) -> List[Tuple[float, LifeEventView]]:
    """Events by the evidence of their keywords in the text and of the resolver's ``candidates``
    (item codes, best first; ``step_weight`` for the first, half for the second …) that are their
    steps; only events with some evidence, best first."""
    norm = _norm(text)
    ranked: List[Tuple[float, LifeEventView]] = []
    for event in events:
        found = sorted({k for k in map(_norm, event.keywords) if k and k in norm}, key=len, reverse=True)
        kept: List[str] = []
        for word in found:  # "残疾" inside "残疾人" counts once
            if not any(word in longer for longer in kept):
                kept.append(word)
        steps = {m.item_code for m in event.members}
        score = sum(len(w) for w in kept) + sum(step_weight / (rank + 1)
                                               for rank, code in enumerate(candidates) if code in steps)
        if score > 0:
            ranked.append((score, event))
    ranked.sort(key=lambda pair: pair[0], reverse=True)
    return ranked


def likely_life_event(text: str, events: Iterable[LifeEventView], candidates: Sequence[str] = (),
                      step_weight: float = STEP_WEIGHT) -> Tuple[Optional[LifeEventView], List[LifeEventView]]:
    """``(event, [])`` when the message names an event or one clearly leads on evidence;
    ``(None, the leading events)`` when two or more are close; ``(None, [])`` when none has any."""
    events = list(events)
    named = find_life_event(text, events)
    if named is not None:
        return named.event, []
    ranked = rank_life_events(text, events, candidates, step_weight)
    if not ranked:
        return None, []
    if len(ranked) == 1 or ranked[0][0] >= ranked[1][0] + LEAD:
        return ranked[0][1], []
    return None, [e for score, e in ranked if score >= ranked[0][0] - LEAD][:4]


def events_with_item(code: str, events: Iterable[LifeEventView]) -> List[LifeEventView]:
    """The events that have the item as a step (for "孩子上小学要准备什么": 小学入学登记 → 入学一件事)."""
    return [e for e in events if any(m.item_code == code for m in e.members)]


def member_for(event: LifeEventView, items: Mapping[str, ItemView], text: str,
               candidates: Sequence[str] = ()) -> Optional[Tuple[ItemView, MemberView]]:
    """The step of ``event`` a follow-up is about: the one whose label, item name or alias the text
    names (longest wins), else the one item among the resolver's ``candidates`` (codes) that is a
    step. None when neither says."""
    norm = _norm(text)
    best: Optional[Tuple[int, ItemView, MemberView]] = None
    for member in event.members:
        item = items.get(member.item_code)
        if item is None:
            continue
        for term in (member.label, item.name, *getattr(item, "aliases", ())):
            key = _norm(term)
            if len(key) >= 2 and key in norm and (best is None or len(key) > best[0]):
                best = (len(key), item, member)
    if best is not None:
        return best[1], best[2]
    steps = [(items[m.item_code], m) for m in event.members
             if m.item_code in candidates and m.item_code in items]
    return steps[0] if len(steps) == 1 else None


def step_in_context(events: Mapping[str, LifeEventView], items: Iterable[ItemView], event_code: Optional[str],
                    text: str, candidates: Sequence[str] = ()) -> Optional[Tuple[ItemView, Optional[str]]]:
    """After a life event's checklist (``event_code``, the conversation's ``life_event`` slot): the
    step a follow-up names, with the situation the event uses for it when it uses exactly one and
    the resident is plainly following the checklist — naming the step by the checklist's own label
    ("公积金退休提取"), or clicking its button (a ``/`` payload). A step only found by its item's name
    or the resolver ("社保卡补办" long after a birth) gets no situation from the event."""
    event = events.get(event_code or "")
    if event is None:
        return None
    found = member_for(event, {item.code: item for item in items}, text, candidates)
    if found is None:
        return None
    item, member = found
    following = text.startswith("/") or (len(_norm(member.label)) >= 2 and _norm(member.label) in _norm(text))
    return item, member.situations[0] if following and len(member.situations) == 1 else None


__all__ = ["EventMatch", "events_with_item", "find_life_event", "find_life_events", "likely_life_event", "member_for",
           "rank_life_events", "step_in_context"]
