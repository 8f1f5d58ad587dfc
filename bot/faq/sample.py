"""The sample city's FAQ, generated from the registry seed's own fields (nothing invented).

Each entry's answer quotes the registry (a time limit, a phone number, a material's form, a
centre's address …) and names its source and date. ``aspects``:

* ``complement`` (data/faq/registry.generated.csv, the shipped sample): what the service dialogue
  does not answer itself — conditions, legal basis, appointment, delivery, visits, phones, steps,
  department, kind of matter, situations, each material's form / origin / whether required,
  the centres' transport;
* ``all`` (the benchmark's knowledge base): the above plus materials, time limits, fees, where
  and online handling, per item and per situation — 2,000+ entries from the sample registry.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Iterator, List, Sequence, Tuple

from bot.registry.legal import refs_text
from bot.registry.seed import load_seed

Entry = Tuple[str, str, str]  # question, answer, department
DIALOGUE_ASPECTS = ("materials", "time", "fee", "where", "online", "hours", "address", "phone")


def _yes(flag: Any) -> str:
    return "是" if flag else "否"


def _days(n: Any) -> str:
    return "即办" if not n else f"{n}个工作日"


class _Gen:
    def __init__(self, directory: Path, aspects: str) -> None:
        self.locations, self.items = load_seed(directory)
        self.all = aspects == "all"
        self.by_code = {loc["code"]: loc for loc in self.locations}

    def src(self, rec: Dict[str, Any]) -> str:
        return f"（依据：{rec.get('source') or '江州市政务服务网（示例数据）'}，{rec.get('updated')}）"

    def entries(self) -> Iterator[Tuple[str, Entry]]:
        for item in self.items:
            yield from self.item_entries(item)
        for loc in self.locations:
            yield from self.location_entries(loc)

    def where(self, item: Dict[str, Any]) -> List[str]:
        names = []
        for code in item.get("handled_at") or []:
            if code == "district":
                names += [loc["name"] for loc in self.locations if loc.get("district")]
            elif code in self.by_code:
                names.append(self.by_code[code]["name"])
        return list(dict.fromkeys(names))

    def item_entries(self, item: Dict[str, Any]) -> Iterator[Tuple[str, Entry]]:
        n, dept, s = item["name"], item["agency"], self.src(item)
        yield "conditions", (f"{n}的申请条件是什么？", f"{n}的申请条件：{item['conditions']}{s}", dept)
        yield "audience", (f"{n}面向哪些申请对象？", f"{n}的服务对象：{'、'.join(item['audience'])}。{s}", dept)
        if item.get("legal_basis"):
            yield "basis", (f"{n}的设定依据是什么？", f"{n}的设定依据：{refs_text(item['legal_basis'])}{s}", dept)
        yield "appointment", (f"{n}是否需要提前预约？", f"{n}{'需要' if item['appointment'] else '不需要'}提前预约"
                              f"{'，可在江州政务服务网或服务中心预约' if item['appointment'] else ''}。{s}", dept)
        yield "delivery", (f"{n}的办理结果能否快递送达？", f"{n}{'支持' if item['express_delivery'] else '不支持'}"
                           f"办理结果快递送达。{s}", dept)
        visits = item["max_visits"]
        yield "visits", (f"{n}最多需要到现场几次？",
                         f"{n}最多到现场{visits}次。" if visits else f"{n}无需到现场（0次）。", dept)
        yield "consult", (f"{n}的咨询电话是多少？", f"{n}的咨询电话：{item['consult_phone']}。{s}", dept)
        yield "complaint", (f"对{n}的办理有意见向哪里投诉？",
                            f"对{n}的办理有意见，可拨打投诉电话 {item['complaint_phone']}。{s}", dept)
        steps = "；".join(f"{i}. {st['name']}：{st['description']}（{st['time_limit']}）"
                         for i, st in enumerate(item["steps"], 1))
        yield "steps", (f"{n}的办理流程是怎样的？", f"{n}的办理流程：{steps}。{s}", dept)
        yield "agency", (f"{n}由哪个部门实施？", f"{n}由{dept}实施（{item['level']}事项）。{s}", dept)
        yield "type", (f"{n}属于哪一类政务服务事项？",
                       f"{n}属于{item['item_type']}类事项，主题分类为「{item['category']}」。{s}", dept)
        if item.get("fee_basis"):
            yield "fee_basis", (f"{n}收费或免费的依据是什么？",
                                f"{n}：{item['fee']}；依据：{item['fee_basis']}。{s}", dept)
        if item.get("situation_question") and item["situations"]:
            names = "、".join(si["name"] for si in item["situations"])
            yield "situations", (f"{n}分为哪几种办理情形？", f"{n}分为以下情形：{names}。{s}", dept)
        for st in item["steps"]:
            yield "step", (f"{n}的「{st['name']}」环节做什么、需要多久？",
                           f"{n}的「{st['name']}」环节：{st['description']}；时限：{st['time_limit']}。{s}", dept)
        for si in item["situations"]:
            yield "situation", (f"{n}中「{si['name']}」适用于什么情况？",
                                f"{n}（{si['name']}）适用于：{si['description']}。{s}", dept)
        for owner, mats in [("", item["materials"]), *[(si["name"], si["materials"]) for si in item["situations"]]]:
            label = f"{n}（{owner}）" if owner else n
            for m in mats:
                yield "material_form", (f"办理{label}时，{m['name']}要原件还是复印件？",
                                        f"办理{label}时，{m['name']}需提供{m['form']}，{m['copies']}份。{s}", dept)
                origin = f"，{m['note']}" if m.get("note") else ""
                yield "material_origin", (f"办理{label}所需的{m['name']}从哪里获得？",
                                          f"{m['name']}的来源：{m['origin']}{origin}。{s}", dept)
                yield "material_required", (
                    f"办理{label}必须提交{m['name']}吗？",
                    f"办理{label}时，{m['name']}"
                    f"{'是必须提交的材料' if m['required'] else '不是必须提交的材料（视情况提供）'}"
                    f"{origin}。{s}", dept)
        if self.all:
            yield from self.dialogue_entries(item)

    def dialogue_entries(self, item: Dict[str, Any]) -> Iterator[Tuple[str, Entry]]:
        n, dept, s = item["name"], item["agency"], self.src(item)
        mats = "、".join(f"{m['name']}（{m['form']}）" for m in item["materials"])
        yield "materials", (f"办理{n}需要准备哪些材料？", f"办理{n}需要：{mats}。{s}", dept)
        yield "time", (f"{n}的办理时限是多久？", f"{n}法定时限{_days(item['legal_limit_days'])}，承诺时限"
                       f"{_days(item['promised_limit_days'])}。{item.get('limit_note') or ''}{s}", dept)
        yield "fee", (f"{n}收费吗？", f"{n}：{item['fee']}。{s}", dept)
        yield "where", (f"{n}可以在哪些服务中心办理？",
                        f"{n}可在以下地点办理：{'、'.join(self.where(item))}。{s}", dept)
        yield "online", (f"{n}可以在网上办理吗？",
                         f"{n}的网上办理程度：{item['online_depth']}；网址：{item['online_url']}。{s}", dept)
        for si in item["situations"]:
            smats = "、".join(m["name"] for m in si["materials"]) or "无额外材料"
            yield "materials", (f"{n}（{si['name']}）还需要额外准备哪些材料？",
                                f"{n}（{si['name']}）除通用材料外还需要：{smats}。{s}", dept)
            if si.get("promised_limit_days") is not None:
                yield "time", (f"{n}（{si['name']}）承诺多少个工作日办结？",
                               f"{n}（{si['name']}）承诺时限：{_days(si['promised_limit_days'])}。{s}", dept)
        for where in self.where(item):
            yield "where", (f"{where}能办理{n}吗？", f"可以，{where}受理{n}。{s}", dept)

    def location_entries(self, loc: Dict[str, Any]) -> Iterator[Tuple[str, Entry]]:
        n, s = loc["name"], self.src(loc)
        if loc.get("transport"):
            yield "transport", (f"去{n}坐什么车方便？", f"{n}交通：{loc['transport']}。{s}", n)
        if self.all:
            yield "address", (f"{n}的地址在哪里？", f"{n}地址：{loc['address']}。{s}", n)
            yield "phone", (f"{n}的联系电话是多少？", f"{n}电话：{loc['phone']}。{s}", n)
            yield "hours", (f"{n}的上班时间是几点到几点？", f"{n}：{loc.get('hours_note') or ''}{s}", n)


def generate(directory: Path, aspects: str = "complement") -> List[Tuple[str, Entry]]:
    """(aspect, (question, answer, department)) — the first of any repeated question kept."""
    seen: Dict[str, bool] = {}
    out = []
    for aspect, entry in _Gen(directory, aspects).entries():
        if entry[0] not in seen:
            seen[entry[0]] = True
            out.append((aspect, entry))
    return out


def rows(entries: Sequence[Tuple[str, Entry]]) -> List[List[str]]:
    return [[q, a, d, ""] for _aspect, (q, a, d) in entries]
