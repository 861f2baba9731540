"""The README is the front door: short, its links and its figures true."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
DOCUMENTS = [README, *sorted((REPO / "docs").glob("*.md"))]
_LINK = re.compile(r"\]\(([^)#\s]+)?(?:#([^)\s]+))?\)")


def anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#+ (.+)$", markdown, re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in headings}


def test_the_readme_stays_a_front_door() -> None:
    assert len(README.read_text().splitlines()) < 200


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_every_local_link_reaches_its_file_and_heading(document: Path) -> None:
    broken = []
    for target, anchor in _LINK.findall(document.read_text()):
        if target.startswith(("http://", "https://")):
            continue
        path = (document.parent / target).resolve() if target else document
        if not path.exists() or (anchor and anchor not in anchors(path.read_text())):
            broken.append(f"{target}#{anchor}" if anchor else target)
    assert broken == []


def test_the_function_count_is_the_lambdas_folders() -> None:
    functions = [p for p in (REPO / "lambdas").iterdir() if (p / "handler.py").is_file()]
    [count] = re.findall(r"(\d+) single-purpose Lambda\s+functions", README.read_text())
    assert int(count) == len(functions)
