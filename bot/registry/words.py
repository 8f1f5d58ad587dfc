"""The words of a question: which ones can say what matter it is about, and which never do.

General Chinese, kept apart from the scoring (bot/registry/resolver.py): function and question
words, amounts, the clause that asks, a document named as the thing to bring, jieba with the
project dictionary and its IDF table, and the hand-kept lexicons in ``data/lexicon``
(kinds of handling, ``variants.tsv``; aspects every guide answers, ``aspects.tsv``).
"""
from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, Optional, Tuple

import jieba

logger = logging.getLogger(__name__)

# Words that say what kind of answer is wanted, or are function words: they never decide
# which matter a question is about. General Chinese, not per-item.
STOP_WORDS: FrozenSet[str] = frozenset("""
那 那么 那要 这么 怎么着 一般 大概 大约 具体 咋整 咋搞 怎么整 怎么搞 咋处理 怎么处理 咋回事
怎么 怎样 怎么样 咋 咋办 怎么办 怎么弄 咋弄 如何 请问 问一下 问下 问问 咨询 想问 想咨询 您好 你好 谢谢 麻烦
需要 需 要 得 该 应该 必须 能 能不能 可以 可不可以 能否 是否 会 会不会 有没有 是不是 行不行 好不好
什么 啥 啥子 哪些 哪个 哪里 哪儿 哪 在哪 去哪 去哪里 多久 多长时间 多长 时间 几天 多少 多少钱 几 几个
钱 费用 收费 收钱 要钱 免费 花钱 材料 资料 证件 东西 手续 流程 步骤 程序 条件 要求 规定 政策 标准 时限
办理 办 办好 办完 去办 申请 申领 提交 准备 带 携带 带上 拿 交 递交 处理 弄 搞 做
网上 线上 网上办 在线 手机 app APP 窗口 现场 线下 地方 地点 地址 电话 预约
吗 呢 吧 啊 呀 哦 嘛 么 了 的 地 着 过 之 呗 哈 诶
我 我们 我家 俺 咱 你 您 你们 他 她 它 他们 她们 自己 本人 大家 人
想 想要 打算 准备 希望 还 还是 和 与 及 以及 或 或者 也 都 就 才 又 再 在 到 去 来 给 让 被 把 对 从 向 跟 同
为 为了 关于
有 没有 没 是 不是 不 一下 一个 个 这个 那个 这 那 这样 那样 现在 已经 刚 刚刚 如果 因为 所以 但是 但 而且
然后 之后 以后 后 前 时候 时
下来 起来 出来 一 二 三 两 些 一些 很 太 比较 非常 特别 最 多 少 好 可 上 下 中 里 内 外 其他 相关 情况 问题
事 事情 事儿 一件
江州 江州市 本市 我市 市里 市 区 区里 当地 本地
""".split())

PUNCT = re.compile(r"^[\W_\d]+$")
# a word made only of these characters asks how or where ("去哪办", "要啥", "咋办") — never what
FUNCTION_CHARS = frozenset("去哪办在要啥么怎咋吗呢吧啊呀了的得地能可以个这那我你您还也都就才又再来给让被把对"
                            "从向跟同有没是不下多少几")
# an amount or a span of time ("两万多", "八年", "三个月", "30平"): context, never the matter
AMOUNT = re.compile(r"^[\d零〇一二两三四五六七八九十百千万几多半来余]+"
                     r"[个年月天日周岁次件套张元块万号口平米倍]*[多余]?$")
# a document named as the thing to bring is a material, not the matter ("要带结婚证吗")
BRING_BEFORE = re.compile(r"(?:带|提供|出示|用到|复印|交)[上着齐好]?(?:一下|个|张|本|份)?$")
BRING_AFTER = re.compile(r"^(?:也|都|还)?(?:要|需要|得|用|必须)?(?:带|提供|出示|复印)(?:上|着)?"
                         r"(?!什么|啥|哪|些|多少|几)")  # "办居住证要带啥" asks what to bring for it
# a clause with one of these is the one that asks; the others give the resident's context
ASKING = re.compile(r"吗|么|怎|什么|啥|哪|几|多少|多久|多长|能不能|可不可以|是否|要不要|行不行|呢|如何|\?|？")


def only_brought(name: str, text: str) -> bool:
    """Every mention of the name is a document to bring ("要带结婚证吗", "户口本要带吗"): a
    material of the matter asked, not the matter ("两个人都同意离，结婚证要带上吗"). "补办身份证
    要带什么" still names 身份证补办: the document is not what is brought there."""
    mentions = [m.start() for m in re.finditer(re.escape(name), text)]
    return bool(mentions) and all(
        BRING_BEFORE.search(text[max(0, i - 4):i]) or BRING_AFTER.match(text[i + len(name):])
        for i in mentions)


def is_cjk(token: str) -> bool:
    return all("\u4e00" <= ch <= "\u9fff" for ch in token)


@lru_cache(maxsize=4)
def tokenizer(dictionaries: Tuple[str, ...]) -> jieba.Tokenizer:
    """jieba with the hand-kept domain words; built once per process (it takes a second or two),
    so a registry edit rebuilds only the profiles. Registry names are matched as substrings and by
    their words, so a new item needs no dictionary entry to be found."""
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for path in dictionaries:
        if Path(path).exists():
            tokenizer.load_userdict(path)
    return tokenizer


_IDF_CACHE: Optional[Tuple[Dict[str, float], float]] = None


def idf_table() -> Tuple[Dict[str, float], float]:
    """jieba's IDF table (rarer words weigh more); loaded once per process."""
    global _IDF_CACHE
    if _IDF_CACHE is None:
        from jieba.analyse.tfidf import DEFAULT_IDF, IDFLoader

        loader = IDFLoader(DEFAULT_IDF)
        _IDF_CACHE = (dict(loader.idf_freq), float(loader.median_idf))
    return _IDF_CACHE


def load_aspects(path: Path) -> FrozenSet[str]:
    """Words that ask which aspect of a guide is wanted (多久, 手机上, 寄到家 …): every item
    answers them, so they never decide the matter (data/lexicon/aspects.tsv)."""
    return frozenset(w for words in load_variants(path).values() for w in words)


def load_variants(path: Path) -> Dict[str, Tuple[str, ...]]:
    """The kinds of handling (业务办理项) and the words residents use for each (data/lexicon)."""
    variants: Dict[str, Tuple[str, ...]] = {}
    if not path.exists():
        logger.warning("variant lexicon %s missing: kinds of handling are not compared", path)
        return variants
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or "\t" not in line:
            continue
        kind, words = line.split("\t", 1)
        variants[kind.strip()] = tuple(w for w in words.split() if w)
    return variants


__all__ = ["STOP_WORDS", "idf_table", "is_cjk", "load_aspects", "load_variants", "only_brought", "tokenizer"]
