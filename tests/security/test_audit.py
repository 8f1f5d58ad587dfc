"""``make audit`` (security/audit.py): the real pip-audit of ``.venv-audit`` against a local stand-in for OSV.

Tried: the real ``.venv`` audited package by package (rasa, sanic, tensorflow among them) with nothing found;
a site-packages with a vulnerable package → exit 1 naming it, the ID and the fixed version; the same finding
accepted by its alias → exit 0, and an accepted entry nothing matches reported as stale; a finding accepted
for another package still fails; the service down (nothing listening), answering 503 from the start, and
failing part-way through the audit → a warning and exit 0; a broken accepted list (no id, no package, aliases
not a list, an ID twice) refused.
"""
from __future__ import annotations

import importlib.metadata
from pathlib import Path
from typing import Callable, Iterator, List, Optional

import pytest

from security.audit import PIP_AUDIT, PROJECT_ROOT, Accepted, audit, canonical, load_accepted
from tests.security.fake_osv import FakeOsv, advisory
from tests.support.stack import free_port

StartOsv = Callable[..., FakeOsv]


@pytest.fixture(scope="module", autouse=True)
def _pip_audit_installed() -> None:
    assert PIP_AUDIT.exists(), "no .venv-audit: run `make audit` once (make test does it first)"


@pytest.fixture
def start_osv() -> Iterator[Callable[..., FakeOsv]]:
    """Starts stand-ins for OSV; each is stopped after the test."""
    started: List[FakeOsv] = []

    def start(advisories: Optional[dict] = None, fail_after: Optional[int] = None) -> FakeOsv:
        started.append(FakeOsv(advisories, fail_after).start())
        return started[-1]

    yield start
    for osv in started:
        osv.stop()


def fake_venv(root: Path, packages: List[tuple]) -> Path:
    """A venv-shaped directory whose site-packages holds only the given distributions' metadata."""
    site = root / "venv" / "lib" / "python3.10" / "site-packages"
    for name, version in packages:
        info = site / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8")
        (info / "INSTALLER").write_text("pip\n", encoding="utf-8")
        (info / "RECORD").write_text("", encoding="utf-8")
    return root / "venv"


def accepted_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "accepted.yml"
    path.write_text(text, encoding="utf-8")
    return path


VULN = advisory("GHSA-aaaa-bbbb-cccc", ["CVE-2099-0001"], "demo-lib", "1.5")


def test_the_real_venv_is_audited_package_by_package(tmp_path: Path, start_osv: StartOsv) -> None:
    osv = start_osv()
    code = audit(PROJECT_ROOT / ".venv", accepted_file(tmp_path, "accepted: []\n"), osv_url=osv.query_url)
    asked = set(osv.queried()[1:])  # the first query is the reachability probe
    installed = {canonical(d.metadata["Name"]) for d in importlib.metadata.distributions()}
    assert code == 0
    assert {"rasa", "rasa-sdk", "sanic", "tensorflow", "pydantic", "aiohttp", "sqlalchemy"} <= asked
    assert installed - asked <= {"pip", "setuptools", "wheel"} and asked <= installed


def test_a_new_finding_fails_and_is_named(tmp_path: Path, start_osv: StartOsv,
                                          capsys: pytest.CaptureFixture) -> None:
    venv = fake_venv(tmp_path, [("demo-lib", "1.0"), ("other-lib", "2.0")])
    osv = start_osv({"demo-lib": [VULN]})
    code = audit(venv, accepted_file(tmp_path, "accepted: []\n"), osv_url=osv.query_url)
    err = capsys.readouterr().err
    assert code == 1
    line = next(line for line in err.splitlines() if line.startswith("新问题：demo-lib 1.0 "))
    assert "GHSA-aaaa-bbbb-cccc" in line and "CVE-2099-0001" in line and line.endswith("修复版本：1.5")


def test_an_accepted_finding_passes_and_an_unused_entry_is_stale(tmp_path: Path, start_osv: StartOsv,
                                                                  capsys: pytest.CaptureFixture) -> None:
    venv = fake_venv(tmp_path, [("demo-lib", "1.0"), ("other-lib", "2.0")])
    listed = accepted_file(tmp_path, "accepted:\n  - {id: CVE-2099-0001, package: Demo_Lib}\n"
                                     "  - {id: CVE-2099-0002, package: other-lib}\n")
    osv = start_osv({"demo-lib": [VULN]})
    code = audit(venv, listed, osv_url=osv.query_url)
    out = capsys.readouterr().out
    assert code == 0
    assert "已接受的已知问题 1 个，新问题 0 个" in out
    assert "CVE-2099-0002（other-lib）这次没有被报告" in out


def test_an_id_accepted_for_another_package_does_not_accept(tmp_path: Path, start_osv: StartOsv) -> None:
    venv = fake_venv(tmp_path, [("demo-lib", "1.0"), ("other-lib", "2.0")])
    listed = accepted_file(tmp_path, "accepted:\n  - {id: CVE-2099-0001, package: other-lib}\n")
    osv = start_osv({"demo-lib": [VULN]})
    assert audit(venv, listed, osv_url=osv.query_url) == 1


def test_service_not_listening_warns_and_passes(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    venv = fake_venv(tmp_path, [("demo-lib", "1.0")])
    url = f"http://127.0.0.1:{free_port()}/v1/query"
    assert audit(venv, accepted_file(tmp_path, "accepted: []\n"), osv_url=url, timeout=3) == 0
    assert "无法访问" in capsys.readouterr().err


def test_service_answering_503_warns_and_passes(tmp_path: Path, start_osv: StartOsv,
                                                capsys: pytest.CaptureFixture) -> None:
    venv = fake_venv(tmp_path, [("demo-lib", "1.0")])
    osv = start_osv({"demo-lib": [VULN]}, fail_after=0)
    assert audit(venv, accepted_file(tmp_path, "accepted: []\n"), osv_url=osv.query_url) == 0
    assert "HTTP 503" in capsys.readouterr().err


def test_service_failing_part_way_warns_and_passes(tmp_path: Path, start_osv: StartOsv,
                                                   capsys: pytest.CaptureFixture) -> None:
    venv = fake_venv(tmp_path, [("demo-lib", "1.0"), ("other-lib", "2.0")])
    osv = start_osv({"demo-lib": [VULN]}, fail_after=1)  # the probe is answered, the audit is not
    assert audit(venv, accepted_file(tmp_path, "accepted: []\n"), osv_url=osv.query_url) == 0
    assert len(osv.queried()) >= 2
    assert "审计途中" in capsys.readouterr().err


@pytest.mark.parametrize("text, message", [
    ("accepted:\n  - {package: demo-lib}\n", "needs 'id' and 'package'"),
    ("accepted:\n  - {id: CVE-2099-0001}\n", "needs 'id' and 'package'"),
    ("accepted:\n  - {id: CVE-2099-0001, package: demo-lib, aliases: GHSA-x}\n", "must be a list"),
    ("accepted:\n  - {id: CVE-2099-0001, package: a}\n  - {id: GHSA-x, package: b, aliases: [CVE-2099-0001]}\n",
     "repeats an ID"),
    ("accepted: {id: CVE-2099-0001}\n", "must be a list"),
])
def test_a_broken_accepted_list_is_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_accepted(accepted_file(tmp_path, text))


def test_the_projects_accepted_list_loads() -> None:
    entries = load_accepted()
    assert entries and all(isinstance(e, Accepted) for e in entries)
