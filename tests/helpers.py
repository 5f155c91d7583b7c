"""Test data and helpers shared by test modules (fixtures are in conftest.py)."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

# A fixed local time (UTC+8, as a learner of zh.d2l.ai might have), mid-morning.
TZ = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=TZ)

BASIC_DECK = """\
deck: "d2l::02 预备知识"
tags: [d2l, ch02]
source: https://zh.d2l.ai/chapter_preliminaries/linear-algebra.html
cards:
  - id: slice-half-open
    type: basic
    front: 切片 `x[0:9]` 对应数学中的哪个区间?
    back: 左闭右开 (half-open) 区间 $[0, 9)$
    tags: [indexing]
  - id: norm-homogeneity
    type: cloze
    text: "范数的齐次性: {{c1::$f(\\\\alpha \\\\mathbf{x}) = |\\\\alpha| f(\\\\mathbf{x})$}}"
  - id: which-set-tunes
    type: choice
    prompt: 哪个数据集用来选择超参数?
    choices: [训练集, 验证集, 测试集]
    answer: 验证集
  - id: norm-l2-of-3-4
    type: code
    code: |
      u = torch.tensor([3.0, -4.0])
      print(torch.norm(u))
    output: "tensor(5.)"
"""


def dump(path: Path) -> list[str]:
    """Every row of every table of a collection: equal dumps mean nothing was written."""
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def process_tree(root: int) -> set[int]:
    """`root` and every process below it, from /proc (no psutil)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        found.add(pid)
        todo += children.get(pid, [])
    return found
