"""Turns registry records into short, natural Chinese answers.

Every answer names the item (and situation), answers what was asked, and ends with the item's
legal basis, where the data came from and when the item was last updated. Materials the resident
need not bring on paper (an electronic licence, data sharing) are listed apart and said plainly.
Nothing here invents a value: a missing field is said to be missing.
"""
from __future__ import annotations

from typing import List, Optional

from bot.hours.answers import regular_hours
from bot.registry.views import ItemView, LocationView, MaterialView, SituationView


def title(item: ItemView, situation: Optional[SituationView]) -> str:
    return f"【{item.name}{' · ' + situation.name if situation else ''}】"


def source_line(item: ItemView) -> str:
    """``依据：《…》第X条（文号，施行日期）；数据来源：…，更新于 YYYY-MM-DD`` (the item's own date)."""
    basis = "；".join(ref.text for ref in item.legal_basis)
    return (f"{'依据：' + basis + '；' if basis else ''}"
            f"数据来源：{item.source}，{item.agency}，更新于 {item.updated.isoformat()}")


def time_limit(item: ItemView, situation: Optional[SituationView]) -> str:
    if situation is None and any(s.promised_limit_days is not None for s in item.situations):
        # no situation known: every situation's limit, so nobody is asked for it
        per = [f"{s.name} "
               f"{_days(s.promised_limit_days if s.promised_limit_days is not None else item.promised_limit_days)}"
               for s in item.situations]
        return "按情形不同：" + "；".join(per)
    promised = (situation.promised_limit_days if situation and situation.promised_limit_days is not None
                else item.promised_limit_days)
    text = "即办件，材料齐全当场办结" if promised == 0 else f"承诺 {promised} 个工作日内办结"
    note = (item.limit_note or "").rstrip("。；; ")
    if note:  # the note carries the law's own wording, which is not always in working days
        text += f"；{note}"
    elif promised and item.legal_limit_days:
        text += f"（法定 {item.legal_limit_days} 个工作日）"
    return text


def _days(promised: int) -> str:
    return "即办" if promised == 0 else f"承诺 {promised} 个工作日"


def fee(item: ItemView, situation: Optional[SituationView], free_basis: bool = False) -> str:
    """The fee with its basis; a free item's basis only when asked (``free_basis``: the fee answer)."""
    if situation is None and any(s.fee for s in item.situations):
        text = "按情形不同：" + "；".join(f"{s.name} {s.fee or item.fee}" for s in item.situations)
    else:
        text = situation.fee if situation and situation.fee else item.fee
    if item.fee_basis and (free_basis or text != "不收费"):
        text += f"（依据：{item.fee_basis}）"
    return text


def online(item: ItemView) -> str:
    if not item.online_url or item.online_depth in ("", "仅线下"):
        text = "暂不支持网上办理，需到现场办理"
    elif item.online_depth == "全程网办":
        text = f"可以全程网上办理，不用跑腿：{item.online_url}"
    else:
        text = f"可以{item.online_depth}：{item.online_url}"
    extras = []
    extras.append("不用到现场" if item.max_visits == 0 else f"最多跑 {item.max_visits} 次")
    if item.appointment:
        extras.append("可网上预约")
    if item.express_delivery:
        extras.append("可快递送达")
    return f"{text}（{'，'.join(extras)}）"


PAPERLESS = {"免提交": "免提交，部门通过数据共享获取", "电子证照": "可出示电子证照"}


def material_line(index: int, material: MaterialView) -> str:
    if material.submit == "免提交":  # nothing to bring: copies, origin and 容缺 do not apply
        parts = [PAPERLESS["免提交"]]
    else:
        parts = [PAPERLESS.get(material.submit, material.form)]
        if material.copies > 1 and not material.paperless:
            parts.append(f"{material.copies} 份")
        if not material.required:
            parts.append("容缺，可后补")
        if material.origin and material.origin != "申请人自备":
            parts.append(material.origin)
    line = f"{index}. {material.name}（{'，'.join(parts)}）"
    if material.note:
        line += f"：{material.note}"
    return line


def _material_lines(head: str, materials: List[MaterialView]) -> str:
    """``head`` and the paper materials, then "以下 N 项无需提交纸质材料：" and the others, numbered on
    (all paperless: the head says so at once)."""
    paper = [m for m in materials if not m.paperless]
    paperless = [m for m in materials if m.paperless]
    lines = [material_line(i, m) for i, m in enumerate(paper, 1)]
    if paperless:
        lines.append(f"以下 {len(paperless)} 项无需提交纸质材料：")
        lines += [material_line(i, m) for i, m in enumerate(paperless, len(paper) + 1)]
    if not paper:
        return f"{head}（都无需提交纸质材料）：\n" + "\n".join(lines[1:])
    return f"{head}：\n" + "\n".join(lines)


def materials_block(materials: List[MaterialView]) -> str:
    if not materials:
        return "所需材料：办事指南中没有列出材料，请电话咨询确认。"
    return _material_lines("所需材料", materials)


def common_materials_block(item: ItemView, common: List[MaterialView]) -> str:
    """What every applicant brings, then one question for the part that differs by situation."""
    extra = {len([m for m in item.materials if m.situation_id == s.id]) for s in item.situations}
    count = "一项" if extra == {1} else "相应材料"
    if not common:
        return "所需材料按您的情况而定。"
    return f"{_material_lines('所需材料，都需要', common)}\n另外按您的情况还需要{count}（见下面的问题）。"


def situation_question(item: ItemView) -> str:
    """The question that tells the item's situations apart, naming the item."""
    return f"{item.name}：{item.situation_question or '您属于哪种情况？'}"


def hours_text(location: LocationView) -> str:
    """A centre's regular week in the one wording the hours answers use (bot/hours)."""
    return regular_hours(location.hours or {}, location.hours_note or "")


def location_block(locations: List[LocationView], limit: int = 2, district: Optional[str] = None) -> str:
    if not locations:
        return "办理地点：办事指南未列出，请拨打咨询电话确认。"
    lines = ["办理地点："]
    districts = [loc.district for loc in locations if loc.district]
    if not district and len(locations) > limit and len(districts) > 1:
        # no district known yet: the city centre in full, the district centres by name
        city = [loc for loc in locations if not loc.district][:limit]
        for loc in city:
            lines.append(f"· {loc.name}，{loc.address}，电话 {loc.phone}\n  办公时间：{hours_text(loc)}")
        also = "也" if city else "均"
        scope = "全市各区政务服务中心" if len(districts) >= 6 else f"{'、'.join(districts)}政务服务中心"
        lines.append(f"· {scope}{also}可办理。告诉我您在哪个区，我给您地址和办公时间。")
        return "\n".join(lines)
    if district and not any(loc.district == district for loc in locations):
        lines[0] = f"办理地点（{district}政务服务中心不受理此事项，请到以下地点）："
    for loc in locations[:limit]:
        lines.append(f"· {loc.name}，{loc.address}，电话 {loc.phone}\n  办公时间：{hours_text(loc)}")
    rest = len(locations) - limit
    if rest > 0 and district:
        lines.append(f"· 另有 {rest} 个地点可办，回复「去哪办」可查看。")
    elif rest > 0:
        lines.append(f"· 另有 {rest} 个地点可办，告诉我您在哪个区，我给您推荐就近的。")
    return "\n".join(lines)


def steps_block(item: ItemView) -> str:
    if not item.steps:
        return ""
    return "办理流程：" + " → ".join(
        f"{s.name}{'（' + s.time_limit + '）' if s.time_limit else ''}" for s in item.steps
    )


def summary_line(item: ItemView, situation: Optional[SituationView]) -> str:
    return f"办理时限：{time_limit(item, situation)}；收费：{fee(item, situation)}"


def answer(aspect: str, item: ItemView, situation: Optional[SituationView], materials: List[MaterialView],
           locations: List[LocationView], district: Optional[str] = None, ask_situation: bool = False) -> str:
    """The reply for one aspect of one item; "guide" is the full personalised guide.

    With ``ask_situation`` the materials are the common ones and the reply ends the materials
    part with the item's own question for the situation.
    """
    head = title(item, situation)
    phone = f"咨询电话：{item.consult_phone}"
    block = common_materials_block(item, materials) if ask_situation else materials_block(materials)
    if aspect == "materials":
        body = [block, summary_line(item, situation)]
    elif aspect == "time":
        body = [f"办理时限：{time_limit(item, situation)}。", steps_block(item)]
    elif aspect == "fee":
        body = [f"收费标准：{fee(item, situation, free_basis=True)}。"]
    elif aspect == "online":
        body = [f"网上办理：{online(item)}"]
    elif aspect == "where":
        # asked where, with no district preference: every place in full
        body = [location_block(locations, limit=2 if district else len(locations), district=district),
                f"网上办理：{online(item)}"]
    else:
        body = [
            f"受理条件：{item.conditions}",
            block,
            steps_block(item),
            summary_line(item, situation),
            location_block(locations, limit=2 if district else 1, district=district),
            f"网上办理：{online(item)}",
        ]
    ask = [situation_question(item)] if ask_situation else []
    return "\n".join([head, *[b for b in body if b], phone, source_line(item), *ask])
