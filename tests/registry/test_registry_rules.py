"""Every rule of the registry seed says where it comes from, and the rules agree with each other.

Run on the real seed (data/registry, every items file, also those other features add): each item
names its law, its fee basis and its own update date; the same certificate costs the same
everywhere; only licences are accepted as 电子证照; and the corrections of issue #13 stay made.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest
import yaml

from bot.registry.legal import LAW_RE
from bot.registry.seed import load_seed

SEED = Path(__file__).resolve().parents[2] / "data" / "registry"
# what a fee amount is for → the certificate or fee it names (longest first: 临时居民身份证 before 居民身份证)
CERTIFICATES = (
    ("临时居民身份证", "临时居民身份证"), ("居民身份证", "居民身份证"), ("居住证", "居住证"),
    ("一次有效签注", "往来港澳一次有效签注"), ("二次有效签注", "往来港澳二次有效签注"),
    ("港澳通行证", "往来港澳通行证"), ("台湾通行证", "往来台湾通行证"), ("护照", "普通护照"),
    ("驾驶证", "机动车驾驶证"), ("号牌", "机动车号牌"), ("行驶证", "机动车行驶证"), ("登记证书", "机动车登记证书"),
    ("不动产权证书", "不动产权证书"), ("转移登记费", "不动产转移登记费"), ("抵押登记费", "不动产抵押登记费"),
    ("社会保障卡", "社会保障卡"),
)
# the one certificate whose fee differs by occasion (发改价格〔2003〕2322号)
PRICED_BY_OCCASION = {"居民身份证"}
LICENCES = ("身份证", "社会保障卡", "医保电子凭证", "营业执照", "出生医学证明", "居住证", "残疾人证", "预防接种证",
            "驾驶证", "行驶证", "结婚证", "离婚证", "户口簿", "主体资格证明", "证书", "护照", "通行证")


@pytest.fixture(scope="module")
def items() -> List[Dict[str, Any]]:
    return load_seed(SEED)[1]


def _by_code(items: List[Dict[str, Any]], code: str) -> Dict[str, Any]:
    return next(i for i in items if i["code"] == code)


def _materials(item: Dict[str, Any]) -> Iterator[Dict[str, Any]]:
    yield from item["materials"]
    for situation in item["situations"]:
        yield from situation["materials"]


def test_every_item_has_its_law_fee_basis_and_own_date(items: List[Dict[str, Any]]) -> None:
    """The validator enforces it; this says it of the data itself, and that the date is the item's
    own line in the file, not the file's meta.updated."""
    assert len(items) >= 46
    for item in items:
        assert item["legal_basis"] and all(LAW_RE.match(ref["law"]) for ref in item["legal_basis"]), item["code"]
        assert item["fee_basis"].strip(), item["code"]
    for path in sorted((SEED / "items").glob("*.y*ml")):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8"))["items"]:
            assert raw.get("updated"), f"{path.name}: {raw.get('code')} has no updated of its own"


def _occasion(item: Dict[str, Any], situation: Optional[Dict[str, Any]]) -> str:
    words = situation["name"] if situation else item["name"]
    if any(w in words for w in ("补", "遗失", "丢")):
        return "补领"
    return "损坏换领" if "损坏" in words else "申领/换领"


def fee_claims(items: List[Dict[str, Any]]) -> List[Tuple[str, str, int, str]]:
    """(certificate, occasion, amount in 元, where) for every amount in every fee an applicant may pay."""
    claims = []
    for item in items:
        for situation in item["situations"] or [None]:
            text = (situation or {}).get("fee") or item["fee"]
            where = item["code"] + (f"/{situation['code']}" if situation else "")
            for clause in re.split(r"[；，、。（）()]", text):
                for found in re.finditer(r"(\d+)元", clause):
                    before = clause[:found.start()]
                    cert = next((c for word, c in CERTIFICATES if word in before), None)
                    assert cert, f"{where}: 「{clause}」: name the certificate or fee the amount is for"
                    occasion = _occasion(item, situation) if cert in PRICED_BY_OCCASION else ""
                    claims.append((cert, occasion, int(found.group(1)), where))
    return claims


def test_no_two_items_charge_differently_for_the_same_certificate(items: List[Dict[str, Any]]) -> None:
    amounts: Dict[Tuple[str, str], Dict[int, List[str]]] = {}
    for cert, occasion, amount, where in fee_claims(items):
        amounts.setdefault((cert, occasion), {}).setdefault(amount, []).append(where)
    disagree = {f"{c} {o}".strip(): seen for (c, o), seen in amounts.items() if len(seen) > 1}
    assert not disagree, disagree
    assert len(amounts) >= 10


def test_the_consistency_check_catches_a_disagreeing_fee(items: List[Dict[str, Any]]) -> None:
    """The check above can fail: a 补领 fee of 20 元 in another item is caught against the 40 元."""
    other = {"code": "X-1", "name": "身份证补办（测试）", "fee": "居民身份证工本费20元", "situations": []}
    claims = fee_claims([*items, other])
    lost = {amount for cert, occasion, amount, _w in claims if (cert, occasion) == ("居民身份证", "补领")}
    assert lost == {20, 40}
    with pytest.raises(AssertionError, match="name the certificate"):
        fee_claims([{"code": "X-2", "name": "某证", "fee": "工本费20元", "situations": []}])


def test_only_licences_are_accepted_as_electronic_licences(items: List[Dict[str, Any]]) -> None:
    for item in items:
        for material in _materials(item):
            assert material["form"] in ("原件", "复印件", "原件及复印件"), (item["code"], material["name"])
            if material["submit"] == "电子证照":
                assert any(word in material["name"] for word in LICENCES), (item["code"], material["name"])
    modes = {m["submit"] for item in items for m in _materials(item)}
    assert modes == {"纸质", "电子证照", "免提交"}


def _basis(item: Dict[str, Any]) -> str:
    return "；".join(f"{r['law']}{r.get('article', '')}{r.get('doc_no', '')}" for r in item["legal_basis"])


def test_identity_card_fees_follow_2322(items: List[Dict[str, Any]]) -> None:
    """居民身份证 换领 20 元, 丢失补领 and 损坏换领 40 元, 临时居民身份证 10 元 (发改价格〔2003〕2322号)."""
    claims = {(cert, occasion): amount for cert, occasion, amount, _w in fee_claims(items)}
    assert claims[("居民身份证", "申领/换领")] == 20
    assert claims[("居民身份证", "补领")] == claims[("居民身份证", "损坏换领")] == 40
    assert claims[("临时居民身份证", "")] == 10
    for code in ("JZ-GA-0003", "JZ-GA-0004"):
        assert "发改价格〔2003〕2322号" in _by_code(items, code)["fee_basis"]


def test_residence_permit_articles_and_fees(items: List[Dict[str, Any]]) -> None:
    """签注 rests on 第十条; 首次申领 is free and 换领/补领 charge 工本费, both by 第二十一条."""
    first, endorse = _by_code(items, "JZ-GA-0001"), _by_code(items, "JZ-GA-0002")
    assert "第十条" in _basis(endorse) and "第十四条" not in _basis(endorse)
    assert first["fee"] == endorse["fee"] == "不收费"
    assert "第二十一条" in first["fee_basis"] and "第二十一条" in endorse["fee_basis"]
    replace = next(i for i in items if "居住证" in i["name"] and "补领" in i["name"])
    assert "工本费" in replace["fee"] and "第二十一条" in replace["fee_basis"]
    assert {s["code"] for s in replace["situations"]} == {"damage", "lost"}
    assert replace["code"].startswith("JZ-") and "居住证补领" in replace["aliases"]


def test_non_marital_births_need_the_statement_and_under_the_father_a_dna_report(items: List[Dict[str, Any]]) -> None:
    birth = _by_code(items, "JZ-GA-0006")
    assert "国办发〔2015〕96号" in _basis(birth)
    situations = {s["code"]: s for s in birth["situations"]}
    mother = [m["name"] for m in situations["non_marital"]["materials"] if m["required"]]
    father = [m["name"] for m in situations["non_marital_father"]["materials"] if m["required"]]
    assert "非婚生育说明" in mother and "非婚生育说明" in father
    assert any("亲子鉴定" in name for name in father) and not any("亲子鉴定" in name for name in mother)


def test_divorce_with_a_lost_marriage_certificate_replaces_it_first(items: List[Dict[str, Any]]) -> None:
    divorce = _by_code(items, "JZ-MZ-0002")
    certificate = next(m for m in divorce["materials"] if m["name"] == "结婚证")
    assert certificate["required"] and "先" in certificate["note"] and "补领结婚证" in certificate["note"]
    assert "补领结婚证" in divorce["conditions"]


@pytest.mark.parametrize("code", ["JZ-GA-0010", "JZ-GA-0011", "JZ-GA-0013"])
def test_under_sixteen_travel_documents_need_the_guardian(items: List[Dict[str, Any]], code: str) -> None:
    guardian = [m for m in _by_code(items, code)["materials"] if "监护人" in m["name"]]
    assert guardian and "监护关系" in guardian[0]["name"] and "16周岁" in guardian[0]["note"]


def test_emergency_treatment_elsewhere_counts_as_filed(items: List[Dict[str, Any]]) -> None:
    filing = _by_code(items, "JZ-YB-0001")
    assert all(words in filing["conditions"] for words in ("急诊抢救", "视同已备案", "补办"))
    assert any("急诊" in s["keywords"] for s in filing["situations"] if s["code"] == "emergency")


def test_rent_withdrawal_needs_three_months_of_full_contributions(items: List[Dict[str, Any]]) -> None:
    fund = _by_code(items, "JZ-GJJ-0001")
    rent = next(s for s in fund["situations"] if s["code"] == "rent")
    assert "连续足额缴存住房公积金满3个月" in rent["description"]
    assert "建金〔2015〕19号" in _basis(fund)


@pytest.mark.parametrize("code", ["JZ-GA-0011", "JZ-GA-0012"])
def test_hong_kong_macao_endorsement_fees_cite_1186(items: List[Dict[str, Any]], code: str) -> None:
    item = _by_code(items, code)
    assert "发改价格〔2017〕1186号" in item["fee_basis"] and "一次有效签注15元" in item["fee"]
