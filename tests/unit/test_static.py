"""Static checks that keep dvc.yaml, params.yaml, the schema, the notebooks and the packaging in step."""

from __future__ import annotations

import ast
import re
import subprocess
import tomllib

import pytest
import yaml

from negation_neglect.params import Params
from negation_neglect.pipeline.runner import read_source
from tests.conftest import ROOT

DVC = yaml.safe_load((ROOT / "dvc.yaml").read_text())
PARAMS = yaml.safe_load((ROOT / "params.yaml").read_text())
STAGES = {name: stage.get("do", stage) for name, stage in DVC["stages"].items()}  # foreach stages keep theirs in `do`
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))
NOTEBOOK_STAGES = sorted(name for name, stage in STAGES.items() if "negation_neglect.pipeline.runner" in stage["cmd"])


def _dotted_get(mapping: dict, dotted: str):
    for part in dotted.split("."):
        mapping = mapping[part]
    return mapping


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_stage_params_exist_in_file_and_schema(stage):
    for entry in STAGES[stage].get("params", []):
        keys = list(entry) if isinstance(entry, dict) else [entry]
        for key in keys:
            _dotted_get(PARAMS, key)  # KeyError if params.yaml lacks it
            section = key.split(".")[0]
            assert section in Params.model_fields, f"{stage}: section '{section}' is not in the schema"


def test_stages_that_run_no_notebook_are_the_build_steps():
    assert sorted(set(STAGES) - set(NOTEBOOK_STAGES)) == ["html", "paper"]


@pytest.mark.parametrize("stage", NOTEBOOK_STAGES)
def test_stage_runs_a_notebook_it_depends_on_and_injects_what_it_declares(stage):
    cmd = STAGES[stage]["cmd"]
    notebook = re.search(r"(notebooks/\S+\.py)", cmd).group(1)
    assert notebook in STAGES[stage]["deps"]
    assert "PYTHONPATH=src" in cmd
    injected = re.search(r"--params ((?:\w+ ?)+)", cmd).group(1).split()
    declared = [e if isinstance(e, str) else next(iter(e)) for e in STAGES[stage].get("params", [])]
    assert sorted(injected) == sorted({d.split(".")[0] for d in declared})


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_parameters_cell_takes_sections_from_the_schema(path):
    cell = next(c for c in read_source(path).cells if "parameters" in c.metadata.get("tags", []))  # exactly one
    for node in ast.parse(cell.source).body:
        if isinstance(node, ast.Assign) and node.targets[0].id in Params.model_fields:
            section = node.targets[0].id
            assert ast.unparse(node.value) == f"defaults('{section}')", (
                f"{path.name}: parameters cell copies section '{section}' instead of taking the schema's defaults"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_is_a_stage(path):
    assert any(f"notebooks/{path.name}" in s["cmd"] for s in STAGES.values())


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_title_and_references_use_the_file_numbers(path):
    """The title carries the file's number, and "notebook NN" names a notebook that exists (renumbering keeps
    the cross-references in step)."""
    number = path.name.split("_", 1)[0]
    title = next(line for line in path.read_text().splitlines() if line.startswith("# # "))
    assert title.startswith(f"# # {number} · "), f"{path.name}: title {title!r}"
    numbers = {p.name.split("_", 1)[0] for p in NOTEBOOKS}
    cited = set(re.findall(r"notebooks? (\d\d[a-z]?)\b", path.read_text()))
    assert cited <= numbers, f"{path.name} cites notebooks {sorted(cited - numbers)}, which do not exist"


def test_environment_yml_agrees_with_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = env["dependencies"]
    assert "python=3.11" in deps and "pip" in deps
    assert project["requires-python"] == ">=3.11,<3.12"
    pip = next(d["pip"] for d in deps if isinstance(d, dict))
    editable = [line for line in pip if line.startswith("-e .")]
    assert len(editable) == 1
    extras = re.search(r"\[(.*)\]", editable[0]).group(1).split(",")
    assert set(extras) <= set(project["optional-dependencies"])
    assert "torch==2.13.0" in project["dependencies"]
    assert not [d for d in deps if isinstance(d, str) and d.split("=")[0] in ("pytorch", "torch")], (
        "torch comes from pyproject's pin, not from conda"
    )


def test_lock_pins_the_same_torch():
    lock = (ROOT / "requirements.lock").read_text().splitlines()
    assert "torch==2.13.0" in lock


def test_no_large_files_tracked():
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        path = ROOT / name
        if path.is_file():
            assert path.stat().st_size < 5 * 2**20, f"{name} is over 5 MiB: it belongs in DVC, not git"


def test_ci_calls_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_artifacts_are_stage_outputs_with_a_type_and_description():
    outs = [o if isinstance(o, str) else next(iter(o)) for s in STAGES.values() for o in s.get("outs", [])]
    assert {"base-model", "lora-adapters", "mixing-adapters", "organisms"} <= set(DVC["artifacts"])
    for name, artifact in DVC["artifacts"].items():
        assert artifact["type"] == "model" and len(artifact["desc"]) > 20, name
        assert any(o == artifact["path"] or o.startswith(artifact["path"] + "/") for o in outs), name


def test_makefile_pull_and_push_carry_the_run_cache():
    makefile = (ROOT / "Makefile").read_text()
    assert "\t$(BIN)/dvc pull --run-cache --allow-missing\n" in makefile
    assert "\t$(BIN)/dvc push --run-cache\n" in makefile
    config = (ROOT / ".dvc/config").read_text()
    assert "remote = store" in config and "['remote \"store\"']" in config
