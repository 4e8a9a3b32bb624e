"""Every citation in the repository resolves inside it (or is a public URL / arXiv id).

Users have the repository and public sources, nothing else: a tracked file (code, CLI text, results/, REPORT.md,
docs/, tests) must not point at notes that never shipped, and every path or Markdown link it cites must exist,
with its anchor where it names one. docs/ holds what those notes used to provide.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from core.results import REPO_ROOT

# Built from pieces so that this file does not match itself.
UNSHIPPED = re.compile(
    r"\b" + "BRI" + r"EF\b|\b" + "research" + r"/|\b" + "STY" + r"LE\.md\b|\b(?:stats|peers|paper-claims|proto"
    r"type)\.md\b"
)
# A repository path in running text: one of our top-level folders, then a file with a known suffix, and an
# optional #anchor ("docs/oracle.md#o4", "checks/audit/registry.py").
REPO_PATH = re.compile(r"(?<![\w./-])((?:docs|checks|reference|repro|tests)/[\w./-]*\.(?:md|py|json))(#[\w-]+)?")
#: Paths that name a file of another repository on purpose (the text says whose).
FOREIGN = {"tests/test_epps_pulley.py"}  # the official lejepa repository's test of R0 (discrepancy D14)
MD_LINK = re.compile(r"\]\(([^)\s]+)\)")
BINARY = (".png", ".gif", ".npz", ".pt", ".npy")


def tracked() -> list[Path]:
    try:
        names = subprocess.run(
            ["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=30, check=True
        ).stdout.split()
    except (OSError, subprocess.SubprocessError) as error:
        pytest.skip(f"git is not available here ({error})")
    return [REPO_ROOT / n for n in names if not n.endswith(BINARY) and (REPO_ROOT / n).is_file()]


def anchors(path: Path) -> set[str]:
    """Explicit HTML anchors and GitHub's heading slugs of a Markdown file."""
    text = path.read_text(encoding="utf-8")
    found = set(re.findall(r'<a id="([^"]+)"></a>', text))
    for heading in re.findall(r"^#+ (.+)$", text, re.M):
        found.add(re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-"))
    return found


def problems_in(path: Path, text: str) -> list[str]:
    rel = path.relative_to(REPO_ROOT).as_posix()
    found = [f"{rel}: cites {m.group(0)!r}, which users do not have" for m in UNSHIPPED.finditer(text)]
    targets = [(m.group(1), m.group(2), REPO_ROOT) for m in REPO_PATH.finditer(text) if m.group(1) not in FOREIGN]
    # Rendered fixtures describe a results tree that lives elsewhere when the test runs: their relative links are
    # checked where that tree is rendered (tests/test_report.py), not here.
    if path.suffix == ".md" and "fixtures" not in path.relative_to(REPO_ROOT).parts:
        for m in MD_LINK.finditer(text):
            link = m.group(1)
            if re.match(r"^[a-z]+:", link) or link.startswith("#"):
                continue  # a URL, or an anchor within the file (the report's own sections)
            target, _, anchor = link.partition("#")
            targets.append((target, f"#{anchor}" if anchor else None, path.parent))
    for target, anchor, base in targets:
        resolved = (base / target).resolve()
        if not resolved.exists():
            found.append(f"{rel}: cites {target}, which does not exist")
        elif anchor and resolved.suffix == ".md" and anchor[1:] not in anchors(resolved):
            found.append(f"{rel}: cites {target}{anchor}, which has no such anchor")
    return found


def test_every_tracked_citation_resolves_in_the_repository():
    problems = []
    for path in tracked():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if path.name == Path(__file__).name:
            continue
        problems += problems_in(path, text)
    assert not problems, "\n".join(problems[:40]) + (f"\n… and {len(problems) - 40} more" if len(problems) > 40 else "")


def test_the_citation_check_catches_what_it_should(tmp_path):
    # Negative controls on a file of our own (under the repository root, as the check resolves from there).
    doc = REPO_ROOT / "docs" / "oracle.md"
    assert problems_in(doc, "see docs/oracle.md#o4 and [D1](discrepancies.md#d1)") == []
    assert problems_in(doc, "see docs/oracle.md#o9")  # no such anchor
    assert problems_in(doc, "see checks/nothing_here.py")  # no such file
    assert problems_in(doc, "[x](missing.md)")  # a broken relative link
    assert problems_in(doc, "as " + "BRI" + "EF §4 says")  # a note users never had
    assert problems_in(doc, "from " + "research" + "/stats.md")
