"""The review queue's grouping on a fixed sample of residents' questions: 12 matters asked 4–15 ways
each, the 狗证 matter once more in 50 ways (five openings × ten questions), and 8 unrelated questions;
and on a queue that holds little but those 50 ways.

The figures the threshold was chosen on (bot/review/grouping.py): no group mixes two matters, the
50 ways are one group, no matter is split over more than two groups. Plus the degenerate inputs:
nothing, one text, the same text many times, texts with no content word at all.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Dict, List, Set, Tuple

from bot.nlu_admin.annotations import text_key
from bot.review.grouping import THRESHOLD, cluster, describe

# one string per matter, split on spaces (the project writes word tables so)
MATTERS: Dict[str, List[str]] = {
    "狗证": ("狗证怎么办 请问狗证怎么办理 办狗证需要什么材料 狗证在哪里办 养狗要办证吗 给狗办证去哪里 "
           "我想给狗办个证 狗证多少钱 办狗证要多久 狗证怎么办理啊 狗证到期了怎么办 狗证可以网上办吗 "
           "小区里养狗要办狗证吗 狗证年检怎么弄 办理狗证的流程").split(),
    "电动车上牌": ("电动车怎么上牌 电动车上牌需要什么 电瓶车上牌去哪 电动车上牌照在哪里办 "
              "新买的电动车怎么上牌 电动车牌照怎么办 电动车上牌要带什么材料 电动车上牌多少钱 "
              "电瓶车怎么上牌照 电动车临时牌照怎么办").split(),
    "公积金付房租": ("公积金能付房租吗 用公积金交房租怎么弄 租房可以提取公积金吗 公积金提取付房租 "
               "租房提公积金要什么材料 公积金租房提取怎么办 租房子能不能取公积金 "
               "公积金交房租的流程").split(),
    "出生证明": ("出生证明丢了怎么补 出生医学证明补办 孩子的出生证明丢了 出生证明补办去哪里 "
             "补办出生证明要什么材料 出生证丢了怎么办").split(),
    "装修噪音": ("楼上装修太吵了 晚上装修噪音没人管 邻居装修噪音太大 装修噪音投诉找谁").split(),
    "护照": ("护照过期了怎么换 护照到期换发 换护照要什么材料 护照快过期了去哪换 护照换证多少钱 "
           "护照换发要多久 护照加急怎么办").split(),
    "结婚证": ("结婚证丢了怎么补 补办结婚证 结婚证遗失补领 结婚证掉了去哪补 结婚证补办要带什么").split(),
    "社保卡密码": ("社保卡密码忘了 社保卡密码怎么重置 忘记社保卡密码怎么办 社保卡密码锁了 "
              "社保卡改密码去哪").split(),
    "停车费": ("小区停车费太贵 停车收费不合理 小区乱收停车费 停车费涨价了找谁").split(),
    "小学报名": ("孩子上小学怎么报名 小学入学报名流程 一年级报名要什么材料 小学报名在哪里报 "
             "新生入学报名时间").split(),
    "个税退税": ("个税退税怎么弄 个人所得税怎么退 个税汇算在哪里办 退税要多久到账").split(),
    "路灯": ("路灯坏了没人修 我们小区门口路灯不亮 路灯不亮找谁 马路上路灯坏了好几天").split(),
}
UNRELATED = ("今天天气怎么样 你叫什么名字 附近有好吃的吗 怎么办 帮我查一下快递 股票明天会涨吗 "
             "考驾照要多久 社保断缴了怎么办").split()
OPENINGS = ["", "请问", "你好，", "我想问下", "麻烦问一下"]
QUESTIONS = ["狗证怎么办", "狗证在哪里办", "办狗证要什么材料", "狗证要多少钱", "狗证办理要多久", "狗证可以网上办吗",
             "狗证到期了怎么办", "狗证丢了怎么补", "养狗要办狗证吗", "办狗证去哪里"]
FIFTY_WAYS = [opening + question for opening in OPENINGS for question in QUESTIONS]


def _sample() -> List[Tuple[str, str]]:
    sample = [(matter, text) for matter, texts in MATTERS.items() for text in texts]
    sample += [(f"无关{i}", text) for i, text in enumerate(UNRELATED)]
    return sample + [("狗证", text) for text in FIFTY_WAYS]


def test_the_sample_is_grouped_by_matter() -> None:
    sample = _sample()
    assert len(FIFTY_WAYS) == len({text_key(t) for t in FIFTY_WAYS}) == 50
    groups = cluster(sample, [text_key(text) for _, text in sample])
    assert sum(len(g.members) for g in groups) == len(sample) == 135
    matters_of = [{matter for matter, _ in g.members} for g in groups]
    assert [m for m in matters_of if len(m) > 1] == []  # no group mixes two matters
    groups_of: Dict[str, Set[int]] = defaultdict(set)
    for index, matters in enumerate(matters_of):
        groups_of[next(iter(matters))].add(index)
    assert max(len(g) for g in groups_of.values()) <= 2
    fifty = {index for index, group in enumerate(groups) for _, text in group.members if text in FIFTY_WAYS}
    assert len(fifty) == 1  # the 50 ways are one row …
    biggest = groups[0]
    assert fifty == {0} and len(biggest.members) >= 50  # … the biggest, with its count
    assert sum(biggest.keys.values()) == len(biggest.members)


def test_a_queue_full_of_one_matter_keeps_it_in_one_row() -> None:
    """When one matter fills the queue its words are still what it is about (the IDF's background is
    the training data, not the queue)."""
    others = ["我电话138****5678，路灯坏了好几天没人修", "居住证能不能加急", "居住证加急要多久"]
    texts = FIFTY_WAYS + others
    groups = cluster(texts, [text_key(t) for t in texts])
    assert [len(g.members) for g in groups] == [50, 2, 1]
    assert set(groups[0].members) == set(FIFTY_WAYS)


def test_what_a_text_is_about() -> None:
    """The words that name the matter stay; question words and kinds of handling go."""
    assert describe(text_key("办狗证要多久")) == "办狗证"
    assert describe(text_key("狗证到期了怎么办")) == "狗证"
    assert describe(text_key("结婚证丢了怎么补")) == "结婚证"
    assert describe(text_key("怎么办")) == "怎么办"  # nothing left: the text itself


def test_degenerate_inputs() -> None:
    assert cluster([], []) == []
    one = cluster(["a"], [text_key("狗证怎么办")])
    assert len(one) == 1 and one[0].members == ["a"]
    same = cluster(list(range(30)), [text_key("狗证怎么办？")] * 30)
    assert len(same) == 1 and len(same[0].members) == 30 and same[0].keys == {"狗证怎么办": 30}
    empty = cluster(list(range(3)), ["", "", ""])
    assert len(empty) == 1 and len(empty[0].members) == 3
    apart = cluster([1, 2], [text_key("你好"), text_key("再见")])
    assert len(apart) == 2
    assert 0 < THRESHOLD < 1
