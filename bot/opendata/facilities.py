"""Which dataset answers "三甲医院 / 社保服务点 / 停车场 / 养老院 / 小学", and how to list its rows."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from bot.places import find_district, normalize_district  # noqa: F401  (re-exported for callers)

Row = Mapping[str, Any]


def _level(*values: str) -> Callable[[Row], bool]:
    return lambda row: (row.get("level") or "") in values


def _services(word: str) -> Callable[[Row], bool]:
    return lambda row: word in (row.get("services") or [])


def _stages(*values: str) -> Callable[[Row], bool]:
    return lambda row: (row.get("stage") or "") in values


@dataclass(frozen=True)
class FacilityKind:
    key: str
    dataset: str  # dataset name in portal.yml
    label: str  # what we call them in answers
    unit: str  # measure word: 家 / 个 / 所
    words: Tuple[str, ...]  # words residents use (checked in order of KINDS)
    keep: Optional[Callable[[Row], bool]] = None

    def select(self, rows: Iterable[Row]) -> List[Row]:
        return [row for row in rows if self.keep is None or self.keep(row)]


# more specific kinds first: "三甲医院" before "医院", "医保" before "社保"
KINDS: Tuple[FacilityKind, ...] = (
    FacilityKind("hospital_3a", "hospitals", "三甲医院", "家", ("三甲", "三级甲等"), _level("三级甲等")),
    FacilityKind("community_health", "hospitals", "社区卫生服务中心", "家",
                 ("社区医院", "社区卫生", "卫生服务中心", "卫生院"), _level("社区卫生服务中心")),
    FacilityKind("hospital", "hospitals", "医疗机构", "家", ("医院", "医疗机构", "看病", "就医", "诊所", "门诊")),
    FacilityKind("medicare", "social_security_outlets", "医保服务网点", "个",
                 ("医保", "医疗保险", "医疗保障"), _services("医保")),
    FacilityKind("social_security", "social_security_outlets", "社保服务网点", "个",
                 ("社保", "社会保险", "人社", "养老保险"), _services("社保")),
    FacilityKind("parking", "parking_lots", "公共停车场", "个", ("停车", "车位", "泊位")),
    FacilityKind("elderly", "elderly_care", "养老机构", "家",
                 ("养老", "敬老院", "老年公寓", "福利院", "康养", "护理院")),
    FacilityKind("schools_all", "schools", "中小学", "所", ("中小学",)),
    FacilityKind("primary_school", "schools", "小学", "所", ("小学",), _stages("小学", "九年一贯制")),
    FacilityKind("middle_school", "schools", "初中", "所", ("初中", "初级中学"),
                 _stages("初中", "九年一贯制", "完全中学")),
    FacilityKind("high_school", "schools", "高中", "所", ("高中", "高级中学"), _stages("高中", "完全中学")),
    FacilityKind("school", "schools", "中小学", "所", ("中小学", "中学", "学校", "上学", "入学")),
)
OWNERSHIP = {"公办": ("公办", "公立"), "公立": ("公办", "公立"), "民办": ("民办", "私立"), "私立": ("民办", "私立")}


def ownership_in(text: Optional[str]) -> Optional[str]:
    """"公办小学" / "公立医院" / "民办学校" -> the word, when the resident asks for one kind of owner."""
    return next((word for word in OWNERSHIP if word in (text or "")), None)


def keep_ownership(rows: Iterable[Row], word: Optional[str]) -> List[Row]:
    if not word:
        return list(rows)
    return [row for row in rows if (row.get("nature") or "") in OWNERSHIP[word]]


AVAILABLE_LABELS = "医院（含三甲医院、社区卫生服务中心）、社保/医保服务网点、公共停车场、养老机构、中小学"


def resolve_kind(*texts: Optional[str]) -> Optional[FacilityKind]:
    """The first text (entity span, entity value, whole message) naming a known kind wins."""
    for text in texts:
        if not text:
            continue
        for kind in KINDS:
            if any(word in text for word in kind.words):
                return kind
    return None


# --- districts ---------------------------------------------------------------------------------

# --- distance ----------------------------------------------------------------------------------

def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine), kilometres."""
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))


def fmt_distance(km: float) -> str:
    if km < 1:
        return f"约 {max(10, int(round(km * 1000, -1)))} 米"
    return f"约 {km:.1f} 公里"


def coordinates(value: Any) -> Optional[Tuple[float, float]]:
    """{"latitude": .., "longitude": ..} (WeChat location message metadata) -> (lat, lng)."""
    if not isinstance(value, Mapping):
        return None
    lat = value.get("latitude", value.get("lat"))
    lng = value.get("longitude", value.get("lng", value.get("lon")))
    return valid_point(lat, lng)


def valid_point(lat: Any, lng: Any) -> Optional[Tuple[float, float]]:
    try:
        point = float(lat), float(lng)
    except (TypeError, ValueError):
        return None
    if not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180) or point == (0.0, 0.0):
        return None
    return point


def nearest(rows: Iterable[Row], here: Tuple[float, float], limit: int) -> List[Tuple[Row, float]]:
    located = []
    for row in rows:
        point = valid_point(row.get("latitude"), row.get("longitude"))
        if point is not None:
            located.append((row, distance_km(here[0], here[1], point[0], point[1])))
    located.sort(key=lambda pair: pair[1])
    return located[:limit]


# --- one row in an answer ----------------------------------------------------------------------

def describe_row(dataset: str, row: Row) -> str:
    """'江州市第一人民医院（三级甲等）' / '湖滨公园公共停车场（泊位 180 个；收费：…）'."""
    name = row.get("name") or "（未命名）"
    details: List[str] = []
    if dataset == "hospitals":
        details = [row.get("level") or ""]
        if row.get("category") and row.get("category") not in ("综合医院", "基层医疗卫生机构"):
            details.append(row["category"])
    elif dataset == "social_security_outlets":
        services = row.get("services") or []
        details = ["、".join(services) + "业务" if services else "", row.get("hours") or ""]
    elif dataset == "parking_lots":
        if row.get("spaces") is not None:
            details.append(f"泊位 {row['spaces']} 个")
        if row.get("open_hours"):
            details.append(f"开放 {row['open_hours']}")
        if row.get("fee"):
            details.append(f"收费：{row['fee']}")
    elif dataset == "elderly_care":
        details = [row.get("nature") or ""]
        if row.get("beds") is not None:
            details.append(f"床位 {row['beds']} 张")
    elif dataset == "schools":
        details = [row.get("stage") or "", row.get("nature") or ""]
    details = [d for d in details if d]
    return f"{name}（{'；'.join(details)}）" if details else str(name)


def contact_line(row: Row) -> str:
    parts = []
    if row.get("address"):
        parts.append(f"地址：{row['address']}")
    if row.get("phone"):
        parts.append(f"电话：{row['phone']}")
    return "，".join(parts)


_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"


def numbered(index: int) -> str:
    return _CIRCLED[index] if index < len(_CIRCLED) else f"{index + 1}."


def district_counts(rows: Iterable[Row], order: Sequence[str]) -> Dict[str, int]:
    counts: Dict[str, int] = dict.fromkeys(order, 0)
    for row in rows:
        district = row.get("district") or "其他"
        counts[district] = counts.get(district, 0) + 1
    return counts
