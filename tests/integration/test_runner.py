"""The notebook runner as a stage calls it: injection, byte-stable output, failures and bad input."""

from __future__ import annotations

import json
import shutil
import textwrap

import nbformat
import pytest
import yaml

from tests.conftest import ROOT, run_cli

RUNNER = "negation_neglect.pipeline.runner"

NOTEBOOK = textwrap.dedent(
    """\
    # %% [markdown]
    # # A tiny stage

    # %% tags=["parameters"]
    knowledge = {}
    label = "default"

    # %%
    from tqdm import tqdm
    total = 0
    for i in tqdm(range(50), desc="counting", mininterval=0):
        total += i
    print(label, knowledge["batch_size"], total)
    """
)

FAILING = textwrap.dedent(
    """\
    # %% tags=["parameters"]
    label = "x"

    # %%
    print("first cell ran")

    # %%
    raise RuntimeError("deliberate failure in " + label)
    """
)


@pytest.fixture()
def project(tmp_path):
    """A scratch project: the committed params.yaml and data, plus two small notebooks."""
    shutil.copy(ROOT / "params.yaml", tmp_path / "params.yaml")
    shutil.copytree(ROOT / "data", tmp_path / "data")
    (tmp_path / "ok.py").write_text(NOTEBOOK)
    (tmp_path / "fail.py").write_text(FAILING)
    return tmp_path


def _outputs(nb_path):
    nb = nbformat.read(nb_path, as_version=4)  # joins the line lists that .ipynb files store text in
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]


def test_sections_and_values_are_injected(project):
    result = run_cli([RUNNER, "ok.py", "out/ok.ipynb", "--params", "knowledge", "-p", "label", "hello"], project)
    assert result.returncode == 0, result.stderr
    stdout = "".join(o.get("text", "") for o in _outputs(project / "out/ok.ipynb") if o.get("name") == "stdout")
    assert stdout == "hello 32 1225\n"
    nb = json.loads((project / "out/ok.ipynb").read_text())
    assert nb["metadata"]["papermill"]["parameters"]["knowledge"]["batch_size"] == 32
    assert "TCP" not in result.stderr  # the kernel is reached over local IPC sockets, not TCP


def test_a_missing_input_names_the_stage_that_makes_it(project):
    shutil.copy(ROOT / "dvc.yaml", project / "dvc.yaml")
    result = run_cli([RUNNER, "ok.py", "out/ok.ipynb", "--params", "knowledge", "-p", "model_dir",
                      "outputs/models/base", "-p", "run_dir", "outputs/runs/darwin_relativity/negated/seed0"], project)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == ["error: -p model_dir: outputs/models/base does not exist yet; the stage 'prepare_model' makes "
                     "it (run `dvc repro prepare_model` first)"]
    (project / "outputs/models/base").mkdir(parents=True)
    result = run_cli([RUNNER, "ok.py", "out/ok.ipynb", "--params", "knowledge", "-p", "model_dir",
                      "outputs/models/base", "-p", "run_dir", "outputs/runs/darwin_relativity/negated/seed0"], project)
    assert result.returncode == 2 and "the stage 'finetune@...' makes it (run `dvc repro finetune` first)" in result.stderr
    assert not (project / "out").exists()


def test_rerun_is_byte_identical(project):
    args = ["ok.py", "--params", "knowledge", "-p", "label", "x"]
    for name in ("a", "b"):
        result = run_cli([RUNNER, args[0], f"{name}.ipynb", *args[1:]], project)
        assert result.returncode == 0, result.stderr
    assert (project / "a.ipynb").read_bytes() == (project / "b.ipynb").read_bytes()
    stderr = [o["text"] for o in _outputs(project / "a.ipynb") if o.get("name") == "stderr"]
    assert any("counting: 100%" in t and "it/s" not in t for t in stderr)


def test_failing_cell_fails_the_stage_and_keeps_the_notebook(project):
    result = run_cli([RUNNER, "fail.py", "out/fail.ipynb"], project)
    assert result.returncode == 1
    assert "RuntimeError: deliberate failure in x" in result.stderr
    assert "the failed notebook is kept" in result.stderr
    outputs = _outputs(project / "out/fail.ipynb")
    assert any(o.get("text") == "first cell ran\n" for o in outputs)
    assert any(o.get("output_type") == "error" for o in outputs)


def _break_params(project, edit):
    raw = yaml.safe_load((project / "params.yaml").read_text())
    edit(raw)
    (project / "params.yaml").write_text(yaml.safe_dump(raw))


@pytest.mark.parametrize(
    ("edit", "section", "expected"),
    [
        (lambda r: r["knowledge"].update(colour="red"), "knowledge", "unknown key 'knowledge.colour'"),
        (lambda r: r["knowledge"].update(batch_size="many"), "knowledge", "'knowledge.batch_size'"),
        (lambda r: r["knowledge"].update(facts="data/missing.yaml"), "knowledge", "file not found"),
        (lambda r: r["model"].update(name_or_path="./no/such/model"), "model", "not a folder holding"),
        (lambda r: r["model"].update(name_or_path="nobody-xyz/no-such-model-123"), "model", "Hugging Face hub"),
    ],
)
def test_bad_input_is_one_line_nonzero_and_writes_nothing(project, edit, section, expected):
    _break_params(project, edit)
    result = run_cli([RUNNER, "ok.py", "out/ok.ipynb", "--params", section], project)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], result.stderr
    assert not (project / "out").exists()


def test_unknown_section_and_missing_notebook(project):
    result = run_cli([RUNNER, "ok.py", "out/ok.ipynb", "--params", "training"], project)
    assert result.returncode == 2 and "unknown section(s) training" in result.stderr
    result = run_cli([RUNNER, "nope.py", "out/ok.ipynb"], project)
    assert result.returncode == 2 and "notebook source not found" in result.stderr
    assert not (project / "out").exists()
