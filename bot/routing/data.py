"""A labelled file of messages: xlsx or csv, columns found by header text (:mod:`bot.faq.sheet`).

Rows whose text or label is empty are skipped and counted; a text or label that starts with ``=``
(a spreadsheet formula) is skipped and counted; a text longer than
:data:`bot.routing.features.MAX_CHARS` is cut there and counted. A missing column, a file that is
not a spreadsheet, or fewer than two classes is a :class:`bot.faq.sheet.SheetError` (the CLI exits 2
with its message).

An optional **group column** (``group_col``: the 诉求分类 or scenario of each message, its source)
keeps a group's messages together when training cross-validates (:mod:`bot.routing.folds`).
"""
from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from bot.faq.sheet import SheetError, locate_columns, read_file_table
from bot.routing.features import MAX_CHARS


@dataclass
class Dataset:
    texts: List[str]
    labels: List[str]
    source: str = ""
    fingerprint: str = ""  # sha256 of the (text, label) pairs read, so a model names its data
    skipped_empty: int = 0
    skipped_formula: int = 0
    capped: int = 0
    counts: Dict[str, int] = field(default_factory=dict)
    groups: Optional[List[str]] = None  # per message, when the file has a group column

    def summary(self) -> str:
        parts = [f"{len(self.texts)} 条", f"{len(self.counts)} 类"]
        if self.skipped_empty:
            parts.append(f"跳过空行 {self.skipped_empty} 条")
        if self.skipped_formula:
            parts.append(f"跳过公式 {self.skipped_formula} 条")
        if self.capped:
            parts.append(f"超过 {MAX_CHARS} 字截断 {self.capped} 条")
        if self.groups is not None:
            parts.append(f"{len({g for g in self.groups if g})} 个分组")
        return "，".join(parts)


def read_labelled(path: Path, text_col: str, label_col: str, sheet: Optional[str] = None,
                  min_classes: int = 2, group_col: Optional[str] = None) -> Dataset:
    table = read_file_table(path, sheet)
    index = locate_columns(table, [("文本列", text_col), ("标签列", label_col), ("分组列", group_col)])
    data = Dataset([], [], source=str(path), groups=[] if group_col else None)
    digest = hashlib.sha256()

    def cell(cells: List[str], column: str) -> str:
        return cells[index[column]].strip() if index[column] < len(cells) else ""

    for _number, cells in table[1:]:
        text, label = cell(cells, "文本列"), cell(cells, "标签列")
        if not text or not label:
            data.skipped_empty += 1
            continue
        if text.startswith("=") or label.startswith("="):  # a formula is never run, nor learnt as text
            data.skipped_formula += 1
            continue
        if len(text) > MAX_CHARS:
            text = text[:MAX_CHARS]
            data.capped += 1
        data.texts.append(text)
        data.labels.append(label)
        digest.update(f"{text}\x1f{label}\x1e".encode())  # not the group: tune compares it with the training file's
        if data.groups is not None:
            data.groups.append(cell(cells, "分组列"))
    data.fingerprint = digest.hexdigest()
    data.counts = dict(Counter(data.labels).most_common())
    if not data.texts:
        raise SheetError(f"没有可用的数据行：文本列「{text_col}」或标签列「{label_col}」全是空的"
                         f"（跳过 {data.skipped_empty} 行）")
    if len(data.counts) < min_classes:
        only = next(iter(data.counts))
        raise SheetError(f"标签列「{label_col}」只有一个类别「{only}」（{len(data.texts)} 条）："
                         "至少需要两个类别才能训练分类器")
    return data
