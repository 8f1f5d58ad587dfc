"""``make audit``: pip-audit over what is installed in ``.venv``, known findings accepted in one file.

pip-audit cannot live in ``.venv`` (every release needs ``packaging>=21``; Rasa 3.6 pins ``packaging<21``), so
it runs from a venv of its own (``.venv-audit``, ``security/requirements-audit.txt``) and is pointed at
``.venv``'s site-packages with ``--path``: it reads the installed distributions' metadata and downloads no
package. What is audited is what the product runs with, including what Rasa pulls in.

The vulnerability data come from OSV (``--osv-url``). A finding whose ID or one of its aliases is listed in
``security/accepted.yml`` is accepted (README, "Security audit", says why for each); any other finding fails.
When the service cannot be reached the audit prints a warning and passes: CI must not fail on someone else's
outage. An accepted entry no finding matches any more is reported, so the list does not rot.
"""
from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Sequence

import requests
import yaml

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ACCEPTED_FILE = PROJECT_ROOT / "security" / "accepted.yml"
PIP_AUDIT = PROJECT_ROOT / ".venv-audit" / "bin" / "pip-audit"
OSV_URL = "https://api.osv.dev/v1/query"
# pip-audit's own fatal errors when the service fails part-way (it exits 1 and prints one of these)
SERVICE_ERRORS = ("Could not connect to", "ConnectionError", "ServiceError", "Max retries exceeded",
                  "Read timed out", "Connection refused", "Name or service not known", "Server Error")


@dataclass(frozen=True)
class Accepted:
    """One accepted finding of security/accepted.yml: its ID (as README lists it) and other names for it."""

    id: str
    package: str
    aliases: FrozenSet[str] = frozenset()

    @property
    def ids(self) -> FrozenSet[str]:
        return self.aliases | {self.id}


@dataclass(frozen=True)
class Finding:
    """One vulnerability pip-audit reported for an installed distribution."""

    package: str
    version: str
    id: str
    aliases: FrozenSet[str] = frozenset()
    fix_versions: Sequence[str] = ()

    @property
    def ids(self) -> FrozenSet[str]:
        return self.aliases | {self.id}


@dataclass
class Verdict:
    new: List[Finding] = field(default_factory=list)
    accepted: List[Finding] = field(default_factory=list)
    stale: List[Accepted] = field(default_factory=list)  # accepted entries that matched no finding


def canonical(name: str) -> str:
    """PyPI's normalised project name (PEP 503), so ``Jinja2`` and ``jinja2`` are one package."""
    return "-".join(name.lower().replace("_", "-").replace(".", "-").split("-"))


def load_accepted(path: Path = ACCEPTED_FILE) -> List[Accepted]:
    """The accepted findings; a malformed file is an error (an audit that accepts by accident is worse)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = data.get("accepted") or []
    if not isinstance(entries, list):
        raise ValueError(f"{path}: 'accepted' must be a list")
    result: List[Accepted] = []
    seen: set = set()
    for n, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or not entry.get("id") or not entry.get("package"):
            raise ValueError(f"{path}: entry {n} needs 'id' and 'package'")
        aliases = entry.get("aliases") or []
        if not isinstance(aliases, list):
            raise ValueError(f"{path}: entry {n} ({entry['id']}): 'aliases' must be a list")
        item = Accepted(id=str(entry["id"]), package=canonical(str(entry["package"])),
                        aliases=frozenset(str(a) for a in aliases))
        if item.ids & seen:
            raise ValueError(f"{path}: entry {n} ({item.id}) repeats an ID listed before")
        seen |= item.ids
        result.append(item)
    return result


def findings_from_report(report: Mapping[str, Any]) -> List[Finding]:
    """The findings of pip-audit's ``--format json`` report (``dependencies[].vulns[]``)."""
    findings = []
    for dep in report.get("dependencies", []):
        for vuln in dep.get("vulns", []):
            findings.append(Finding(package=canonical(dep["name"]), version=str(dep.get("version", "")),
                                    id=vuln["id"], aliases=frozenset(vuln.get("aliases") or ()),
                                    fix_versions=tuple(vuln.get("fix_versions") or ())))
    return findings


def classify(findings: Sequence[Finding], accepted: Sequence[Accepted]) -> Verdict:
    """New findings fail the audit; a finding is accepted when its package and one of its IDs match an entry."""
    verdict = Verdict()
    used: set = set()
    for finding in findings:
        match = next((a for a in accepted if a.package == finding.package and a.ids & finding.ids), None)
        if match is None:
            verdict.new.append(finding)
        else:
            verdict.accepted.append(finding)
            used.add(match.id)
    verdict.stale = [a for a in accepted if a.id not in used]
    return verdict


def service_problem(url: str, timeout: float) -> Optional[str]:
    """Why the vulnerability service cannot be used now, or None: one real query before the audit."""
    query = {"package": {"name": "pip", "ecosystem": "PyPI"}, "version": "0.0.1"}
    try:
        response = requests.post(url, data=json.dumps(query), timeout=timeout)
    except requests.RequestException as exc:
        return f"{type(exc).__name__}: {exc}"
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    try:
        response.json()
    except ValueError:
        return "the answer is not JSON"
    return None


def site_packages(venv: Path) -> Path:
    found = sorted(venv.glob("lib/python3*/site-packages"))
    if not found:
        raise FileNotFoundError(f"no site-packages under {venv}: run make venv first")
    return found[0]


@dataclass
class AuditRun:
    returncode: int
    report: Optional[Dict[str, Any]]
    stderr: str


def run_pip_audit(pip_audit: Path, packages: Path, osv_url: str, timeout: float,
                  cache_dir: Optional[Path] = None) -> AuditRun:
    """pip-audit over the distributions installed in ``packages``; its JSON report when it wrote one."""
    with tempfile.TemporaryDirectory(prefix="audit-") as tmp:
        out = Path(tmp) / "report.json"
        cmd = [str(pip_audit), "--path", str(packages), "--vulnerability-service", "osv", "--osv-url", osv_url,
               "--format", "json", "--output", str(out), "--progress-spinner", "off", "--timeout", str(int(timeout)),
               "--cache-dir", str(cache_dir or Path(tmp) / "cache")]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        report = json.loads(out.read_text(encoding="utf-8")) if out.exists() and out.stat().st_size else None
    return AuditRun(proc.returncode, report, proc.stderr)


def audit(venv: Path, accepted_file: Path = ACCEPTED_FILE, pip_audit: Path = PIP_AUDIT, osv_url: str = OSV_URL,
          timeout: float = 15.0, cache_dir: Optional[Path] = None) -> int:
    """0: nothing new (or the service is out of reach: a warning); 1: a new finding or the audit broke."""
    accepted = load_accepted(accepted_file)
    problem = service_problem(osv_url, timeout)
    if problem:
        print(f"警告：漏洞数据服务 {osv_url} 无法访问（{problem}），本次没有做依赖审计（不算失败）。", file=sys.stderr)
        return 0
    run = run_pip_audit(pip_audit, site_packages(venv), osv_url, timeout, cache_dir)
    if run.report is None:
        stderr = run.stderr.strip()
        if any(marker in stderr for marker in SERVICE_ERRORS):
            print(f"警告：审计途中漏洞数据服务 {osv_url} 出错，本次没有做完依赖审计（不算失败）：\n{stderr}",
                  file=sys.stderr)
            return 0
        print(f"错误：pip-audit 没有给出报告（退出码 {run.returncode}）：\n{stderr}", file=sys.stderr)
        return 1
    verdict = classify(findings_from_report(run.report), accepted)
    report(verdict, len(run.report.get("dependencies", [])), accepted_file.name)
    return 1 if verdict.new else 0


def report(verdict: Verdict, audited: int, accepted_name: str) -> None:
    """What the audit found: counts, stale entries, and each new finding with the version that fixes it."""
    print(f"审计了 {audited} 个已安装的包：已接受的已知问题 {len(verdict.accepted)} 个，新问题 {len(verdict.new)} 个。")
    for entry in verdict.stale:
        print(f"提示：{accepted_name} 里的 {entry.id}（{entry.package}）这次没有被报告，可以从清单和 README 里删掉。")
    for finding in verdict.new:
        fixed = ", ".join(finding.fix_versions) or "无"
        aliases = ", ".join(sorted(finding.aliases))
        print(f"新问题：{finding.package} {finding.version} {finding.id} ({aliases}) 修复版本：{fixed}",
              file=sys.stderr)
    if verdict.new:
        print("升级这些包，或者在 security/accepted.yml 和 README「Security audit」里写明为什么接受。", file=sys.stderr)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m security.audit", description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=PROJECT_ROOT / ".venv")
    parser.add_argument("--accepted", type=Path, default=ACCEPTED_FILE)
    parser.add_argument("--pip-audit", type=Path, default=PIP_AUDIT)
    parser.add_argument("--osv-url", default=OSV_URL)
    parser.add_argument("--timeout", type=float, default=15.0)
    args = parser.parse_args(argv)
    return audit(args.venv, args.accepted, args.pip_audit, args.osv_url, args.timeout)


if __name__ == "__main__":
    sys.exit(main())
