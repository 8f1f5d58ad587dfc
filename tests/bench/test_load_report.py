"""make bench-load's report: locust's CSV files read into rows in the report's step order, the table
aligned in terminal columns with Chinese step names, and the scaled ÷ one-replica ratios per level. Bad
input tried: a step with no request (locust writes N/A), a stats file without its Aggregated row, and a
level measured for one profile only (no ratio printed for it)."""
from __future__ import annotations

import math
from pathlib import Path

import pytest
from wcwidth import wcswidth

from tests.bench.load_conversations import FIRST, HANDOFF, HOURS
from tests.bench.load_report import TOTAL, Level, Row, ratios, read_level, table

HEADER = ('"Type","Name","Request Count","Failure Count","Median Response Time","Average Response Time",'
          '"Min Response Time","Max Response Time","Average Content Size","Requests/s","Failures/s",'
          '"50%","66%","75%","80%","90%","95%","98%","99%","99.9%","99.99%","100%"\n')


def _stats(name: str, count: int, failures: int, p50: str, p95: str, p99: str, rps: str, kind: str = "POST") -> str:
    return (f'"{kind}","{name}",{count},{failures},{p50},1,1,1,1,{rps},0,'
            f'{p50},{p50},{p50},{p50},{p50},{p95},{p95},{p99},{p99},{p99},{p99}\n')


def _write(prefix: Path, stats: str, failures: str = "") -> None:
    Path(f"{prefix}_stats.csv").write_text(HEADER + stats, encoding="utf-8")
    Path(f"{prefix}_failures.csv").write_text('"Method","Name","Error","Occurrences"\n' + failures, encoding="utf-8")


def test_rows_in_step_order_with_total_and_errors_most_first(tmp_path: Path) -> None:
    prefix = tmp_path / "run"
    _write(prefix, _stats(HANDOFF, 4, 1, "120", "300", "410", "0.4") + _stats(FIRST, 40, 0, "80", "200", "250", "4.0")
           + _stats(HOURS, 0, 0, "N/A", "N/A", "N/A", "0.0")
           + _stats("Aggregated", 44, 1, "90", "220", "400", "4.4", kind=""),
           '"POST","转人工","转人工 · 转人工: no reply",1\n"POST","事项：首问","x: HTTP 502",3\n')

    level = read_level(prefix, "run-scaled ×2", 20)

    assert [row.step for row in level.steps] == [FIRST, HOURS, HANDOFF]
    assert level.steps[0] == Row(FIRST, 40, 0, 80.0, 200.0, 250.0, 4.0)
    assert math.isnan(level.steps[1].p95)
    assert level.total == Row(TOTAL, 44, 1, 90.0, 220.0, 400.0, 4.4)
    assert level.errors == [("事项：首问: x: HTTP 502", 3), ("转人工: 转人工 · 转人工: no reply", 1)]
    lines = table([level])
    # header, rule, 3 steps, the total: every column ends where the header's does, in terminal columns
    assert len(lines) == 6 and {wcswidth(line.rstrip()) for line in lines} == {wcswidth(lines[0])}
    assert lines[2].split()[:3] == ["run-scaled", "×2", "20"] and lines[3].split()[1:4] == ["0", "0", "—"]
    assert lines[-1].split() == [TOTAL, "44", "1", "90", "220", "400", "4.4"]


def test_a_stats_file_without_its_total_is_refused(tmp_path: Path) -> None:
    prefix = tmp_path / "run"
    _write(prefix, _stats(FIRST, 40, 0, "80", "200", "250", "4.0"))
    with pytest.raises(ValueError, match="Aggregated"):
        read_level(prefix, "x", 20)


def test_ratios_per_level_of_both_profiles_only() -> None:
    levels = [Level("one", 20, total=Row(TOTAL, 100, 0, 50, 100, 150, 5.0)),
              Level("one", 50, total=Row(TOTAL, 200, 0, 80, 400, 600, 10.0)),
              Level("two", 20, total=Row(TOTAL, 100, 0, 40, 80, 120, 5.0)),
              Level("two", 50, total=Row(TOTAL, 300, 0, 60, 200, 300, 15.0))]
    assert ratios(levels, "two", "one") == [
        "    20 位居民：吞吐量 5.0 ÷ 5.0 req/s = 1.00×，p95 80 ÷ 100 ms = 0.80×",
        "    50 位居民：吞吐量 15.0 ÷ 10.0 req/s = 1.50×，p95 200 ÷ 400 ms = 0.50×"]
    assert ratios(levels[:3], "two", "one") == ratios(levels[:3:2], "two", "one")  # 50: one profile only
