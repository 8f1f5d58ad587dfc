"""The legal basis (bot/registry/legal.py): records ⇄ text form, and what the check refuses.

Bad input covered: empty, missing, wrong types, a huge text, hostile markup, brackets and
separators that would break the text form, a note that reads like a document number, two
document numbers in one bracket, unknown keys, impossible dates, too many entries.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.registry.legal import LegalRef, check_refs, parse_text, refs_from_stored, refs_text, stored

PERMIT = {"law": "《居住证暂行条例》", "article": "第十条", "doc_no": "国务院令第663号", "effective": "2016-01-01"}
MARRIAGE = {"law": "《婚姻登记条例》", "doc_no": "国务院令第804号", "version": "2025年修订"}
SAMPLE = {"law": "《江州市养犬管理规定》", "note": "示例"}


def test_the_text_form_names_law_article_number_version_and_date() -> None:
    assert refs_text([PERMIT, MARRIAGE, SAMPLE]) == (
        "《居住证暂行条例》第十条（国务院令第663号，2016年1月1日施行）；"
        "《婚姻登记条例》（国务院令第804号，2025年修订）；《江州市养犬管理规定》（示例）")
    assert LegalRef.from_record({"law": "《中华人民共和国民法典》"}).text == "《中华人民共和国民法典》"


@pytest.mark.parametrize("records", [
    [PERMIT], [MARRIAGE, SAMPLE],
    [{"law": "《住房公积金管理条例》", "article": "第二十四条、第二十五条", "version": "2019年修订"}],
    [{"law": "《中华人民共和国民法典》", "article": "第一千零七十六条至第一千零七十八条"}],
    [{"law": "《职业技能提升行动方案（2019—2021年）》", "doc_no": "国办发〔2019〕24号"}],  # brackets inside 《》
    [{"law": "《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》", "doc_no": "发改价格规〔2016〕2559号"}],
])
def test_every_valid_record_reads_back_from_its_text(records: Any) -> None:
    text = refs_text(records)
    clean, problems = check_refs(text)
    assert problems == [] and clean == records
    assert check_refs(records) == (records, [])


def test_yaml_dates_and_text_entries_in_a_list_are_accepted() -> None:
    marriage = "《婚姻登记条例》（国务院令第804号，2025年修订）"
    clean, problems = check_refs([{**PERMIT, "effective": date(2016, 1, 1)}, marriage])
    assert problems == [] and clean == [PERMIT, MARRIAGE]


@pytest.mark.parametrize("value, where, words", [
    (None, "legal_basis", "缺少必填字段"),  # missing
    ("", "legal_basis", "缺少必填字段"),  # empty text
    ([], "legal_basis", "缺少必填字段"),  # empty list
    (42, "legal_basis", "应为列表"),  # wrong type
    ("居住证暂行条例第十条", "legal_basis", "《法律法规名称》"),  # no 《》
    ("《" + "条" * 3000 + "》", "legal_basis", "2000"),  # huge
    ([{"article": "第十条"}], "legal_basis[0].law", "缺少必填字段"),  # no law
    ([{"law": "<script>alert(1)</script>"}], "legal_basis[0].law", "书名号"),  # hostile
    ([{"law": "《居住证暂行条例》", "article": "第十条；第十一条"}], "legal_basis[0].article", "不能含"),
    ([{"law": "《居住证暂行条例》", "article": "十条"}], "legal_basis[0].article", "第"),
    ([{"law": "《居住证暂行条例》", "note": "国务院令第663号"}], "legal_basis[0].note", "文号"),
    ([{"law": "《居住证暂行条例》", "doc_no": "663"}], "legal_basis[0].doc_no", "文号"),
    ([{"law": "《居住证暂行条例》", "version": "新版"}], "legal_basis[0].version", "版本"),
    ([{"law": "《居住证暂行条例》", "effective": "2016-02-30"}], "legal_basis[0].effective", "YYYY-MM-DD"),
    ([{"law": "《居住证暂行条例》", "chapter": "二"}], "legal_basis[0]", "未知的键"),
    ([{"law": ["《居住证暂行条例》"]}], "legal_basis[0].law", "应为文本"),
    (["not a law"], "legal_basis[0]", "《法律法规名称》"),
    ([7], "legal_basis[0]", "应为映射"),
    ("《甲》（国务院令第1号，国务院令第2号）", "legal_basis", "两个文号"),  # duplicated number
    ([{"law": f"《条例{i}》"} for i in range(11)], "legal_basis", "最多 10 项"),
])
def test_bad_legal_basis_is_refused_naming_the_field(value: Any, where: str, words: str) -> None:
    _clean, problems = check_refs(value)
    assert any(field == where and words in message for field, message in problems), problems


def test_the_database_column_reads_json_and_the_first_versions_free_text() -> None:
    assert refs_from_stored(stored([PERMIT])) == [PERMIT]
    assert refs_from_stored(None) == [] and refs_from_stored("") == []
    assert refs_from_stored("《中华人民共和国居民身份证法》") == [{"law": "《中华人民共和国居民身份证法》"}]
    old = "《公安机关办理犯罪记录查询工作规定》（公通字〔2021〕19号）"
    assert refs_from_stored(old) == [{"law": "《公安机关办理犯罪记录查询工作规定》", "doc_no": "公通字〔2021〕19号"}]
    # old free text that is no text form is kept whole, so nothing is lost on display
    assert refs_from_stored("依据国家有关规定") == [{"law": "依据国家有关规定"}]


def test_parse_text_reports_each_broken_entry() -> None:
    records, problems = parse_text("《甲》第一条；乙法第二条；《丙》")
    assert [r["law"] for r in records] == ["《甲》", "《丙》"]
    assert len(problems) == 1 and "第2项" in problems[0]
