"""Slot extraction: services and situations are resolved against the registry."""
from __future__ import annotations

import asyncio
from typing import Any, Dict

from rasa_sdk.executor import CollectingDispatcher

from actions.slots import ActionValidateSlotMappings
from tests.actions.conftest import DOMAIN, make_tracker


def _extract(method: str, tracker) -> Dict[str, Any]:  # type: ignore[no-untyped-def]
    action = ActionValidateSlotMappings()
    return asyncio.run(getattr(action, method)(CollectingDispatcher(), tracker, DOMAIN))


def test_entity_alias_resolves_to_the_canonical_item() -> None:
    tracker = make_tracker("驾照到期了咋换", "ask_service_guide",
                           entities=[{"entity": "service", "value": "驾照到期"}])
    assert _extract("extract_service", tracker)["service"] == "机动车驾驶证期满换证"


def test_service_found_in_free_text_without_an_entity() -> None:
    assert _extract("extract_service", make_tracker("我想办个普通护照", "ask_materials"))["service"] == "普通护照"


def test_new_service_resets_the_old_situation() -> None:
    tracker = make_tracker("护照要带什么", "ask_materials", slots={"service": "住房公积金提取", "situation": "rent"})
    assert _extract("extract_service", tracker) == {"service": "普通护照", "situation": None}


def test_follow_up_without_a_service_keeps_the_context() -> None:
    tracker = make_tracker("那要多久", "ask_time_limit", slots={"service": "居住证首次申领"})
    assert _extract("extract_service", tracker) == {}


def test_small_talk_never_sets_a_service() -> None:
    assert _extract("extract_service", make_tracker("谢谢你", "thanks")) == {}


def test_situation_from_keywords_and_from_button_entity() -> None:
    spoken = make_tracker("我是租房的", "inform", slots={"service": "住房公积金提取"})
    assert _extract("extract_situation", spoken) == {"situation": "rent"}
    clicked = make_tracker("/inform", "inform", entities=[{"entity": "situation", "value": "buy"}],
                           slots={"service": "住房公积金提取"})
    assert _extract("extract_situation", clicked) == {"situation": "buy"}


def test_location_metadata_fills_coordinates_and_bad_values_are_ignored() -> None:
    good = make_tracker("我的位置", "ask_facility", metadata={"location": {"latitude": 30.27, "longitude": 120.15}})
    assert _extract("extract_latitude", good) == {"latitude": 30.27}
    assert _extract("extract_longitude", good) == {"longitude": 120.15}
    bad = make_tracker("我的位置", "ask_facility", metadata={"location": {"latitude": "north", "longitude": 999}})
    assert _extract("extract_latitude", bad) == {} and _extract("extract_longitude", bad) == {}
