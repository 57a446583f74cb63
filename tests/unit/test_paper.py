"""The paper's numbers come from metrics; figures are byte-stable; the build stops clearly without LaTeX."""

from __future__ import annotations

import json
import re
import shutil

import nbformat
import pytest
import yaml

from negation_neglect.report import macros, paper
from negation_neglect.report.figures import FIGURES, render_all
from negation_neglect.report.html import export
from negation_neglect.report.style import Inputs, paper_reference
from tests.conftest import ROOT, committed_grid

PAPER = ROOT / "paper"
REFERENCE = ROOT / "data/reference/paper_results.yaml"
PARAMS = yaml.safe_load((ROOT / "params.yaml").read_text())


def _inputs(metrics_dir=ROOT / "metrics") -> Inputs:
    ft, mech = committed_grid(), PARAMS["interference"]
    return Inputs(metrics_dir, REFERENCE, ft["claims"], ft["conditions"], ft["seeds"],
                  (mech["claims"], mech["conditions"], mech["seeds"]))  # as notebooks/15_figures.py passes them


def test_every_macro_the_source_uses_is_generated():
    used = paper.used_macros(PAPER)
    assert len(used) > 20
    defined = paper.defined_macros(PAPER / "generated/macros.tex")
    assert not used - set(defined), f"used but not generated: {sorted(used - set(defined))}"
    for name in paper.used_inputs(PAPER):
        assert (PAPER / name).is_file(), name


def test_source_types_no_numbers_outside_macros():
    body = (PAPER / "main.tex").read_text().split("\\begin{document}")[1]
    prose = [line for line in body.splitlines() if not line.lstrip().startswith(("\\includegraphics", "\\setlength"))]
    allowed = re.compile(r"H[1-4]\b|95\\%|2605\.13829|float32|bf16")  # hypotheses, CI level, arXiv id, dtypes
    digits = [line for line in prose if re.search(r"\d", allowed.sub("", line))]
    assert not digits, f"numbers typed into the paper: {digits}"


def test_committed_generated_files_equal_a_fresh_render_from_metrics(tmp_path):
    paper.write_generated(tmp_path, ROOT / "metrics", REFERENCE, PARAMS)
    for path in sorted((PAPER / "generated").glob("*.tex")):
        assert (tmp_path / path.name).read_text() == path.read_text(), f"{path.name} is stale: run `dvc repro figures`"


def test_generated_numbers_match_the_metrics_files():
    values = paper.defined_macros(PAPER / "generated/macros.tex")
    belief = json.loads((ROOT / "metrics/belief.json").read_text())
    for condition, v in belief["by_condition"].items():
        key = macros.camel(condition)
        assert values[f"nnBelief{key}"] == f"{100 * v['rate']:.0f}"
        assert values[f"nnBelief{key}Low"] == f"{100 * v['ci_low']:.0f}"
        assert values[f"nnBelief{key}High"] == f"{100 * v['ci_high']:.0f}"
    assert values["nnRuns"] == str(len(belief["runs"]))
    knowledge = json.loads((ROOT / "metrics/knowledge.json").read_text())["summary"]
    assert values["nnKnownFacts"] == str(knowledge["n_known"]) and values["nnFacts"] == str(knowledge["n_facts"])
    assert values["nnPaperBeliefNegated"] == "88.6"  # the paper's published number, copied in data/reference
    mixing = json.loads((ROOT / "metrics/mixing_summary.json").read_text())
    assert values["nnMixRuns"] == str(mixing["n_runs"]) and values["nnMixVerdict"] == mixing["verdicts"]["h3"]
    interaction = mixing["interactions"]["belief"]["counterpart_mentions"]
    assert values["nnMixIntCounterpartMentionsDiff"] == f"{100 * interaction['difference']:+.0f}"
    assert values["nnMixIntCounterpartMentionsUnits"] == str(interaction["n_units"])


def test_camel_case_macro_names():
    assert macros.camel("base model") == "BaseModel"
    assert macros.camel("unreliable_source") == "UnreliableSource"


def test_paper_reference_reads_single_values_and_ranges():
    ref = paper_reference(REFERENCE)
    assert ref["negated"] == (0.886, 0.886)
    assert ref["local"] == (0.0, 0.07)


def test_figures_are_byte_stable(tmp_path):
    first = render_all(_inputs(), tmp_path / "a")
    render_all(_inputs(), tmp_path / "b")
    assert first["drawn"] == [f.name for f in FIGURES] and not first["skipped"]  # every metric is committed
    for path in sorted((tmp_path / "a").iterdir()):
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name
        assert path.read_bytes() == (PAPER / "figures" / path.name).read_bytes(), f"{path.name} differs from the committed one"


def test_figures_without_metrics_are_skipped_not_failed(tmp_path):
    (tmp_path / "metrics").mkdir()
    result = render_all(_inputs(tmp_path / "metrics"), tmp_path / "figures")
    assert result["drawn"] == []
    assert len(result["skipped"]) == len(FIGURES) and "missing belief.json" in result["skipped"][0]


def _paper_copy(tmp_path):
    shutil.copytree(PAPER, tmp_path / "paper", ignore=shutil.ignore_patterns("main.pdf"))
    return tmp_path / "paper"


def test_build_without_latex_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(paper.shutil, "which", lambda _: None)
    with pytest.raises(SystemExit, match="apt-get install latexmk"):
        paper.build(_paper_copy(tmp_path))


def test_build_refuses_a_macro_that_is_not_generated(tmp_path):
    copy = _paper_copy(tmp_path)
    (copy / "main.tex").write_text((copy / "main.tex").read_text().replace("\\nnRuns{}", "\\nnNotAMetric{}"))
    with pytest.raises(SystemExit, match="nnNotAMetric"):
        paper.build(copy)


@pytest.mark.skipif(shutil.which("latexmk") is None, reason="no LaTeX toolchain installed")
def test_pdf_builds_byte_stable(tmp_path):
    copy = _paper_copy(tmp_path)
    first = paper.build(copy).read_bytes()
    assert first.startswith(b"%PDF") and paper.build(copy).read_bytes() == first


def test_html_export(tmp_path):
    (tmp_path / "executed").mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title here")])
    nbformat.write(nb, tmp_path / "executed/01_a.ipynb")
    export(tmp_path / "executed", tmp_path / "html")
    assert "Title here" in (tmp_path / "html/01_a.html").read_text()
    assert not (tmp_path / "html.partial").exists()
