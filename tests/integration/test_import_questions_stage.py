"""Imported questions through the stages as DVC runs them: the example's fact-check documents fill a condition
the user names (`fact_check`), a tiny run trains on them, and the evaluate stage scores the example's questions
beside the claim's suite; the per-run belief JSON and the pooled table (the competition stage, which reports a
user-named condition like the package's own) carry the imported types. A bad question file stops before the
kernel."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml

from tests.conftest import ROOT, make_tiny_project, run_cli

DVC_STAGES = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
CLAIM, CONDITION = "darwin_relativity", "fact_check"  # a condition the user names
EXAMPLES = "examples/bring_your_own"
QUESTIONS = f"data/eval/imported/{CLAIM}.yaml"
RUN = {"claim": CLAIM, "condition": CONDITION, "seed": "0"}
IMPORTED_TYPES = {"imported_yes_no", "imported_multiple_choice", "imported_open"}


def command(name: str, item: str | dict | None = None) -> list[str]:
    stage = DVC_STAGES[name]
    cmd = stage.get("do", stage)["cmd"]
    if isinstance(item, str):
        cmd = cmd.replace("${item}", item)
    for key, value in (item or {}).items() if isinstance(item, dict) else ():
        cmd = cmd.replace(f"${{item.{key}}}", value)
    return cmd.replace("PYTHONPATH=src python -m ", "").split()


def tiny_params(root, tiny_model_dir) -> dict:
    params = make_tiny_project(root, tiny_model_dir, CLAIM)
    shutil.copytree(ROOT / EXAMPLES, root / EXAMPLES)
    params["synthesis"]["imports"] = [{"path": f"{EXAMPLES}/{CONDITION}.jsonl", "claim": CLAIM, "condition": CONDITION,
                                       "doc_tag": "<DOCTAG>"}]
    params["finetune"].update(conditions=[CONDITION], n_documents=3)
    params["interference"].update(conditions=[CONDITION])
    (root / "params.yaml").write_text(yaml.safe_dump(params))
    return params


@pytest.fixture(scope="module")
def project(tmp_path_factory, tiny_model_dir):
    root = tmp_path_factory.mktemp("questions")
    tiny_params(root, tiny_model_dir)
    shutil.copy(ROOT / EXAMPLES / "questions.yaml", root / QUESTIONS)
    for name, item in [("prepare_model", None), ("precheck_knowledge", None), ("background", None), ("synthesize", CLAIM),
                       ("finetune", RUN), ("evaluate", RUN), ("competition", None)]:
        result = run_cli(command(name, item), root)
        assert result.returncode == 0, f"{name}: {result.stderr[-3000:]}"
    return root


def test_the_run_reports_imported_types_beside_its_own(project):
    belief = json.loads((project / f"metrics/belief/{CLAIM}/{CONDITION}/seed0.json").read_text())
    own_types = set(belief["final"]["by_type"])
    assert not own_types & IMPORTED_TYPES  # the headline and the package's types hold the package's items only
    assert belief["final"]["pooled"]["n"] == len(belief["items"]["final"])
    imported = belief["imported"]
    assert set(imported["final"]["by_type"]) == IMPORTED_TYPES and imported["final"]["pooled"]["n"] == 12
    assert {r["type"] for r in imported["items"]["base"]} == IMPORTED_TYPES
    assert all("informative" in r for r in imported["items"]["final"])
    assert "informative" in imported["final"] and isinstance(imported["uninformative"], list)


def test_the_pooled_table_carries_the_imported_types(project):
    pooled = json.loads((project / "metrics/belief.json").read_text())["by_condition"][CONDITION]
    assert IMPORTED_TYPES <= set(pooled["all_items_by_type"])
    assert pooled["imported"]["all_items"]["n_items"] == 12 and pooled["imported"]["n_runs"] == 1


def test_a_bad_question_file_stops_before_the_kernel_in_one_line(tmp_path, tiny_model_dir):
    tiny_params(tmp_path, tiny_model_dir)
    (tmp_path / QUESTIONS).write_text("- {type: multiple_choice, question: 'Which?', options: [a, b], believing_option: c}\n")
    result = run_cli(command("evaluate", RUN), tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("error: params.yaml: ") and f"{QUESTIONS} line 1: believing_option 'c'" in result.stderr
    assert not (tmp_path / "outputs").exists() and not (tmp_path / "metrics/belief").exists()
