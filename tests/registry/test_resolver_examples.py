"""Residents' labelled questions as the resolver's third opinion (bot/registry/examples.py).

Tried: both file shapes (a list, ``{questions: [...]}``), rows with no text or no label, labels
naming items the registry no longer has, a registry with one item only, empty / punctuation-only /
huge / Latin questions; a matter described without naming the item (answered or offered with the
model, declined without it, never held back as a "tie" of names it does not say); the nearest
labelled question of the item and of none; the same files giving the same scores on every fit;
the calibration's out-of-fold fit leaving the resolver's own model in place.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.registry.evaluation import Question, calibrate, load_questions
from bot.registry.examples import NONE, ExampleModel, build, load_labelled, names_by_code
from bot.registry.live import QUESTIONS_DIR, build_resolver, load_records

NAMES = {"MZ2": ["离婚登记", "协议离婚"], "GA9": ["养犬登记", "狗证"]}


def test_both_file_shapes_and_bad_rows(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(
        "- {text: 两口子想离了, expect: MZ2, kind: covered}\n- {text: '', expect: MZ2}\n- {expect: GA9}\n"
        "- {text: 离婚了房子怎么分, expect: none, kind: near}\n- just a string\n", encoding="utf-8")
    (tmp_path / "b.yml").write_text("questions:\n  - {text: 养的狗要办证吗, expect: GA9}\n", encoding="utf-8")
    (tmp_path / "c.yml").write_text("", encoding="utf-8")
    pairs = load_labelled(sorted(tmp_path.glob("*.yml")))
    assert pairs == [("两口子想离了", "MZ2"), ("离婚了房子怎么分", NONE), ("养的狗要办证吗", "GA9")]
    assert [q.expect for q in load_questions(tmp_path)] == ["MZ2", None, "GA9"]
    assert load_questions(tmp_path / "missing") == []


def test_questions_teach_how_residents_describe_a_matter() -> None:
    model = ExampleModel([("两口子过不下去了想分开", "MZ2"), ("我俩感情破裂都同意分开", "MZ2"),
                          ("家里的狗想上个户", "GA9"), ("养了条泰迪要去登记吗", "GA9"),
                          ("分开以后孩子抚养费怎么算", NONE), ("邻居家的狗天天叫", NONE),
                          ("删掉的事项的问题", "GONE")], NAMES)
    assert model.questions == 6  # the question about an item no longer in the registry is not learnt
    s = model.scores("我们两个都同意分开，要带啥")
    assert max(s, key=lambda c: s[c]) == "MZ2" and set(s) == {"MZ2", "GA9", NONE}
    features = model.features("我们两个都同意分开，要带啥", "MZ2")
    assert features["example_top"] == 1.0 and features["example_score"] > features["example_none"]
    noise = model.features("邻居家的狗晚上一直叫", "GA9")
    assert noise["example_none"] > noise["example_score"]
    assert model.features("我们两个都同意分开，要带啥", "GA9")["example_top"] == 0.0
    two = ExampleModel([], {"GA9": ["养犬登记", "狗证"], "MZ2": ["离婚登记"]})  # a binary SVM has one decision value
    assert max(two.scores("狗证怎么办").items(), key=lambda kv: kv[1])[0] == "GA9"


def test_the_nearest_labelled_question_tells_a_near_copy_of_a_none_question() -> None:
    """"公积金贷款利率多少" says the loan item's words only; the closest question residents asked is one
    its guide does not answer (labelled none), so ``nearest_margin`` is negative, while a question
    about what the guide says is closest to the item's own questions."""
    model = ExampleModel([("公积金贷款要带什么材料", "GJJ2"), ("用公积金贷款买房去哪里申请", "GJJ2"),
                          ("公积金贷款现在的利率是多少", NONE), ("公积金贷款的月供能提前还吗", NONE),
                          ("家里的狗想上个户", "GA9")], {"GJJ2": ["住房公积金贷款"], "GA9": ["养犬登记"]})
    rate = model.features("请问公积金贷款利率是多少", "GJJ2")
    asked = model.features("公积金贷款需要带哪些材料", "GJJ2")
    assert rate["nearest_margin"] < 0 < asked["nearest_margin"], (rate, asked)
    assert -1.0 <= rate["nearest_margin"] <= 1.0 and -1.5 <= asked["example_margin"] <= 1.5
    assert asked["example_margin"] > rate["example_margin"]
    near = model.nearest("公积金贷款需要带哪些材料")
    assert set(near) == {"GJJ2", NONE, "GA9"} and all(0.0 <= v <= 1.0 + 1e-9 for v in near.values())
    # the solver shuffles: a fixed seed gives the same scores for the same files, fit after fit
    again = ExampleModel([("公积金贷款要带什么材料", "GJJ2"), ("用公积金贷款买房去哪里申请", "GJJ2"),
                          ("公积金贷款现在的利率是多少", NONE), ("公积金贷款的月供能提前还吗", NONE),
                          ("家里的狗想上个户", "GA9")], {"GJJ2": ["住房公积金贷款"], "GA9": ["养犬登记"]})
    assert again.scores("请问公积金贷款利率是多少") == model.scores("请问公积金贷款利率是多少")
    # no labelled question yet (names only): no nearest question, and the margin is 0
    bare = ExampleModel([], NAMES)
    assert bare.nearest("狗证怎么办") == {} and bare.features("狗证怎么办", "GA9")["nearest_margin"] == 0.0


def test_odd_questions_and_a_one_item_registry() -> None:
    model = ExampleModel([], NAMES)
    for text in ("", "？？？", "hello 123", "狗证" * 5000):
        assert set(model.scores(text)) == {"MZ2", "GA9"}
    alone = ExampleModel([], {"GA9": ["养犬登记"]})
    assert alone.scores("随便问问") == {"GA9": 1.0}


def test_a_described_matter_needs_the_questions(database_url: str, tmp_path: Path) -> None:
    """"两口子都同意分开" names no item (离婚 is not said); learnt from residents' questions it is the
    divorce registration, weighed for an answer; without them it is declined unweighed."""
    records, districts = load_records()
    text = "我们两口子都同意分开了，要准备哪些东西"
    without = build_resolver(records, districts, examples=ExampleModel([], {}))
    assert without.resolve(text).outcome == "decline"
    (tmp_path / "family.yml").write_text("\n".join(
        f"- {{text: {t}, expect: JZ-MZ-0002}}" for t in (
            "两口子商量好了要分开，去哪办手续", "夫妻俩都同意分开，需要带啥", "我跟老公过不下去了，都同意分了，咋弄",
            "两个人和平分手，民政局怎么预约", "夫妻双方自愿分开，要交钱吗")), encoding="utf-8")
    learnt = build_resolver(records, districts, examples=build(records, tmp_path))
    resolution = learnt.resolve(text)
    # weighed by the calibrated confidence like a named item (whether it is enough to answer is the
    # calibration's call: a described matter has no name and explains none of its words)
    assert resolution.candidates[0].code == "JZ-MZ-0002", resolution.as_dict()
    assert resolution.features is not None and resolution.features["example_top"] == 1.0
    assert resolution.confidence == pytest.approx(learnt.calibration.probability(resolution.features))
    # no item is named, so no two items are named alike: the tie rule is not what holds it back
    assert resolution.features["indistinct"] == 0.0
    assert without.resolve(text).features is None


def test_the_shipped_questions_cover_every_item(database_url: str) -> None:
    """Every item of the seed has residents' questions, and some questions are labelled none."""
    from bot.config import get_settings

    records, _ = load_records()
    questions = load_questions(get_settings().registry_dir / QUESTIONS_DIR)
    codes = {q.expect for q in questions}
    assert {r.code for r in records} <= codes, sorted({r.code for r in records} - codes)
    assert sum(q.expect is None for q in questions) >= 200


def test_calibration_scores_each_learnt_question_with_a_model_that_did_not_learn_it(database_url: str) -> None:
    records, districts = load_records()
    resolver = build_resolver(records, districts, calibrated=False)
    own = resolver.examples
    labelled = [Question(t, "JZ-MZ-0002") for t in ("两口子要分开怎么办手续", "夫妻俩都同意分开带啥材料",
                                                     "协议离婚要预约吗", "离婚登记在哪办", "离婚冷静期多少天")]
    labelled += [Question(t, None) for t in ("离婚后孩子归谁", "离婚财产怎么分", "前夫不给抚养费", "离婚官司怎么打",
                                             "离婚律师哪里找")]
    learnt = []

    def recording(pairs: list, names: dict) -> ExampleModel:
        learnt.append({t for t, _c in pairs})
        return ExampleModel(pairs, names)

    tuning = load_questions(Path(__file__).parent / "hotline" / "dev.yml")
    calibration, figures = calibrate(resolver, tuning, 0.05, "dev.yml", labelled, model=recording)
    assert resolver.examples is own  # the fold models were only lent
    assert len(learnt) == 5 and all(len(fold) == 8 for fold in learnt)
    assert set.union(*[{q.text for q in labelled} - fold for fold in learnt]) == {q.text for q in labelled}
    assert 0.0 < calibration.commit_at <= 1.0 and 0.0 <= figures["wrong"] <= 0.05
    with pytest.raises(ValueError):  # too few right and wrong best candidates to fit on: refused, not a fake fit
        calibrate(resolver, tuning[:2], 0.05, "tiny")
    assert set(names_by_code(records)) == {r.code for r in records}


def test_the_model_is_kept_until_its_questions_or_the_item_names_change(tmp_path: Path) -> None:
    """The resolver is rebuilt on every registry edit; refitting only when what the model learns from
    changed keeps a guide edit from costing the next resident a second or two."""
    from types import SimpleNamespace

    records = [SimpleNamespace(code="MZ2", names=("离婚登记",), keywords=()),
               SimpleNamespace(code="GA9", names=("养犬登记",), keywords=("狗证",))]
    questions = tmp_path / "family.yml"
    questions.write_text("- {text: 两口子要分开, expect: MZ2}\n", encoding="utf-8")
    first = build(records, tmp_path)
    assert build(records, tmp_path) is first
    questions.write_text("- {text: 两口子要分开, expect: MZ2}\n- {text: 狗要上户口, expect: GA9}\n", encoding="utf-8")
    second = build(records, tmp_path)
    assert second is not first and second.questions == 2
    renamed = [records[0], SimpleNamespace(code="GA9", names=("犬只登记",), keywords=())]
    assert build(renamed, tmp_path) is not second


def test_a_serving_process_prepares_the_resolver_before_the_first_turn(database_url: str) -> None:
    """bot.rasa_server starts this thread: the first resident's turn finds the resolver built."""
    from bot.registry.live import live_registry, warm_in_background

    warm_in_background().join(timeout=120)
    live = live_registry()
    assert live._resolver is not None and live._resolver[0] is live.snapshot()
    assert live.resolver() is live._resolver[1]  # the turn reuses it, no second build
