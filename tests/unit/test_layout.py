"""The layout module owns the pipeline's paths: dvc.yaml passes each stage exactly the paths it gives."""

import re
import shlex
from pathlib import Path

import pytest
import yaml

from negation_neglect import layout

ROOT = Path(__file__).resolve().parents[2]
STAGES = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
GRID_KEYS = {"claim", "condition", "seed", "cell", "diversity", "corpus_variant"}


def _passed(cmd: str) -> dict[str, str]:
    words = shlex.split(" ".join(cmd.split()).replace("${", "\\${"))
    words = [w.replace("\\${", "${") for w in words]
    return {words[i + 1]: words[i + 2] for i, w in enumerate(words) if w == "-p"}


def _item_keys(stage: dict) -> dict[str, str]:
    if "foreach" in stage:
        return {"claim": "${item}"}
    return {k: "${item.%s}" % k for k in stage.get("matrix", {})}


@pytest.mark.parametrize("name", [n for n, s in STAGES.items() if "-p " in str(s.get("do", s)["cmd"])])
def test_dvc_yaml_passes_each_stage_the_layouts_paths(name):
    stage = STAGES[name]
    passed = {k: v for k, v in _passed(stage.get("do", stage)["cmd"]).items() if k not in GRID_KEYS}
    assert passed == layout.stage_paths(name, **_item_keys(stage))


def test_every_stage_that_takes_paths_has_a_layout_entry():
    takes_paths = {n for n, s in STAGES.items() if "-p " in str(s.get("do", s)["cmd"])}
    assert takes_paths == set(layout.STAGE_PATHS)


def test_run_keys_match_the_folders_of_the_grid():
    assert layout.run_key("darwin_relativity", "negated", 0) == "darwin_relativity/negated/seed0"
    assert layout.belief("m", "c", "negated", 2) == Path("m/belief/c/negated/seed2.json")
    assert layout.mixing_run("m/mixing", "cp0-bg0-interleaved-x2", "c", "positive", 1) == Path(
        "m/mixing/cp0-bg0-interleaved-x2/c/positive/seed1")
    assert layout.organism_key(8, 0, "recurring") == "div8-seed0-recurring"


def _parameters_cell(notebook: Path) -> dict[str, object]:
    import ast

    import jupytext

    cell = next(c for c in jupytext.read(notebook).cells if "parameters" in c.metadata.get("tags", []))
    values = {}
    for node in ast.parse(cell.source).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            values[node.targets[0].id] = ast.literal_eval(node.value) if isinstance(node.value, ast.Constant) else ...
    return values


@pytest.mark.parametrize("name", sorted(layout.STAGE_PATHS))
def test_each_notebooks_default_paths_are_the_layouts_for_its_default_item(name):
    stage = STAGES[name]
    cmd = " ".join(str(stage.get("do", stage)["cmd"]).split())
    notebook = ROOT / re.search(r"(notebooks/\S+\.py)", cmd).group(1)
    cell = _parameters_cell(notebook)
    keys = {k: str(cell[k]) for k in _item_keys(stage)}
    expected = layout.stage_paths(name, **keys)
    assert {k: v for k, v in cell.items() if k in expected} == expected
    passed = set(_passed(cmd))
    assert passed <= set(cell), f"{notebook.name} lacks parameters {sorted(passed - set(cell))}"
    sections = re.search(r"--params ((?:\w+ ?)+?)(?: -p|$)", cmd).group(1).split()
    assert all(cell.get(s) is ... for s in sections), "sections come from the schema's defaults, not copies"
