"""Smoke run of every stage notebook through the runner, with tiny params, in a scratch project."""

from __future__ import annotations

import json
import shutil

import yaml

from negation_neglect.knowledge import load_facts
from tests.conftest import ROOT, run_cli


def test_pipeline_notebooks_run_on_a_tiny_model(tmp_path, tiny_model_dir):
    facts = load_facts(ROOT / "data/knowledge/facts.yaml")[:3]
    (tmp_path / "data").mkdir()
    (tmp_path / "data/facts.yaml").write_text(yaml.safe_dump({"facts": [f.model_dump(mode="json") for f in facts]}))
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["model"]["name_or_path"] = str(tiny_model_dir)
    params["knowledge"].update(facts="data/facts.yaml", batch_size=4)
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")

    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
    for name in ("prepare_model", "precheck_knowledge"):
        # the stage's own command, minus the PYTHONPATH prefix that run_cli sets
        args = stages[name]["cmd"].replace("PYTHONPATH=src python -m ", "").split()
        result = run_cli(args, tmp_path)
        assert result.returncode == 0, f"{name}: {result.stderr[-3000:]}"

    card = json.loads((tmp_path / "metrics/model_card.json").read_text())
    assert card["source"]["kind"] == "local" and card["roundtrip_max_abs_logit_diff"] == 0.0
    report = json.loads((tmp_path / "metrics/knowledge.json").read_text())
    assert report["summary"]["n_facts"] == 3
    assert [f["id"] for f in report["facts"]] == [f.id for f in facts]
    for fact in report["facts"]:
        assert len(fact["prompts"]) == 3
        for prompt in fact["prompts"]:
            assert 0 <= prompt["true"]["first_prob"] <= 1 and prompt["true"]["first_rank"] >= 1
    for name in ("01_prepare_model", "02_knowledge"):
        nb = json.loads((tmp_path / f"outputs/executed/{name}.ipynb").read_text())
        assert not [o for c in nb["cells"] for o in c.get("outputs", []) if o["output_type"] == "error"]
