"""Normalisation of what residents type: width, script, emoji, pinyin, typos, length."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.nlu.textnorm import Normalizer, PinyinConverter, load_corrections, load_words

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def normalize() -> Normalizer:
    return Normalizer(words=[*load_words(ROOT / "data" / "jieba"), "护照", "怎么办", "社保卡", "补办"],
                      corrections=load_corrections(ROOT / "data" / "lexicon" / "corrections.tsv"))


@pytest.mark.parametrize("raw, expected", [
    ("護照怎麼辦", "护照怎么办"),  # traditional characters
    ("ｗｗｗ　社保卡？", "www 社保卡?"),  # full-width letters, ideographic space and punctuation
    ("公积金😀😀能取吗🙏", "公积金能取吗"),  # emoji between words
    ("  户口  迁入  ", "户口迁入"),  # stray spaces between Chinese words
    ("身分证丢了", "身份证丢了"),  # common typo
    ("huzhao zenme ban", "护照怎么办"),  # toneless pinyin
    ("shebaoka bu ban", "社保卡补办"),
])
def test_normalises_what_residents_type(normalize: Normalizer, raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_english_and_abbreviations_are_not_turned_into_chinese(normalize: Normalizer) -> None:
    assert normalize("APP 上能办吗") == "APP 上能办吗"
    assert normalize("ETC") == "ETC"


def test_emoji_only_and_empty_become_empty(normalize: Normalizer) -> None:
    assert normalize("😀🎉👍") == ""
    assert normalize("") == "" and normalize("   \n\t") == ""


def test_huge_input_is_capped(normalize: Normalizer) -> None:
    assert len(normalize("办" * 10_000)) == 500


def test_char_preserving_keeps_offsets_for_annotated_examples(normalize: Normalizer) -> None:
    assert normalize.char_preserving("護照") == "护照"
    assert len(normalize.char_preserving("ＡＢＣ護照")) == 5


def test_pinyin_converter_needs_complete_segmentation() -> None:
    converter = PinyinConverter(["护照", "怎么办"])
    assert converter.convert("huzhao zenmeban") == "护照怎么办"
    assert converter.convert("huzhao hello") == "huzhao hello"


def test_bad_correction_lines_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "c.tsv"
    path.write_text("# comment\n身分证\t身份证\nbroken line\n\t空\n", encoding="utf-8")
    assert load_corrections(path) == {"身分证": "身份证"}


def test_escaped_slash_never_becomes_a_command_again(normalize: Normalizer) -> None:
    assert not normalize("／restart").startswith("/")  # the channel escaped a typed slash
    assert normalize('/inform{"district": "东湖区"}') == '/inform{"district": "东湖区"}'  # a vetted button payload
