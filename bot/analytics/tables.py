"""Each analytics table as CSV, with Chinese headers, in UTF-8 with a byte-order mark so that Excel
opens it correctly. A cell that starts with ``= + - @`` gets a leading ``'`` (a spreadsheet would
otherwise run it as a formula); rates are fractions (0.125), times seconds."""
from __future__ import annotations

import csv
import io
from typing import Any, Dict, List, Sequence, Tuple

COLUMNS: Dict[str, Tuple[Tuple[str, str], ...]] = {
    "daily": (("date", "日期"), ("conversations", "会话数"), ("messages", "消息数"), ("fallbacks", "未理解消息数"),
              ("fallback_rate", "未理解率"), ("handoffs", "转人工会话数"), ("handoff_rate", "转人工率"),
              ("median_wait_seconds", "等待时长中位数（秒）")),
    "services": (("service", "事项"), ("messages", "消息数"), ("conversations", "会话数")),
    "intents": (("intent", "意图"), ("messages", "消息数"), ("share", "占比")),
    "satisfaction_levels": (("level", "等级"), ("name", "评价"), ("ratings", "评价数"), ("share", "占比")),
    "satisfaction_services": (("service", "评价对象"), ("ratings", "评价数"), ("satisfaction_rate", "满意率"),
                              ("mean_level", "平均分"), ("bad", "差评数")),
}
TITLES = {"daily": "每日概况", "services": "热门事项", "intents": "意图分布", "satisfaction_levels": "满意度（按等级）",
          "satisfaction_services": "满意度（按事项）"}
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def to_csv(table: str, rows: Sequence[Dict[str, Any]]) -> bytes:
    columns = COLUMNS[table]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([title for _, title in columns])
    for row in rows:
        writer.writerow([_cell(row.get(key)) for key, _ in columns])
    return out.getvalue().encode("utf-8-sig")


def table_names() -> List[str]:
    return list(COLUMNS)
