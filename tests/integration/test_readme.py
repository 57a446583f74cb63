"""The README's results block is exactly what the committed metrics render to."""

from __future__ import annotations

from negation_neglect.report.readme import END, START, render
from tests.conftest import ROOT


def test_readme_block_matches_metrics():
    text = (ROOT / "README.md").read_text()
    block = text.split(START, 1)[1].split(END, 1)[0].strip("\n")
    assert block == render(ROOT / "metrics"), "README results are stale: run `make readme`"
