"""A small synthetic labelled set of long, colloquial 12345 messages (for tests that must not
depend on data/routing): four departments, skewed, each message 100–400 characters of an opening
that says the matter, an address, a date, the history and a plea — only the opening and a few
words say which department handles it."""
from __future__ import annotations

import csv
import random
from pathlib import Path
from typing import List, Sequence, Tuple

HEADER = ["诉求内容", "诉求类型", "承办部门"]
GROUPED_HEADER = [*HEADER, "场景"]

MATTERS = {
    "生态环境局": ["楼下烧烤店油烟很大，窗户都不敢开", "附近工厂晚上偷排废气，气味刺鼻", "小区旁边工地夜间施工噪音扰民",
               "河道里有人倾倒污水，水发黑发臭"],
    "人力资源和社会保障局": ["公司拖欠工资三个月不发", "老板不给签劳动合同也不交社保", "辞职后单位扣押工资不结算",
                    "工伤认定申请交了很久没有结果"],
    "住房和城乡建设局": ["小区物业不作为，电梯坏了一个月没人修", "开发商延期交房，一直拖着不给说法",
                 "楼道墙皮脱落，维修基金申请不下来", "新房漏水，开发商推给物业"],
    "公安局": ["小区门口经常有人违停占道", "楼上邻居半夜吵闹还威胁人", "身份证丢了想问补办需要什么",
            "路口有人飙车炸街"],
}
WEIGHTS = {"生态环境局": 0.45, "人力资源和社会保障局": 0.25, "住房和城乡建设局": 0.2, "公安局": 0.1}
TYPES = ["投诉求助", "建言", "咨询"]
PLACES = ["东湖区解放路12号", "西山区人民大道88号3栋", "南江区滨江花园5单元", "北城区建设街道幸福里小区"]
FILLER = ["我已经反映过好几次了，一直没有人管", "家里有老人小孩，实在受不了", "之前打过电话说会处理，结果还是老样子",
          "邻居们意见都很大", "希望有关部门尽快来看一下", "我是这里的老住户了，以前从来没有这样",
          "麻烦你们一定要重视这个问题", "周末白天晚上都是这样"]


def message(rng: random.Random, department: str, matter_index: int) -> str:
    matter = MATTERS[department][matter_index]
    parts = [f"您好，我住在{rng.choice(PLACES)}，{matter}。",
             f"从{rng.randint(2023, 2026)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日开始就这样了。"]
    parts += [rng.choice(FILLER) + "。" for _ in range(rng.randint(2, 8))]
    parts.append(f"联系电话13{rng.randint(100000000, 999999999)}。")
    return "".join(parts)


def rows(n: int, seed: int = 12) -> List[Tuple[str, str, str]]:
    """(诉求内容, 诉求类型, 承办部门) × n."""
    return [(text, kind, department) for text, kind, department, _matter in grouped_rows(n, seed)]


def grouped_rows(n: int, seed: int = 12) -> List[Tuple[str, str, str, str]]:
    """(诉求内容, 诉求类型, 承办部门, 场景) × n: the 场景 names the matter a message is about."""
    rng = random.Random(seed)
    departments = list(WEIGHTS)
    out = []
    for _ in range(n):
        department = rng.choices(departments, weights=[WEIGHTS[d] for d in departments])[0]
        matter = rng.randrange(len(MATTERS[department]))
        out.append((message(rng, department, matter), rng.choices(TYPES, weights=[6, 1, 3])[0], department,
                    f"{department}-{matter}"))
    return out


def write(path: Path, data: Sequence[Sequence[str]], header: Sequence[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(data)
    return path
