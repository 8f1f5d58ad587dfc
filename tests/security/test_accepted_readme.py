"""security/accepted.yml and README's "Security audit" table say the same thing.

Tried: every accepted ID has a row (with its package) and every row an accepted entry; each row's version is
the one installed in .venv (an upgrade must update the row, or drop it); every row gives a reason. Bad input:
a README whose table lacks an accepted ID, and a row for an entry that is not accepted, are caught.
"""
from __future__ import annotations

import importlib.metadata
import re
from typing import Dict, List, Tuple

from security.audit import PROJECT_ROOT, canonical, load_accepted

README = PROJECT_ROOT / "README.md"
Row = Tuple[str, str, str, List[str]]  # package, installed version, ID, the other cells


def audit_rows(text: str) -> List[Row]:
    """The table rows of the "### Security audit" subsection (up to the next heading)."""
    match = re.search(r"^### Security audit\n(.*?)(?=^#{2,3} |\Z)", text, re.M | re.S)
    assert match, "README has no '### Security audit' subsection"
    rows = []
    for line in match.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 5 or cells[0].startswith(("package", "---")):
            continue
        package, _, version = cells[0].partition(" ")
        rows.append((canonical(package), version, cells[1], cells[2:]))
    return rows


def disagreements(rows: List[Row], accepted: Dict[str, str]) -> List[str]:
    """What differs between the README rows and the accepted entries (ID → package)."""
    in_readme = {vuln_id: package for package, _, vuln_id, _ in rows}
    problems = [f"{i} accepted but not in README" for i in sorted(set(accepted) - set(in_readme))]
    problems += [f"{i} in README but not accepted" for i in sorted(set(in_readme) - set(accepted))]
    problems += [f"{i}: README says {in_readme[i]}, accepted.yml {p}" for i, p in sorted(accepted.items())
                 if i in in_readme and in_readme[i] != p]
    return problems


def accepted_ids() -> Dict[str, str]:
    return {entry.id: entry.package for entry in load_accepted()}


def test_readme_and_the_accepted_list_agree() -> None:
    rows = audit_rows(README.read_text(encoding="utf-8"))
    assert rows and disagreements(rows, accepted_ids()) == []


def test_each_row_names_the_installed_version_and_a_reason() -> None:
    for package, version, vuln_id, rest in audit_rows(README.read_text(encoding="utf-8")):
        assert version.strip("()") == importlib.metadata.version(package), (package, vuln_id)
        assert all(len(cell) > 10 for cell in rest[1:]), (vuln_id, "the why-columns must say why")


def test_a_missing_or_extra_row_is_caught() -> None:
    text = README.read_text(encoding="utf-8")
    accepted = accepted_ids()
    first = next(iter(accepted))
    without = "\n".join(line for line in text.splitlines() if f"| {first} |" not in line)
    assert disagreements(audit_rows(without), accepted) == [f"{first} accepted but not in README"]
    fewer = {i: p for i, p in accepted.items() if i != first}
    assert disagreements(audit_rows(text), fewer) == [f"{first} in README but not accepted"]
