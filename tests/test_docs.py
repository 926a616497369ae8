"""The project explains itself: its docs stand on their own and name files that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# A path in backticks: a top-level folder of the project, then a file or folder under it.
_PATH = re.compile(r"`((?:ava_core|activities|orchestrators|webhooks|docs|examples|benchmarks|tests)/[\w./-]+)`")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_no_doc_points_outside_the_repository(doc):
    text = doc.read_text(encoding="utf-8")
    assert "../" not in text, f"{doc.name} links outside the repository"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_file_a_doc_names_exists(doc):
    named = set(_PATH.findall(doc.read_text(encoding="utf-8")))
    missing = sorted(p for p in named if "*" not in p and not (ROOT / p.rstrip("/")).exists())
    assert missing == []


def test_the_readme_links_the_architecture_it_describes():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`docs/architecture.md`" in readme
    architecture = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for part in ("## Layers", "## Seams", "## The durable flow", "## Data", "## Where each rule is enforced"):
        assert part in architecture
