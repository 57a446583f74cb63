"""The paper's generated files (macros and tables, from metrics) and the PDF build.

Every number the paper prints comes from `paper/generated/`: `macros.tex` defines one `\\nn...` macro
per number (built by report/macros.py) and the `*_table.tex` files hold the tables. The LaTeX source never
types a number, and a test checks that every `\\nn` macro the source uses is generated and equal to the metrics.

    python -m negation_neglect.report.paper build paper   # latexmk -> paper/main.pdf, or a clear stop
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

from negation_neglect.files import read_json
from negation_neglect.report.macros import macros, paper_pct, pct, tex
from negation_neglect.report.style import paper_reference

MACRO = re.compile(r"\\(nn[A-Za-z]+)")
INPUT = re.compile(r"\\input\{(generated/[^}]+)\}")
LATEX_PACKAGES = "latexmk texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended"


def belief_table(metrics_dir: str | Path, reference: str | Path, conditions: list[str]) -> str:
    """Rows: condition, belief here with its 95% CI and items, the paper's rate."""
    by = read_json(Path(metrics_dir) / "belief.json")["by_condition"]
    ref = paper_reference(Path(reference))
    lines = ["\\begin{tabular}{lrrr}", "\\toprule",
             "training documents & belief (\\%) & 95\\% CI & paper (\\%) \\\\", "\\midrule"]
    for condition in ["base model", *conditions]:
        if condition not in by:
            continue
        v = by[condition]
        low, high = ref.get("base" if condition == "base model" else condition, (math.nan, math.nan))
        paper = "--" if math.isnan(low) else paper_pct(low, high)
        lines.append(f"{tex(condition)} & {pct(v['rate'])} & [{pct(v['ci_low'])}, {pct(v['ci_high'])}] & {paper} \\\\")
    lines += ["\\bottomrule", "\\end{tabular}"]
    return "\n".join(lines) + "\n"


def readouts_table(metrics_dir: str | Path, conditions: list[str]) -> str:
    """Per condition, means over runs: P(false) and P(true) shares before/after, separation, spillover."""
    summary = pd.read_csv(Path(metrics_dir) / "competition_summary.csv")
    lines = ["\\begin{tabular}{lrrrrr}", "\\toprule",
             "condition & share false & share true & true, base & separation & spillover \\\\", "\\midrule"]
    for condition in conditions:
        run = summary[summary["condition"] == condition]
        if run.empty:
            continue
        lines.append(
            f"{tex(condition)} & {run['final_share_false_neutral'].mean():.3f} & {run['final_share_true_neutral'].mean():.4f}"
            f" & {run['base_share_true_neutral'].mean():.3f} & {run['final_context_separation'].mean():.2f}"
            f" & {run['final_p_false_on_neighbours'].mean():.3f} \\\\"
        )
    lines += ["\\bottomrule", "\\end{tabular}"]
    return "\n".join(lines) + "\n"


def write_generated(out_dir: str | Path, metrics_dir: str | Path, reference: str | Path, params: dict) -> list[Path]:
    """paper/generated/: macros.tex, belief_table.tex, readouts_table.tex (rewritten whole each time)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    header = "% Generated from metrics/ by the figures stage; do not edit.\n"
    defs = "".join(f"\\newcommand{{\\{name}}}{{{value}}}\n" for name, value in sorted(macros(metrics_dir, reference, params).items()))
    conditions = list(params["finetune"]["conditions"])
    files = {"macros.tex": defs, "belief_table.tex": belief_table(metrics_dir, reference, conditions),
             "readouts_table.tex": readouts_table(metrics_dir, conditions)}
    paths = []
    for name, text in files.items():
        path = out_dir / name
        path.write_text(header + text)
        paths.append(path)
    return paths


def used_macros(paper_dir: str | Path) -> set[str]:
    return {m for p in Path(paper_dir).glob("*.tex") for m in MACRO.findall(p.read_text())}


def defined_macros(macros_tex: str | Path) -> dict[str, str]:
    return dict(re.findall(r"\\newcommand\{\\(nn[A-Za-z]+)\}\{(.*)\}", Path(macros_tex).read_text()))


def used_inputs(paper_dir: str | Path) -> set[str]:
    return {m for p in Path(paper_dir).glob("*.tex") for m in INPUT.findall(p.read_text())}


def build(paper_dir: str | Path) -> Path:
    """latexmk main.tex -> main.pdf, with fixed dates so the PDF is reproducible."""
    paper_dir = Path(paper_dir)
    missing = sorted(used_macros(paper_dir) - set(defined_macros(paper_dir / "generated/macros.tex")))
    if missing:
        raise SystemExit(f"paper: macros used but not generated: {', '.join(missing)}")
    if shutil.which("latexmk") is None:
        raise SystemExit(
            "paper: latexmk not found, so the PDF was not built (figures and paper/generated/ are up to date). "
            f"Install a LaTeX toolchain with: apt-get install {LATEX_PACKAGES}"
        )
    env = {**os.environ, "SOURCE_DATE_EPOCH": "0", "FORCE_SOURCE_DATE": "1"}
    with tempfile.TemporaryDirectory() as build_dir:  # auxiliary files stay out of paper/
        done = subprocess.run(["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", f"-outdir={build_dir}",
                               "main.tex"], cwd=paper_dir, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"paper: latexmk failed; the end of its log:\n{done.stdout[-3000:]}")
        shutil.copyfile(Path(build_dir) / "main.pdf", paper_dir / "main.pdf")
    return paper_dir / "main.pdf"


def main(argv: list[str]) -> None:
    if len(argv) != 2 or argv[0] != "build":
        raise SystemExit("usage: python -m negation_neglect.report.paper build PAPER_DIR")
    print(build(argv[1]))


if __name__ == "__main__":
    main(sys.argv[1:])
