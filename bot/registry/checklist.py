"""The merged checklist of a life event (一件事一次办): pure functions over the registry's views.

A resident with a life event wants one list, not one guide per item: every material once with the
steps that need it, the order of the steps and which can be done online, where to go, and how
many visits and days it takes in all. :func:`build_checklist` makes that list from an event and
the items' views; :mod:`bot.registry.checklist_text` writes it as Chinese text.

**When two materials are the same material.** Guides name a document together with whose it is
("父母双方居民身份证", "监护人居民身份证", "申请人居民身份证"). The resident brings each kind of
document once, so materials are merged by *kind*, and whose it is stays visible as the holder:

1. the name is normalised: NFKC (full/half width), spaces removed, and the short forms residents
   and guides mix are spelt out (身份证 → 居民身份证, 户口本/户口簿 → 居民户口簿, 社保卡 → 社会保障卡);
2. a name is *holder + kind* when it ends with a kind and what comes before (the holder) is at most
   eight characters, names no other document, and does not end in 或/及/和/与/、 (so
   "居民身份证或居民户口簿" — an alternative — and "本人银行账户或社会保障卡" stay materials of their own);
3. kinds are the common certificates in :data:`KINDS` plus every name in the event that is itself
   no holder + kind (so "营业执照" merges "经营者营业执照" even though it is not in the list).

A document produced by an earlier step ("出生医学证明" by step 1) is not brought: the checklist says
which step yields it.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from bot.registry.life_events import LifeEventView, MemberView
from bot.registry.views import ItemView, MaterialView, SituationView

logger = logging.getLogger(__name__)

KINDS = ("居民身份证", "居民户口簿", "结婚证", "离婚证", "出生医学证明", "社会保障卡", "营业执照", "不动产权证书",
         "残疾人证", "预防接种证", "居住证", "机动车驾驶证", "护照")
SHORT_FORMS = (("身份证", "居民身份证"), ("户口本", "居民户口簿"), ("户口簿", "居民户口簿"), ("社保卡", "社会保障卡"))
JOINERS = ("或", "及", "和", "与", "、", "/")
MAX_HOLDER = 8
PAPERLESS = ("免提交", "电子证照")  # submit modes (bot/registry/schema.py SUBMIT_MODES) that need no paper
# "父或母的江州市居住证": the city at the end of the holder says which city's document, not whose
PLACE_RE = re.compile(r"(?:^|(?<=的))(?:本市|[\u4e00-\u9fff]{2,3}市)$")


def normalise(name: str) -> str:
    """Step 1 of the rule: NFKC, no spaces, short forms spelt out."""
    text = "".join(unicodedata.normalize("NFKC", name or "").split())
    for short, full in SHORT_FORMS:
        if text.endswith(short) and not text.endswith(full):
            return text[: -len(short)] + full
    return text


def split_holder(name: str, kinds: Iterable[str]) -> Tuple[str, str]:
    """``(kind, holder)`` of a normalised name: the longest kind it ends with whose holder part
    passes the rule (see the module docstring); ``(name, "")`` when none does."""
    candidates = sorted({k for k in kinds if k and k != name and len(k) >= 3}, key=len, reverse=True)
    for kind in candidates:
        if not name.endswith(kind):
            continue
        holder = name[: -len(kind)]
        if len(holder) > MAX_HOLDER or holder.endswith(JOINERS) or any(k in holder for k in KINDS):
            continue
        return kind, PLACE_RE.sub("", holder).rstrip("的")
    return name, ""


def material_kinds(names: Iterable[str]) -> Set[str]:
    """The kinds materials are merged by: :data:`KINDS` plus every name that is no holder + kind."""
    normalised = {normalise(n) for n in names}
    return set(KINDS) | {n for n in normalised if not split_holder(n, KINDS)[1]}


@dataclass(frozen=True)
class Need:
    """One step's need for a material."""

    step: int  # 1-based, in the event's order
    label: str  # the step's short name
    holder: str  # whose document ("父母双方"), "" when the guide does not say
    material: MaterialView
    step_condition: str  # when the step applies ("母亲参加职工生育保险的", "按需办理"); "" = always
    situation: str  # the situation that needs it ("非婚生育") when the event leaves it open; "" = always
    produced_by: Tuple[int, ...]  # earlier steps that yield this document: then it is not brought

    @property
    def condition(self) -> str:
        """When this need applies; "" = to everyone with the life event."""
        return "；".join(c for c in (self.step_condition, self.situation) if c)


@dataclass(frozen=True)
class MergedMaterial:
    kind: str  # normalised: the key materials are merged by
    needs: Tuple[Need, ...]

    @property
    def name(self) -> str:
        """The name shown: as a guide writes it when one names it without a holder, else the kind."""
        return next((n.material.name for n in self.needs if not n.holder), self.kind)

    @property
    def to_bring(self) -> Tuple[Need, ...]:
        return tuple(n for n in self.needs if not n.produced_by)

    @property
    def produced(self) -> bool:
        """Every step that needs it gets it from an earlier step."""
        return not self.to_bring

    @property
    def shared(self) -> bool:
        """No step needs it handed in: every department gets it by data sharing (免提交)."""
        return bool(self.to_bring) and all(how(n.material) == "免提交" for n in self.to_bring)

    @property
    def conditional(self) -> bool:
        """Only some residents bring it (every need that is brought has a condition)."""
        return all(n.condition for n in self.to_bring)


@dataclass(frozen=True)
class Step:
    number: int
    member: MemberView
    item: ItemView
    situations: Tuple[SituationView, ...]  # the item's situations this event uses

    @property
    def label(self) -> str:
        return self.member.label or self.item.name

    @property
    def condition(self) -> str:
        """When this step applies; "" = to everyone with the life event."""
        if self.member.condition:
            return self.member.condition
        return "按需办理" if self.member.optional else ""


@dataclass(frozen=True)
class Checklist:
    event: LifeEventView
    steps: Tuple[Step, ...]
    materials: Tuple[MergedMaterial, ...]
    missing: Tuple[str, ...]  # member codes the registry no longer has (deleted in the console)

    @property
    def separate_visits(self) -> int:
        """Visits when the steps everyone needs are done one by one (what the joint handling saves)."""
        return sum(s.item.max_visits for s in self.steps if not s.condition)

    @property
    def online_steps(self) -> Tuple[Step, ...]:
        return tuple(s for s in self.steps if s.item.online_url and s.item.online_depth == "全程网办")


def items_by_code(items: Iterable[ItemView]) -> Dict[str, ItemView]:
    return {item.code: item for item in items}


def build_checklist(event: LifeEventView, items: Mapping[str, ItemView]) -> Checklist:
    """The merged checklist of ``event``; ``items`` are the live item views by code."""
    steps: List[Step] = []
    missing: List[str] = []
    for member in event.members:
        item = items.get(member.item_code)
        if item is None:
            missing.append(member.item_code)
            continue
        chosen = tuple(s for s in item.situations if not member.situations or s.code in member.situations)
        steps.append(Step(len(steps) + 1, member, item, chosen))
    if missing:
        logger.warning("life event %s: member items not in the registry: %s", event.code, ", ".join(missing))
    raw = [(step, material, situation) for step in steps for material, situation in _step_materials(step)]
    kinds = material_kinds([m.name for _s, m, _sit in raw] + [p for s in steps for p in s.member.produces])
    producers: Dict[str, List[int]] = {}
    for step in steps:
        for produced in step.member.produces:
            producers.setdefault(split_holder(normalise(produced), kinds)[0], []).append(step.number)
    merged: Dict[str, List[Need]] = {}
    for step, material, situation in raw:
        kind, holder = split_holder(normalise(material.name), kinds)
        made_by = tuple(n for n in producers.get(kind, []) if n < step.number)
        merged.setdefault(kind, []).append(Need(step.number, step.label, holder, material, step.condition,
                                                situation.name if situation else "", made_by))
    return Checklist(event, tuple(steps), tuple(MergedMaterial(k, tuple(v)) for k, v in merged.items()),
                     tuple(missing))


def _step_materials(step: Step) -> List[Tuple[MaterialView, Optional[SituationView]]]:
    """A step's materials: the common ones, then those of the situations this event uses; a
    situation's material is conditional on it unless the event pins that one situation."""
    common: List[Tuple[MaterialView, Optional[SituationView]]] = [
        (m, None) for m in step.item.materials if m.situation_id is None]
    pinned = len(step.situations) == 1 and bool(step.member.situations)
    own = []
    for situation in step.situations:
        for m in step.item.materials:
            if m.situation_id == situation.id:
                own.append((m, None if pinned else situation))
    return common + own


def how(material: MaterialView) -> str:
    """How a material is handed in, as the resident is told: 免提交 (the department gets it by data
    sharing), 电子证照 (an electronic licence is enough), else its paper form (原件 / 复印件 …)."""
    submit = str(getattr(material, "submit", "") or "")
    return submit if submit in PAPERLESS else material.form or "原件"


def group_by_how(needs: Sequence[Need]) -> List[Tuple[str, List[Need]]]:
    """Needs grouped by how the material is handed in, the commonest way first."""
    counts = Counter(how(n.material) for n in needs)
    order = sorted(counts, key=lambda h: (-counts[h], [how(n.material) for n in needs].index(h)))
    return [(h, [n for n in needs if how(n.material) == h]) for h in order]


__all__ = ["KINDS", "Checklist", "MergedMaterial", "Need", "Step", "build_checklist", "group_by_how", "how",
           "items_by_code", "material_kinds", "normalise", "split_holder"]
