"""A life event's merged checklist as concise Chinese text, in sections, and as WeChat messages.

The sections (overview and steps; materials; where to go and the source) are separate chat
messages on the web page. WeChat takes at most 2048 bytes per text, so :func:`wechat_messages`
cuts the same text with the WeChat channel's own splitter (whole lines, never mid-line).
"""
from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from bot.channels.wechat.render import MAX_TEXT_BYTES, split_text
from bot.registry.checklist import Checklist, MergedMaterial, Need, Step, group_by_how
from bot.registry.views import LocationView, where_to_go

HOW_PHRASES = {"电子证照": "可出示电子证照", "免提交": "免提交"}
ALL_DISTRICTS = 6  # an item handled at this many district centres or more is "各区政务服务中心"


def render_sections(checklist: Checklist, district: Optional[str] = None, hotline: str = "12345") -> List[str]:
    """The checklist as 3 chat messages: overview and steps, materials, places and source."""
    return [_overview(checklist), _materials(checklist), _places(checklist, district, hotline)]


def render_text(checklist: Checklist, district: Optional[str] = None, hotline: str = "12345") -> str:
    return "\n\n".join(render_sections(checklist, district, hotline))


def wechat_messages(text: str, max_bytes: int = MAX_TEXT_BYTES) -> List[str]:
    """The text as WeChat messages of at most ``max_bytes`` UTF-8 bytes each, cut between sections,
    else between lines (the channel's splitter, bot/channels/wechat/render.py)."""
    return split_text(text, max_bytes)


# -- overview and steps --------------------------------------------------------------------------

def _overview(checklist: Checklist) -> str:
    event = checklist.event
    steps = checklist.steps
    everyone = [s for s in steps if not s.condition]
    rest = len(steps) - len(everyone)
    count = f"联办 {len(everyone)} 项" + (f"，另有 {rest} 项按情况办理" if rest else "")
    visits = "不用跑现场" if event.total_visits == 0 else f"最多跑 {event.total_visits} 次"
    saved = (f"（分开办最多要跑 {checklist.separate_visits} 次）"
             if checklist.separate_visits > event.total_visits else "")
    lines = [f"【{event.name}】", event.description,
             f"一次申请、{count}：{visits}，约 {event.total_days} 个工作日全部办结{saved}。",
             *([event.time_note] if event.time_note else []),
             f"网上申请入口：{event.online_url}", "", "办理顺序："]
    lines += [_step_line(step) for step in steps]
    if checklist.missing:
        lines.append(f"另有 {len(checklist.missing)} 项暂未在办事指南中提供，请咨询办理部门。")
    return "\n".join(lines)


def _step_line(step: Step) -> str:
    item = step.item
    head = f"{step.number}. {step.label}" + (f"（{step.condition}）" if step.condition else "")
    visits = "，不用跑" if item.max_visits == 0 else f"，最多跑 {item.max_visits} 次"
    if step.member.where:
        way = f"在{step.member.where}办理"
    elif item.online_url and item.online_depth == "全程网办":
        way = "可全程网上办" + visits
    elif item.online_url and item.online_depth and item.online_depth != "仅线下":
        way = f"可{item.online_depth}{visits}"
    else:
        way = "需到现场办理"
    note = f"；{step.member.note}" if step.member.note else ""
    return f"{head}：{way}{note}"


# -- materials -----------------------------------------------------------------------------------

def _materials(checklist: Checklist) -> str:
    brought = [m for m in checklist.materials if not m.produced and not m.shared]
    always = [m for m in brought if not m.conditional]
    sometimes = [m for m in brought if m.conditional]
    shared = [m for m in checklist.materials if m.shared]
    produced = [m for m in checklist.materials if m.produced]
    lines = ["准备材料（同一份材料只准备一次）："]
    lines += [f"{i}. {_material_line(m, checklist)}" for i, m in enumerate(always, 1)] or ["无需另备材料。"]
    if sometimes:
        lines += ["", "按情况另备（条件见上面的办理顺序）："] + [f"· {_material_line(m, checklist)}" for m in sometimes]
    if shared:
        lines += ["", f"以下 {len(shared)} 项无需提交，部门间共享获取："] + [f"· {_shared_line(m)}" for m in shared]
    if produced:
        lines += ["", "前面步骤办出、不用另备的："] + [f"· {_produced_line(m, checklist)}" for m in produced]
    return "\n".join(lines)


def _material_line(material: MergedMaterial, checklist: Checklist) -> str:
    needs = material.to_bring
    holders = _unique(n.holder for n in needs if n.holder)
    head = material.name + (f"（{'、'.join(holders)}）" if holders else "")
    copies = max(n.material.copies for n in needs)
    if copies > 1:
        head += f"，{copies} 份"
    if not any(n.material.required for n in needs):
        head += "，可容缺后补"
    groups = group_by_how(needs)
    if len(groups) == 1:
        (way, group), = groups
        body = f"{_phrase(way)}；{_labels(group)} 需要"
    else:
        body = "；".join(f"{_phrase(way)}（{_labels(group)}）" for way, group in groups)
    made = _made_by(material, checklist)
    return f"{head}：{body}" + (f"；{made}" if made else "")


def _shared_line(material: MergedMaterial) -> str:
    holders = _unique(n.holder for n in material.to_bring if n.holder)
    return material.name + (f"（{'、'.join(holders)}）" if holders else "") + f"：{_labels(material.to_bring)}"


def _produced_line(material: MergedMaterial, checklist: Checklist) -> str:
    return f"{material.name}：{_made_by(material, checklist)}，{_labels(material.needs)} 用"


def _made_by(material: MergedMaterial, checklist: Checklist) -> str:
    steps = sorted({n for need in material.needs for n in need.produced_by})
    if not steps:
        return ""
    labels = "或".join(f"第 {n} 步「{checklist.steps[n - 1].label}」" for n in steps)
    return f"{labels}办出后{'直接用' if material.produced else '，之后的步骤直接用'}"


def _labels(needs: Sequence[Need]) -> str:
    """Step names, each once, in step order, with the situations that need it ("出生登记·非婚生育";
    a step's own condition is in the steps list, next to its name)."""
    seen: Dict[str, List[str]] = {}
    for need in sorted(needs, key=lambda n: n.step):
        conditions = seen.setdefault(need.label, [])
        if need.situation and need.situation not in conditions:
            conditions.append(need.situation)
    return "、".join(f"{label}·{'/'.join(c)}" if c else label for label, c in seen.items())


def _phrase(way: str) -> str:
    return HOW_PHRASES.get(way, way)


def _unique(values: Iterable[str]) -> List[str]:
    out: List[str] = []
    for value in values:
        if value not in out:
            out.append(value)
    return out


# -- places and source ---------------------------------------------------------------------------

def _places(checklist: Checklist, district: Optional[str], hotline: str) -> str:
    groups: Dict[str, List[str]] = {}
    online_only: List[str] = []
    for step in checklist.steps:
        if step.member.where:
            groups.setdefault(step.member.where, []).append(step.label)
        elif step.item.max_visits == 0 and step.item.online_depth == "全程网办":
            online_only.append(step.label)
        else:
            groups.setdefault(_place(step, district), []).append(step.label)
    lines = ["去哪办："] + [f"· {'、'.join(labels)}：{place}" for place, labels in groups.items()]
    if online_only:
        lines.append(f"· {'、'.join(online_only)}：网上办理即可，不用跑")
    if not district and any(_districts(s.item.locations) > 1 for s in checklist.steps if not s.member.where):
        lines.append("告诉我您在哪个区，我给您就近的地址。")
    event = checklist.event
    lines += ["", f"想单独了解其中一项，直接问就行，比如「{_example(checklist)}要带什么」。",
              f"咨询电话：{hotline}（政务服务便民热线）",
              f"数据来源：{event.source}，更新于 {event.updated.isoformat()}；组合依据：{event.basis}"]
    return "\n".join(lines)


def _place(step: Step, district: Optional[str]) -> str:
    locations = where_to_go(step.item, district)
    if not locations:
        return "办事指南未列出地点，请电话咨询"
    if district:
        own = [loc for loc in locations if loc.district == district] or locations
        return "；".join(f"{loc.name}（{loc.address}，电话 {loc.phone}）" for loc in own[:2])
    city = [loc.name for loc in locations if not loc.district]
    if _districts(locations) >= ALL_DISTRICTS:
        return "、".join([*city, "各区政务服务中心"])
    return "、".join(loc.name for loc in locations)


def _districts(locations: Sequence[LocationView]) -> int:
    return len({loc.district for loc in locations if loc.district})


def _example(checklist: Checklist) -> str:
    labelled: List[Tuple[int, str]] = [(len(s.item.materials), s.label) for s in checklist.steps if not s.condition]
    return max(labelled)[1] if labelled else checklist.steps[0].label if checklist.steps else "某一项"


__all__ = ["render_sections", "render_text", "wechat_messages"]
