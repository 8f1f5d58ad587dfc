"""The CKAN client against a real HTTP server on 127.0.0.1: paging, envelope, faults, retries."""
from __future__ import annotations

from typing import List

import pytest

from bot.opendata.ckan import CkanClient
from bot.opendata.errors import (
    PagingLoop,
    PortalAPIError,
    PortalHTTPError,
    PortalMalformed,
    PortalTimeout,
)
from tests.opendata.support import FakeCkan, clinic_records


def client(ckan: FakeCkan, **kwargs) -> CkanClient:  # type: ignore[no-untyped-def]
    options = {"timeout": 0.3, "retries": 1, "backoff": 0, "user_agent": "JiangzhouTest/1.0", **kwargs}
    return CkanClient(ckan.url, **options)


def test_pages_with_offset_and_limit_until_total(ckan: FakeCkan) -> None:
    ckan.add("r1", clinic_records(7))
    seen: List[tuple] = []
    result = client(ckan).datastore_search_all("r1", page_size=3, on_page=lambda n, t: seen.append((n, t)))
    assert [r["机构名称"] for r in result.records] == [f"测试诊所{i}" for i in range(1, 8)]
    assert result.total == 7 and result.pages == 3
    assert [(q["offset"], q["limit"]) for q in ckan.datastore_calls("r1")] == [("0", "3"), ("3", "3"), ("6", "3")]
    assert seen == [(3, 7), (6, 7), (7, 7)]
    assert "机构名称" in (result.fields or [])


def test_follows_next_links_the_portal_gives(ckan: FakeCkan) -> None:
    ckan.add("r1", clinic_records(5), cursor_links=True)
    result = client(ckan).datastore_search_all("r1", page_size=2)
    assert len(result.records) == 5
    calls = ckan.datastore_calls("r1")
    assert "page_token" not in calls[0] and [c.get("page_token") for c in calls[1:]] == ["p2", "p4"]


def test_sends_a_user_agent_and_the_api_key(ckan: FakeCkan) -> None:
    ckan.add("r1", clinic_records(1))
    client(ckan, api_key="secret-key").datastore_search_all("r1")
    headers = ckan.requests[-1].headers
    assert headers["User-Agent"] == "JiangzhouTest/1.0" and headers["Authorization"] == "secret-key"


def test_package_show_and_ckan_errors(ckan: FakeCkan) -> None:
    ckan.add("r1", clinic_records(1), package="clinics")
    assert client(ckan).package_show("clinics")["resources"][0]["id"] == "r1"
    with pytest.raises(PortalAPIError) as missing:
        client(ckan).package_show("nope")
    assert missing.value.error_type == "Not Found Error" and missing.value.status == 404
    with pytest.raises(PortalAPIError) as unknown:
        client(ckan).datastore_search_all("no-such-resource")
    assert unknown.value.error_type == "Not Found Error" and "no-such-resource" in unknown.value.message
    ckan.add("r2", clinic_records(1), fault="validation")
    with pytest.raises(PortalAPIError) as invalid:
        client(ckan).datastore_search_all("r2")
    assert invalid.value.error_type == "Validation Error" and "limit" in invalid.value.message


def test_timeout_is_retried_then_reported(ckan: FakeCkan) -> None:
    ckan.add("r1", clinic_records(2), fault="timeout")
    with pytest.raises(PortalTimeout) as error:
        client(ckan, retries=1).datastore_search_all("r1")
    assert len(ckan.datastore_calls("r1")) == 2 and "已重试 1 次" in error.value.message


def test_http_500_is_retried_with_exponential_backoff(ckan: FakeCkan) -> None:
    ckan.add("r1", clinic_records(2), fault="http500")
    delays: List[float] = []
    with pytest.raises(PortalHTTPError) as error:
        client(ckan, retries=2, backoff=0.5, sleep=delays.append).datastore_search_all("r1")
    assert error.value.status == 500 and len(ckan.datastore_calls("r1")) == 3
    assert delays == [0.5, 1.0]


def test_a_passing_500_is_survived_by_the_retry(ckan: FakeCkan) -> None:
    ckan.add("r1", clinic_records(2), fault="flaky500")
    assert len(client(ckan).datastore_search_all("r1").records) == 2
    assert len(ckan.datastore_calls("r1")) == 2


@pytest.mark.parametrize("fault", ["malformed", "not_json_envelope"])
def test_malformed_answers_are_not_retried(ckan: FakeCkan, fault: str) -> None:
    ckan.add("r1", clinic_records(2), fault=fault)
    with pytest.raises(PortalMalformed):
        client(ckan, retries=2).datastore_search_all("r1")
    assert len(ckan.datastore_calls("r1")) == 1


def test_a_next_link_back_to_the_first_page_is_a_loop(ckan: FakeCkan) -> None:
    ckan.add("r1", clinic_records(4), fault="same_next")
    with pytest.raises(PagingLoop):
        client(ckan).datastore_search_all("r1", page_size=2)
    assert len(ckan.datastore_calls("r1")) == 1  # the repeated link is never fetched


def test_paging_that_never_ends_stops_at_the_page_cap(ckan: FakeCkan) -> None:
    ckan.add("r1", clinic_records(1), fault="endless")
    with pytest.raises(PagingLoop) as error:
        client(ckan).datastore_search_all("r1", page_size=2, max_pages=5)
    assert len(ckan.datastore_calls("r1")) == 5 and "上限 5" in error.value.message


def test_next_links_to_another_host_are_refused(ckan: FakeCkan) -> None:
    ckan.add("r1", clinic_records(4), fault="foreign_next")
    with pytest.raises(PortalMalformed):
        client(ckan).datastore_search_all("r1", page_size=2)
    assert len(ckan.datastore_calls("r1")) == 1


def test_unreachable_portal_is_a_connection_error() -> None:
    from bot.opendata.errors import PortalConnectionError
    from tests.opendata.support import FakeCkan as Server

    server = Server().start()
    url = server.url
    server.stop()  # nothing listens on that port any more
    with pytest.raises(PortalConnectionError):
        CkanClient(url, timeout=0.3, retries=0).package_show("x")
