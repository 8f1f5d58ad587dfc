"""Generate the sample 12345 routing data set for 江州市 (a fictional city) — SAMPLE DATA.

    python data/routing/make_sample.py          # rewrites train.csv and holdout.csv next to this file

Everything here is invented by the project team: places, shops, companies, dates and the masked phone
numbers (138****1234) are fictional.  The output is deterministic (fixed seed), so the committed CSVs are
exactly what this script writes.  A city replaces both files with its own labelled 12345 history.

How a message is made: each department has scenarios (one concrete kind of 诉求, with its 诉求类型);
a scenario has several alternative core sentences, details and requests.  A message is one core plus
0–3 details in random order, optional opening / self-introduction / emotion / earlier calls / wrong
department tried / a second minor topic / phone / closing, in citizen or operator (third-person)
style, with slot values (district, road, 小区, dates, times, money, bus lines ...), connectors,
occasional typos and mixed full/half-width punctuation.  The last alternative of each list (when a list
has three or more) is reserved for the held-out set, and the hand-written messages in handwritten.py
are split by hand, so holdout wording is not train wording; a final check drops any holdout row that
shares a 30-character substring with a train row.
"""
from __future__ import annotations

import csv
import random
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from handwritten import HANDWRITTEN_HOLDOUT, HANDWRITTEN_TRAIN  # noqa: E402
from scenarios import DEPTS, SHORT_NAMES  # noqa: E402

SEED = 20240612
HEADER = ["诉求内容", "诉求类型", "承办部门"]

# ----------------------------------------------------------------------------------------------- places
ROADS = {
    "东湖区": ["东湖北路", "柳堤路", "湖滨路", "望湖街", "市民大道", "荷花路", "东湖南路"],
    "西山区": ["松风路", "翠屏路", "西山大道", "枫林街", "石门路", "云岭路"],
    "南港区": ["南环路", "海湾路", "港城大道", "渔港街", "新港路", "船厂路"],
    "北城区": ["北城大道", "北辰路", "广和路", "星河街", "工农路", "北站路"],
    "高新区": ["创新大道", "创新街", "科技二路", "软件园路", "智谷路", "天宇路"],
    "滨江区": ["滨江大道", "江滨西路", "长河路", "观潮街", "江滨街", "沙洲路"],
}
XQ = {
    "东湖区": ["翠湖苑", "望湖名邸", "柳堤新村", "荷塘小区", "东湖一号", "湖畔花园", "市政宿舍"],
    "西山区": ["枫林雅居", "松风小区", "翠屏山庄", "西山水岸", "石门新村", "云岭华府"],
    "南港区": ["海湾新村", "港城人家", "渔港小区", "新港家园", "船厂宿舍", "海悦湾"],
    "北城区": ["北辰家园", "星河湾", "广和小区", "工农新村", "金桂花园", "北站公寓"],
    "高新区": ["创新公寓", "智谷嘉园", "科技新城", "天宇花园", "软件园人才公寓", "锦绣江南"],
    "滨江区": ["江滨花园", "观潮府", "长河丽景", "沙洲新村", "阳光城三期", "滨江壹号"],
}
SHOPS = ["好又多超市", "鲜丰水果", "味美轩餐馆", "老张面馆", "悦动健身", "小蜜蜂烘焙", "百家福超市", "川味小厨",
         "美丽约美容院", "优学教育", "益康大药房", "乐购便利店", "金牌烧烤", "晨光洗衣店", "快乐童年早教",
         "宏达家电", "一品鲜火锅", "佳佳母婴店", "顺心汽修", "名剪理发店"]
CORPS = ["江州宏远建设公司", "江州恒达物流", "江州鑫源电子厂", "华泰装饰公司", "江州新锐科技", "江州永利制衣厂",
         "江州绿源化工", "江州华信物业", "江州海鑫置业", "江州天诚保安公司", "江州瑞丰食品厂", "江州明远劳务公司"]
SCHOOLS = ["江州市实验小学", "东湖区第二小学", "西山中学", "南港区港城小学", "北城区星河中学", "高新区创新实验学校",
           "滨江区长河小学", "江州市第三中学"]
HOSPS = ["江州市第一人民医院", "江州市中医院", "东湖区人民医院", "南港区妇幼保健院", "江州市第二人民医院",
         "北城区社区卫生服务中心", "滨江区人民医院", "西山区中心医院"]
BUSES = ["5", "12", "23", "36", "41", "58", "63", "101", "105", "K8", "208", "311"]

DUR = ["一个多月", "半个多月", "快两个星期", "好几天", "三四天", "一个礼拜", "两个多月", "大半年", "快一年", "十来天"]
WHEN = ["昨天", "前天", "上周", "上个星期五", "这周一", "昨天晚上", "今天早上", "上周末", "前几天", "大前天下午",
        "{m}月{d}日", "{m}月{d}号", "{m}.{d}", "{m}月{d}号下午", "{m}月{d}日上午"]
CLOCK = ["晚上十一点多", "夜里十二点", "凌晨一点多", "凌晨两三点", "23:30左右", "晚上10点半以后", "早上六点不到",
         "半夜", "晚上九点多", "中午十二点半"]


def phone(rnd: random.Random) -> str:
    head = rnd.choice(["138", "139", "135", "136", "137", "150", "151", "152", "158", "159", "186", "187", "188",
                       "189", "177", "133", "180", "131", "132"])
    return f"{head}****{rnd.randint(0, 9999):04d}"


def fill(text: str, rnd: random.Random, loc: dict) -> str:
    """Fill {slots}; the location is fixed per message so road and 小区 belong to the same district."""

    def when() -> str:
        w = rnd.choice(WHEN)
        return w.format(m=rnd.randint(1, 12), d=rnd.randint(1, 28))

    values = {
        "dist": lambda: loc["dist"],
        "road": lambda: loc["road"],
        "road2": lambda: loc["road2"],
        "xq": lambda: loc["xq"],
        "addr": lambda: rnd.choice([f"{loc['dist']}{loc['road']}{loc['xq']}", f"{loc['road']}{loc['xq']}",
                                    f"{loc['dist']}{loc['xq']}", f"{loc['xq']}小区" if not loc['xq'].endswith(("小区", "新村", "宿舍", "公寓")) else loc['xq'],
                                    f"{loc['dist']}{loc['road']}附近的{loc['xq']}"]),
        "n": lambda: str(rnd.randint(1, 32)),
        "dur": lambda: rnd.choice(DUR),
        "when": when,
        "clock": lambda: rnd.choice(CLOCK),
        "shop": lambda: loc["shop"],
        "corp": lambda: loc["corp"],
        "school": lambda: loc["school"],
        "hosp": lambda: loc["hosp"],
        "bus": lambda: loc["bus"],
        "money": lambda: str(rnd.choice([1800, 2600, 3500, 4200, 5600, 6800, 7300, 8000, 9500, 12000, 15600, 21000])),
        "small": lambda: str(rnd.choice([12, 18, 25, 36, 45, 58, 68, 88, 99, 128, 199, 260])),
        "age": lambda: str(rnd.choice([62, 67, 71, 75, 78, 82, 86])),
        "phone": lambda: phone(rnd),
    }

    def sub(m: re.Match) -> str:
        key = m.group(1)
        return values[key]() if key in values else m.group(0)

    return re.sub(r"\{(\w+)\}", sub, text)


# ----------------------------------------------------------------------------------------------- pieces
OPEN = {
    "投诉求助": ["你好，", "您好，", "喂你好，", "我要反映一个问题。", "实在忍不了了，", "我要投诉！", "又来打12345了，",
             "你好，我要反映个情况，", "领导好，", "麻烦帮忙解决个问题：", "", "", "", ""],
    "咨询": ["你好，", "您好，想咨询一下，", "问个事，", "打扰一下，", "你好，我想问问，", "请问一下，", "您好！", "", "", ""],
    "建言": ["提个建议：", "你好，我有个建议，", "作为老居民提点建议，", "您好，想提一个小建议。", "建议：", "", ""],
}
INTRO = ["我住在{addr}，", "我是{addr}的业主，", "我家在{dist}{road}这边，", "本人住{addr}。", "我在{dist}住，",
         "我们家住{addr}，", "", "", "", ""]
OPERATOR = ["市民来电反映：", "来电人反映，", "市民反映：", "来电人称：", "网友留言：", "市民来电称，", "来电反映："]
EMO = ["真的太气人了！", "家里老人孩子都受不了。", "这样下去怎么行？？", "已经不是第一次了。", "说实话心里挺窝火的。",
       "大家意见都很大。", "邻居们都在群里骂。", "我们老百姓真的没办法了。", "太过分了吧", "心里真的很着急。",
       "感觉投诉了也没用，但还是想再试一次。"]
REPEAT = ["之前已经打过两次12345了，也没见解决。", "上个月反映过一次，到现在也没人来看。",
          "{when}就反映过，回复说会处理，结果还是老样子。", "这个问题去年就有人反映过。"]
WRONG = ["之前打给{other}，说不归他们管，让我打12345。", "问过{other}，他们说这事不是他们负责。",
         "我不知道该找哪个部门，是不是{other}管？", "本来想找{other}的，查不到电话。"]
PHONE = ["我电话{phone}。", "联系电话：{phone}", "有事打我电话 {phone}", "我的手机{phone}，请回电。",
         "回电请打{phone}", "电话{phone}（白天可能不方便接）。"]
CLOSE = {
    "投诉求助": ["希望尽快处理，谢谢！", "请相关部门重视，给个答复。", "这都多久了，到底有没有人管？", "谢谢。",
             "麻烦了。", "请尽快回复！", "希望能解决，谢谢你们。", "", "", ""],
    "咨询": ["谢谢。", "麻烦告知一下，谢谢！", "请回电告知。", "谢谢你们。", "", ""],
    "建言": ["仅供参考，谢谢。", "希望采纳。", "希望有关部门考虑一下。", "谢谢！", ""],
}
CONTEXT = {
    "投诉求助": ["这个情况从{when}开始的，一直没有好转", "我是上班族，白天没空，只有晚上才有空打这个电话",
             "我也不是爱找事的人，实在是没办法了才打的电话", "身边好几个人都遇到同样的问题，大家推我出来反映",
             "以前从来没遇到过这种事", "{when}我还专门拍了视频，需要的话可以提供",
             "跟身边的人说，都说打12345最管用", "我也理解你们工作忙", "我们普通老百姓也不知道该找谁",
             "我今天是请了假专门打的电话", "家里人都劝我算了，但我觉得这事得有个说法",
             "说多了都是泪", "网上也有人发帖说过这个事", "我前后已经找了好几个地方"],
    "咨询": ["我在网上查了半天也没查明白", "问了身边的人，说法都不一样", "怕跑冤枉路，所以先打电话问问",
           "我年纪大了，不太会用手机上的那些APP", "我周一到周五都上班，只能抽中午的时间去办",
           "之前打过一次电话，但是没记清楚", "我是{dist}的，离市里比较远"],
    "建言": ["我在江州生活了二十多年，看着城市越来越好", "这个想法是跟邻居们聊天时大家一起说的",
           "我去外地出差，看到人家那边就是这么做的", "我觉得这个事花钱不多，但是老百姓很受益",
           "我平时每天都要经过那里，感受比较深"],
}
GENERIC = {
    "投诉求助": ["我{when}已经在网上留过言了，一直没有回复", "希望你们能派人实地来看看，不要只打个电话了事",
             "我的要求其实很简单，就是恢复正常", "处理结果请一定回复我，我会跟进的",
             "如果这次还解决不了，我就只能找媒体了", "我不想一直打电话，但是问题确实没解决",
             "我就想知道到底归哪个部门管"],
    "咨询": ["主要是想把材料一次准备齐，别来回跑", "如果网上能办就更好了", "能不能告诉我具体的办理地址和时间",
           "我这边情况有点特殊，不知道符不符合"],
    "建言": ["这只是我个人的一点想法", "相信很多市民都有同感", "希望政府能听听老百姓的声音"],
}
CONNECT = ["而且", "还有，", "另外", "关键是", "再说", "并且", "", "", "", "", ""]
TYPOS = [("反映", "反应"), ("已经", "以经"), ("这么", "这莫"), ("的", "得"), ("在", "再"), ("那里", "哪里"),
         ("账", "帐"), ("一下", "一哈"), ("怎么", "怎莫"), ("到底", "倒底"), ("部门", "部们"), ("居然", "竟然")]


def to_operator(text: str) -> str:
    for a, b in (("我妈", "其母亲"), ("我爸", "其父亲"), ("我女儿", "其女儿"), ("我家", "其家")):
        text = text.replace(a, b)
    text = text.replace("我们", "他们").replace("咱们", "他们").replace("我", "其")
    text = text.replace("你们", "相关部门").replace("您", "相关部门")
    return text


def punctuate(text: str, rnd: random.Random) -> str:
    r = rnd.random()
    if r < 0.12:
        text = text.replace("，", ",")
    elif r < 0.20:
        text = text.replace("。", ".").replace("？", "?")
    elif r < 0.26:
        text = text.replace("，", " ").replace("。", "  ")
    elif r < 0.32:
        text = text.replace("！", "！！！").replace("？", "？？")
    return text


def typo(text: str, rnd: random.Random) -> str:
    if rnd.random() < 0.18:
        a, b = rnd.choice(TYPOS)
        idx = [m.start() for m in re.finditer(re.escape(a), text)]
        if idx:
            i = rnd.choice(idx)
            text = text[:i] + b + text[i + len(a):]
    return text


def split_alts(alts: list, holdout: bool) -> list:
    """The last alternative of a list with three or more is held out."""
    if len(alts) >= 3:
        return alts[-1:] if holdout else alts[:-1]
    return alts


def end(s: str) -> str:
    s = s.strip()
    if not s:
        return s
    return s if s[-1] in "。！？!?，,.…～）)" else s + rnd_end()


_END_RND = random.Random(7)


def rnd_end() -> str:
    return _END_RND.choice(["。", "。", "。", "，", "！", "。"])


def make_message(rnd: random.Random, dept_key: str, scen: dict, holdout: bool) -> str:
    dept = DEPTS[dept_key]
    kind = scen["type"]
    dist = rnd.choice(list(ROADS))
    loc = {"dist": dist, "road": rnd.choice(ROADS[dist]), "xq": rnd.choice(XQ[dist]),
           "shop": rnd.choice(SHOPS), "corp": rnd.choice(CORPS), "school": rnd.choice(SCHOOLS),
           "hosp": rnd.choice(HOSPS), "bus": rnd.choice(BUSES)}
    loc["road2"] = rnd.choice([r for r in ROADS[dist] if r != loc["road"]])
    core = rnd.choice(split_alts(scen["core"], holdout))
    dets = list(split_alts(scen.get("det", []), holdout))
    paired_ask = None
    if isinstance(core, tuple):  # (core, ask) or (core, ask, details): parts that only fit this core
        if len(core) > 2:
            dets = list(split_alts(list(core[2]), holdout))
        core, paired_ask = core[0], core[1]
    rnd.shuffle(dets)
    ndet = min(len(dets), rnd.choice([1, 2, 2, 2, 3, 3]))
    asks = split_alts(scen.get("ask", [""]), holdout)
    operator = rnd.random() < 0.22

    parts = []
    if not operator:
        parts.append(rnd.choice(OPEN[kind]))
    if "{addr}" not in core and "{xq}" not in core and rnd.random() < 0.55 and not scen.get("noplace"):
        parts.append(rnd.choice(INTRO))
    parts.append(end(core))
    middle = []
    for i, d in enumerate(dets[:ndet]):
        c = rnd.choice(CONNECT) if i or rnd.random() < 0.3 else ""
        middle.append(end(c + d))
    if kind == "投诉求助":
        if rnd.random() < 0.3:
            middle.append(rnd.choice(EMO))
        if rnd.random() < 0.18:
            middle.append(rnd.choice(REPEAT))
    if rnd.random() < 0.07 and dept.get("confuse"):
        other = rnd.choice(dept["confuse"])
        middle.append(rnd.choice(WRONG).replace("{other}", SHORT_NAMES[other]))
    # grow toward a target length drawn like real hotline text (most 100-300 characters, a few longer)
    target = min(420, max(70, int(rnd.lognormvariate(5.0, 0.4))))
    pool = [end(rnd.choice(CONNECT) + d) for d in dets[ndet:]]
    pool += [end(x) for x in rnd.sample(CONTEXT[kind], 1)]
    pool += [end(x) for x in rnd.sample(split_alts(dept.get("more", []), holdout), min(2, len(split_alts(dept.get("more", []), holdout))))] if kind == "投诉求助" else []
    pool += [end(x) for x in rnd.sample(GENERIC[kind], 1)]
    rnd.shuffle(pool)
    base = len("".join(parts)) + 40
    while pool and base + len("".join(middle)) < target:
        middle.append(pool.pop())
    if len(middle) > 1 and rnd.random() < 0.4:
        rnd.shuffle(middle)
    parts.extend(middle)
    ask = rnd.choice(asks)
    if paired_ask is not None:
        ask = rnd.choice(paired_ask) if isinstance(paired_ask, list) else paired_ask
    if ask:
        parts.append(end(ask))
    if rnd.random() < 0.06:
        others = [k for k in DEPTS if k != dept_key and DEPTS[k].get("side")]
        side = rnd.choice(split_alts(DEPTS[rnd.choice(others)]["side"], holdout))
        parts.append(end(rnd.choice(["另外顺便说一下，", "还有个小事，", "对了，", "另外，"]) + side))
    if rnd.random() < 0.2:
        parts.append(rnd.choice(PHONE))
    parts.append(rnd.choice(CLOSE[kind]))
    text = "".join(parts)
    text = re.sub(r"[，,]$", "。", text.strip())
    if operator:
        text = rnd.choice(OPERATOR) + to_operator(text)
        if rnd.random() < 0.5 and kind == "投诉求助":
            text = text.rstrip("。！") + "。" + rnd.choice(["来电人要求尽快处理。", "希望相关部门核实处理。",
                                                          "请相关部门处理并回复来电人。", "要求回电。"])
    text = fill(text, rnd, loc)
    text = typo(text, rnd)
    text = punctuate(text, rnd)
    text = re.sub(r"([，。！？,.])\1+", lambda m: m.group(0) if m.group(1) in "！？" else m.group(1), text)
    text = text.replace("，。", "。").replace("。，", "。").replace(",。", "。")
    return text.strip()


TYPE_WEIGHT = {"投诉求助": 0.65, "建言": 0.10, "咨询": 0.25}


def build(rnd: random.Random, totals: dict, holdout: bool, seen: set) -> list:
    rows = []
    for dept_key, n in totals.items():
        dept = DEPTS[dept_key]
        by_type = {t: [s for s in dept["scen"] if s["type"] == t] for t in TYPE_WEIGHT}
        if isinstance(n, tuple):  # (count, kind): one type only
            quota = {n[1]: n[0]}
        else:
            quota = {t: round(n * w) for t, w in TYPE_WEIGHT.items()}
            quota["投诉求助"] = n - quota["建言"] - quota["咨询"]
        for t, q in quota.items():
            made = guard = 0
            while made < q and guard < q * 80 + 80:
                guard += 1
                scen = rnd.choice(by_type[t])
                msg = make_message(rnd, dept_key, scen, holdout)
                if msg in seen or not (60 <= len(msg) <= 500):
                    continue
                seen.add(msg)
                rows.append([msg, t, dept["name"]])
                made += 1
    return rows


def shingles(text: str, k: int = 30) -> set:
    return {text[i:i + k] for i in range(len(text) - k + 1)}


def main() -> None:
    rnd = random.Random(SEED)
    train_n = {k: v["train"] for k, v in DEPTS.items()}
    hold_n = {k: v["holdout"] for k, v in DEPTS.items()}
    seen: set = set()
    train = build(rnd, train_n, False, seen)
    train += [[t, k, DEPTS[d]["name"]] for t, k, d in HANDWRITTEN_TRAIN]
    train_sh = set()
    for row in train:
        train_sh |= shingles(row[0])
    hold = []
    for dept_key, n in hold_n.items():
        quota = {t: round(n * w) for t, w in TYPE_WEIGHT.items()}
        quota["投诉求助"] = n - quota["建言"] - quota["咨询"]
        for kind, q in quota.items():
            got = tries = 0
            while got < q and tries < 400:
                tries += 1
                row = build(rnd, {dept_key: (1, kind)}, True, seen)[0]
                if shingles(row[0]) & train_sh:
                    continue
                hold.append(row)
                got += 1
            if got < q:
                print(f"holdout short: {dept_key} {kind} {got}/{q}")
    for t, k, d in HANDWRITTEN_HOLDOUT:
        if shingles(t) & train_sh:
            raise SystemExit(f"hand-written holdout row overlaps train: {t[:40]}")
        hold.append([t, k, DEPTS[d]["name"]])
    rnd.shuffle(train)
    rnd.shuffle(hold)
    for name, rows in (("train.csv", train), ("holdout.csv", hold)):
        with open(HERE / name, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(HEADER)
            w.writerows(rows)
        print(f"{name}: {len(rows)} rows")


if __name__ == "__main__":
    main()
