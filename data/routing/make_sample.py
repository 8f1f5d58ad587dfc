"""Generate the sample 12345 routing data set for 江州市 (a fictional city) — SAMPLE DATA.

    python data/routing/make_sample.py          # rewrites train.csv and holdout.csv next to this file
    python data/routing/make_sample.py --seed 7 --out /tmp/s7   # another sample of the same kind

Everything here is invented by the project team: places, shops, companies, dates and the masked phone
numbers (138****1234) are fictional.  The output is deterministic (fixed seed), so the committed CSVs are
exactly what this script writes.  A city replaces both files with its own labelled 12345 history.

How a message is made: each department has scenarios (one concrete kind of 诉求, with its 诉求类型;
scenarios.py); a scenario has several alternative core sentences, details and requests.  A message is
drawn at a target length like real hotline text (a few short ones, most 120–300 characters, a third
300–500): the core, 1–3 details, and — the longer the message, the more of it — background, what the
caller already tried, emotion, the matter said again in other words, a wrong department, a second minor
matter, an address with house numbers, dates, a phone number, in the caller's words or an operator's
third-person record; a share get regional/colloquial words (啥、咋、晓得…), typos and half-width or
missing punctuation (pieces.py).

Held-out messages are written apart from training ones: the last alternative of every scenario list
with three or more items, and the last third of every department-neutral list, are used only there;
nearly a third of the held-out messages (NOVEL_SHARE of the draws) are about matters no training
message is about (novel.py); the hand-written messages (handwritten.py) are split by hand; and a final
check rewrites any held-out message that shares a 20-character substring with a training message.  The ``场景`` column names the
scenario a message was made from (a city's export would have its 诉求分类 there); training groups
its cross-validation folds by it, so the triage threshold is chosen on matters the fold did not see.
"""
from __future__ import annotations

import csv
import random
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import pieces as P  # noqa: E402
from handwritten import HANDWRITTEN_HOLDOUT, HANDWRITTEN_TRAIN  # noqa: E402
from novel import NOVEL  # noqa: E402
from scenarios import DEPTS, SHORT_NAMES  # noqa: E402

SEED = 20261127
HEADER = ["诉求内容", "诉求类型", "承办部门", "场景"]
TYPE_WEIGHT = {"投诉求助": 0.65, "建言": 0.10, "咨询": 0.25}
HOLDOUT_SCALE = 1.3  # held-out messages per department: scenarios.py's figure × this
NOVEL_SHARE = 0.33  # of the held-out messages, about matters no training message is about
OVERLAP = 20  # a held-out message may not share this many consecutive characters with a training one


def split_alts(alts: list, holdout: bool) -> list:
    """Scenario sentences: the last alternative of a list with three or more is held out."""
    alts = list(alts)
    if len(alts) >= 3:
        return alts[-1:] if holdout else alts[:-1]
    return alts


def split_share(alts: list, holdout: bool) -> list:
    """Department-neutral pieces: the last third of a list with three or more is held out."""
    alts = list(alts)
    if len(alts) >= 3:
        k = max(1, len(alts) // 3)
        return alts[-k:] if holdout else alts[:-k]
    return alts


class Writer:
    """One message at a time; ``holdout`` picks the held-out side of every list."""

    def __init__(self, rnd: random.Random, holdout: bool) -> None:
        self.rnd, self.holdout = rnd, holdout

    def pick(self, alts: list) -> str:
        return self.rnd.choice(split_share(alts, self.holdout))

    def some(self, alts: list, k: int) -> list:
        pool = split_share(alts, self.holdout)
        return self.rnd.sample(pool, min(k, len(pool)))

    # ------------------------------------------------------------------------------------ slots
    def place(self) -> dict:
        rnd = self.rnd
        dist = rnd.choice(list(P.ROADS))
        loc = {"dist": dist, "road": rnd.choice(P.ROADS[dist]), "xq": rnd.choice(P.XQ[dist]),
               "shop": rnd.choice(P.SHOPS), "food": rnd.choice(P.FOOD), "eatery": rnd.choice(P.EATERY),
               "club": rnd.choice(P.CLUB), "store": rnd.choice(P.STORE), "training": rnd.choice(P.TRAINING),
               "pharmacy": rnd.choice(P.PHARMACY), "corp": rnd.choice(P.CORPS), "school": rnd.choice(P.SCHOOLS),
               "hosp": rnd.choice(P.HOSPS), "bus": rnd.choice(P.BUSES), "surname": rnd.choice(P.SURNAMES)}
        loc["road2"] = rnd.choice([r for r in P.ROADS[dist] if r != loc["road"]])
        return loc

    def fill(self, text: str, loc: dict) -> str:
        """Fill {slots}; the place is fixed per message so road and 小区 belong to the same district."""
        rnd = self.rnd
        xq = loc["xq"]
        values = {
            "home": lambda: self.pick(P.HOME),
            "addr": lambda: rnd.choice([f"{loc['dist']}{loc['road']}{xq}", f"{loc['road']}{xq}", f"{loc['dist']}{xq}",
                                        xq if xq.endswith(("小区", "新村", "宿舍", "公寓")) else f"{xq}小区",
                                        f"{loc['dist']}{loc['road']}附近的{xq}"]),
            "n": lambda: str(rnd.randint(1, 32)),
            "num": lambda: str(rnd.choice([rnd.randint(1, 99), rnd.randint(100, 999)])),
            "dur": lambda: rnd.choice(P.DUR),
            "when": lambda: rnd.choice(P.WHEN).format(m=rnd.randint(1, 12), d=rnd.randint(1, 28)),
            "clock": lambda: rnd.choice(P.CLOCK),
            "money": lambda: str(rnd.choice([1800, 2600, 3500, 4200, 5600, 6800, 7300, 8000, 9500, 12000, 15600])),
            "small": lambda: str(rnd.choice([12, 18, 25, 36, 45, 58, 68, 88, 99, 128, 199, 260])),
            "age": lambda: str(rnd.choice([62, 67, 71, 75, 78, 82, 86])),
            "phone": lambda: phone(rnd),
        }
        for _ in range(3):  # {home} brings {addr}, {xq}, {n} … of its own
            text = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)]() if m.group(1) in values
                          else str(loc.get(m.group(1), m.group(0))), text)
        return text

    # ------------------------------------------------------------------------------------ a message
    def message(self, dept_key: str, scen: dict, novel: bool = False) -> str:
        rnd = self.rnd
        kind = scen["type"]
        split = (lambda alts: list(alts)) if novel else (lambda alts: split_alts(alts, self.holdout))
        cores = split(scen["core"])
        core = rnd.choice(cores)
        dets = split(scen.get("det", []))
        asks = split(scen.get("ask", [""]))
        if isinstance(core, tuple):  # (core, asks) or (core, asks, details): parts that only fit this core
            if len(core) > 2:
                dets = split(list(core[2]))
            asks = core[1] if isinstance(core[1], list) else [core[1]]
            core = core[0]
        # other words for the same matter (a (core, asks, details) alternative is a matter of its own)
        others = [c for c in cores if isinstance(c, str) and c != core]
        rnd.shuffle(dets)
        operator = rnd.random() < 0.2
        target = min(self.length(), 260) if operator else self.length()
        head = [] if operator else [self.pick(P.OPEN[kind])]
        if "{addr}" not in core and "{xq}" not in core and not scen.get("noplace") and rnd.random() < 0.6:
            head.append(self.pick(P.INTRO))
        matter = end(core)
        body = [matter]
        ndet = min(len(dets), rnd.choice([1, 2, 2, 3]) if target > 100 else 1)
        for i, d in enumerate(dets[:ndet]):
            body.append(end((self.pick(P.CONNECT) if i or rnd.random() < 0.3 else "") + d))
        # the rest of a long message: each piece at most once, in a plausible order
        extra = [end(x) for x in self.some(P.CONTEXT[kind], 4)]
        extra += [end(x) for x in self.some(P.STORY[kind], 3)]
        extra += [end(self.pick(P.CONNECT) + d) for d in dets[ndet:]]
        extra += [end(x) for x in self.some(P.GENERIC[kind], 2)]
        if kind == "投诉求助":
            more = split_alts(DEPTS[dept_key].get("more", []), self.holdout)
            extra += [end(x) for x in rnd.sample(more, min(2, len(more)))]
            extra.append(self.pick(P.REPEAT))
            if not operator:  # an operator's record leaves the feelings out
                extra += [end(x) for x in self.some(P.EMO, rnd.choice([1, 2]))]
        again = end(self.pick(P.RESTATE) + rnd.choice(others)) if others and rnd.random() < 0.6 else ""
        if rnd.random() < 0.1 and DEPTS[dept_key].get("confuse"):
            other = SHORT_NAMES[rnd.choice(DEPTS[dept_key]["confuse"])]
            extra.append(self.pick(P.WRONG).replace("{other}", other))
        rnd.shuffle(extra)
        while extra and len("".join(head + body)) + 25 < target:
            piece = extra.pop()
            # background goes before the matter now and then: residents often start with their story
            body.insert(0 if rnd.random() < 0.25 else len(body), piece)
        if again and len("".join(head + body)) < target:  # said again: after the matter, never before it
            body.insert(rnd.randint(body.index(matter) + 1, len(body)), again)
        ask = rnd.choice(asks) if asks else ""
        if ask:
            body.append(end(ask))
        if rnd.random() < 0.08:
            others_side = [k for k in DEPTS if k != dept_key and DEPTS[k].get("side")]
            side = self.pick(DEPTS[rnd.choice(others_side)]["side"])
            body.append(end(self.pick(P.SIDE_LEAD) + side))
        if rnd.random() < 0.25:
            body.append(end(self.pick(P.PHONE)))
        closing = self.pick(P.CLOSE[kind])
        if closing.rstrip("。！!.") != ask.rstrip("。！!."):  # not 「希望采纳。希望采纳。」
            body.append(closing)
        text = "".join(head + body).strip()
        text = re.sub(r"[，,]$", "。", text)
        if operator:
            text = self.pick(P.OPERATOR) + to_operator(text)
            if kind == "投诉求助" and rnd.random() < 0.5:
                text = text.rstrip("。！") + "。" + self.pick(P.OPERATOR_END)
        text = self.fill(text, self.place())
        if not operator and rnd.random() < 0.45:  # an operator writes standard Chinese
            text = self.colloquial(text)
        text = self.typos(text)
        text = punctuate(text, rnd)
        text = re.sub(r"([，。！？,.])\1+", lambda m: m.group(0) if m.group(1) in "！？" else m.group(1), text)
        return text.replace("，。", "。").replace("。，", "。").replace(",。", "。").strip()

    def length(self) -> int:
        """A target length: a few short messages, most 120–300 characters, a third 300–500."""
        r = self.rnd.random()
        if r < 0.12:
            return self.rnd.randint(50, 110)
        if r < 0.67:
            return self.rnd.randint(120, 300)
        return self.rnd.randint(300, 480)

    def colloquial(self, text: str) -> str:
        rnd = self.rnd
        for a, b in self.some(P.DIALECT, rnd.randint(3, 7)):
            text = text.replace(a, b, rnd.randint(1, 2))
        if rnd.random() < 0.5:
            particle = self.pick(P.PARTICLES)
            text = re.sub("，", lambda m: particle + "，" if rnd.random() < 0.3 else "，", text)
        return text

    def typos(self, text: str) -> str:
        rnd = self.rnd
        for _ in range(rnd.choice([0, 0, 0, 1, 1, 2])):
            a, b = self.pick(P.TYPOS)
            idx = [m.start() for m in re.finditer(re.escape(a), text)]
            if idx:
                i = rnd.choice(idx)
                text = text[:i] + b + text[i + len(a):]
        return text


def phone(rnd: random.Random) -> str:
    head = rnd.choice(["138", "139", "135", "136", "137", "150", "151", "152", "158", "159", "186", "187", "188",
                       "189", "177", "133", "180", "131", "132"])
    return f"{head}****{rnd.randint(0, 9999):04d}"


def to_operator(text: str) -> str:
    for a, b in (("我妈", "其母亲"), ("我爸", "其父亲"), ("我女儿", "其女儿"), ("我家", "其家"), ("我老公", "其丈夫")):
        text = text.replace(a, b)
    text = text.replace("我们", "他们").replace("咱们", "他们").replace("我", "其")
    return text.replace("你们", "相关部门").replace("您", "相关部门")


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
    elif r < 0.36:
        text = text.replace("，", "").replace("。", "，")  # typed without stops, as on a phone
    return text


_END_RND = random.Random(7)


def end(s: str) -> str:
    s = s.strip()
    if not s:
        return s
    return s if s[-1] in "。！？!?，,.…～）)" else s + _END_RND.choice(["。", "。", "。", "，", "！", "。"])


def quota(n: int) -> dict:
    q = {t: round(n * w) for t, w in TYPE_WEIGHT.items()}
    q["投诉求助"] = n - q["建言"] - q["咨询"]
    return q


def scenario_id(dept_key: str, scen: dict, scenarios: list, novel: bool) -> str:
    return f"{dept_key}-{'新' if novel else ''}{scenarios.index(scen) + 1:02d}"


def build_train(writer: Writer, seen: set) -> list:
    rows = []
    for dept_key, dept in DEPTS.items():
        for kind, q in quota(dept["train"]).items():
            choices = [s for s in dept["scen"] if s["type"] == kind]
            made = guard = 0
            while made < q and guard < q * 80 + 80:
                guard += 1
                scen = writer.rnd.choice(choices)
                msg = writer.message(dept_key, scen)
                if msg in seen or not 30 <= len(msg) <= 520:
                    continue
                seen.add(msg)
                rows.append([msg, kind, dept["name"], scenario_id(dept_key, scen, dept["scen"], False)])
                made += 1
    return rows


def build_holdout(writer: Writer, seen: set, train_sh: set) -> list:
    rows = []
    for dept_key, dept in DEPTS.items():
        for kind, q in quota(round(dept["holdout"] * HOLDOUT_SCALE)).items():
            novel = [s for s in NOVEL[dept_key] if s["type"] == kind]
            known = [s for s in dept["scen"] if s["type"] == kind]
            made = tries = 0
            while made < q and tries < 600:
                tries += 1
                is_novel = bool(novel) and writer.rnd.random() < NOVEL_SHARE
                scen = writer.rnd.choice(novel if is_novel else known)
                msg = writer.message(dept_key, scen, novel=is_novel)
                if msg in seen or not 30 <= len(msg) <= 520 or shingles(msg) & train_sh:
                    continue
                seen.add(msg)
                pool = NOVEL[dept_key] if is_novel else dept["scen"]
                rows.append([msg, kind, dept["name"], scenario_id(dept_key, scen, pool, is_novel)])
                made += 1
            if made < q:
                print(f"holdout short: {dept_key} {kind} {made}/{q}")
    return rows


def shingles(text: str, k: int = OVERLAP) -> set:
    return {text[i:i + k] for i in range(len(text) - k + 1)}


def main(argv: list) -> None:
    import argparse

    parser = argparse.ArgumentParser(description="write the sample train.csv and holdout.csv")
    parser.add_argument("--seed", type=int, default=SEED, help="another seed: another sample of the same kind")
    parser.add_argument("--out", type=Path, default=HERE, help="directory for the two files (default: here)")
    args = parser.parse_args(argv)
    rnd = random.Random(args.seed)
    seen: set = set()
    train = build_train(Writer(rnd, False), seen)
    train += [[t, k, DEPTS[d]["name"], f"{d}-手写{i + 1:02d}"] for i, (t, k, d) in enumerate(HANDWRITTEN_TRAIN)]
    train_sh: set = set()
    for row in train:
        train_sh |= shingles(row[0])
    hold = build_holdout(Writer(rnd, True), seen, train_sh)
    for i, (t, k, d) in enumerate(HANDWRITTEN_HOLDOUT):
        if shingles(t) & train_sh:
            raise SystemExit(f"hand-written holdout row overlaps train: {t[:40]}")
        hold.append([t, k, DEPTS[d]["name"], f"{d}-手写留出{i + 1:02d}"])
    rnd.shuffle(train)
    rnd.shuffle(hold)
    for name, rows in (("train.csv", train), ("holdout.csv", hold)):
        with open(args.out / name, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(HEADER)
            w.writerows(rows)
        lengths = sorted(len(r[0]) for r in rows)
        print(f"{name}: {len(rows)} rows, length median {lengths[len(lengths) // 2]}, "
              f"≥150 {sum(n >= 150 for n in lengths) / len(rows):.0%}, max {lengths[-1]}")


if __name__ == "__main__":
    main(sys.argv[1:])
