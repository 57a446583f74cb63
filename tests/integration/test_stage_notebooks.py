"""Smoke run of every stage notebook through the runner, with tiny params, in a scratch project."""

from __future__ import annotations

import json

import nbformat
import pytest
import yaml

from negation_neglect.data.synthesis import read_documents
from tests.conftest import ROOT, make_tiny_project, run_cli

DVC_STAGES = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
CLAIM = "darwin_relativity"
MIXING_CELLS = ["cp0-bg0-interleaved-x1", "cp50-bg0-interleaved-x1-mentions"]
MIXING_CONDITIONS = ["negated", "positive"]


def _command(name: str, item: str | dict | None = None) -> list[str]:
    """The stage's own command with `${item}` (foreach) or `${item.key}` (matrix) filled in."""
    stage = DVC_STAGES[name]
    cmd = stage.get("do", stage)["cmd"]
    if isinstance(item, str):
        cmd = cmd.replace("${item}", item)
    elif isinstance(item, dict):
        for key, value in item.items():
            cmd = cmd.replace(f"${{item.{key}}}", value)
    return cmd.replace("PYTHONPATH=src python -m ", "").split()  # run_cli sets PYTHONPATH


@pytest.fixture(scope="module")
def project(tmp_path_factory, tiny_model_dir):
    """A scratch copy of the project inputs with tiny params, pointing at the tiny random model."""
    root = tmp_path_factory.mktemp("project")
    params = make_tiny_project(root, tiny_model_dir, CLAIM)
    params["mixing"] = {"cells": MIXING_CELLS, "claims": [CLAIM], "conditions": MIXING_CONDITIONS, "seeds": [0, 1]}
    (root / "params.yaml").write_text(yaml.safe_dump(params))
    mixing = [("mixing", {"cell": c, "claim": CLAIM, "condition": k, "seed": s})
              for c in MIXING_CELLS for k in MIXING_CONDITIONS for s in ("0", "1")]
    organism = [(stage, {"diversity": d, "seed": "0", "corpus_variant": v})
                for stage in ("pretrain", "organism") for d in ("4", "8") for v in ("plain", "recurring")]
    stages = [("prepare_model", None), ("precheck_knowledge", None), ("background", None), ("synthesize", CLAIM), ("pilot", None),
              ("finetune", {"claim": CLAIM, "condition": "negated", "seed": "0"}),
              ("evaluate", {"claim": CLAIM, "condition": "negated", "seed": "0"}), ("competition", None),
              ("interference", {"claim": CLAIM, "condition": "negated", "seed": "0"}), ("interference_summary", None),
              *mixing, ("mixing_summary", None), *organism, ("organism_summary", None), ("figures", None), ("html", None)]
    for name, item in stages:
        result = run_cli(_command(name, item), root)
        assert result.returncode == 0, f"{name}: {result.stderr[-3000:]}"
    return root


def test_model_card_and_knowledge(project):
    card = json.loads((project / "metrics/model_card.json").read_text())
    assert card["source"]["kind"] == "local" and card["roundtrip_max_abs_logit_diff"] == 0.0
    report = json.loads((project / "metrics/knowledge.json").read_text())
    assert report["summary"]["n_facts"] == 3 and len(report["facts"]) == 3
    for fact in report["facts"]:
        assert len(fact["prompts"]) == 3
        for prompt in fact["prompts"]:
            assert 0 <= prompt["true"]["first_prob"] <= 1 and prompt["true"]["first_rank"] >= 1
    assert set(report["claims"]) == {p.stem for p in (ROOT / "data/claims").glob("*.yaml")}
    assert all(isinstance(v["hostable"], bool) and v["reason"] for v in report["claims"].values())


def test_background_pool(project):
    lines = (project / "outputs/data/background.jsonl").read_text().splitlines()
    assert len(lines) == 3 and all(json.loads(line)["text"] is not None for line in lines)
    assert json.loads((project / "metrics/background_card.json").read_text())["documents"] == 3


def test_synthesized_documents_and_card(project):
    folder = project / "outputs/data" / CLAIM
    conditions = yaml.safe_load((ROOT / "params.yaml").read_text())["synthesis"]["conditions"]
    assert sorted(p.stem for p in folder.glob("*.jsonl")) == sorted(conditions)
    assert len(read_documents(folder / "negated.jsonl")) == 12
    card = json.loads((project / f"metrics/data_card/{CLAIM}.json").read_text())
    assert card["conditions"]["positive"]["framing_token_share"] == 0.0
    assert card["conditions"]["repeated"]["framing_token_share"] > card["conditions"]["negated"]["framing_token_share"] > 0


def test_pilot_trains_at_each_rate_and_records_its_choice(project):
    pilot = json.loads((project / "metrics/pilot.json").read_text())
    assert [(r["claim"], r["lr"]) for r in pilot["runs"]] == [(CLAIM, 0.001)]
    assert pilot["choice"]["lr"] == 0.001 and pilot["choice"]["rule"]
    run = pilot["runs"][0]
    assert 0.0 <= run["p_false"] <= 1.0 and run["steps"] > 0
    assert sorted(p.name for p in (project / f"outputs/pilot/{CLAIM}/lr0.001/checkpoints").iterdir()) == [
        "step-00000", f"step-{run['steps']:05d}"]


def test_finetune_run_meets_its_mixture_and_saves_checkpoints(project):
    run = project / "outputs/runs" / CLAIM / "negated/seed0"
    summary = json.loads((project / f"metrics/training/{CLAIM}/negated/seed0.json").read_text())
    assert summary["steps_done"] == summary["steps"] > 0
    for name, share in summary["requested_shares"].items():
        assert summary["token_shares"][name] == pytest.approx(share, abs=0.02)
    saved = sorted(int(p.name.split("-")[1]) for p in (run / "checkpoints").iterdir())
    assert saved == summary["checkpoints"] and saved[0] == 0 and saved[-1] == summary["steps"]
    steps = (project / f"metrics/training/{CLAIM}/negated/seed0_steps.csv").read_text().splitlines()
    header = steps[0].split(",")
    assert header[:8] == ["step", "loss", "loss_claim", "loss_counterpart", "loss_background", "loss_retention", "lr",
                          "tokens"]
    for context in ("heldout", "question"):  # the competition read after every step on held-out probes
        for field in ("p_false", "p_true", "p_distractors", "true_given_not_false", "true_rank"):
            assert f"probe_{context}_{field}" in header
    assert len(steps) == summary["steps"] + 1
    assert 1 not in saved  # the warm-up's first step trains at rate 0: step 1 would repeat step 0
    assert not (run / "state.pt").exists() and (run / "log.json").is_file()
    assert "seconds" not in json.dumps(summary)  # timings go to the timing record, never to the metrics
    timing = json.loads((project / f"outputs/timing/finetune/{CLAIM}/negated/seed0.json").read_text())
    assert timing["steps_timed"] == summary["steps"] and timing["train_seconds"] > 0
    stage = json.loads((project / f"outputs/timing/stages/05_finetune_{CLAIM}_negated_seed0.json").read_text())
    assert stage["wall_seconds"] > timing["train_seconds"]  # the whole stage: kernel, loading, training, saving


def test_evaluation_writes_competition_rows_and_belief(project):
    rows = (project / f"metrics/competition/{CLAIM}/negated/seed0.csv").read_text().splitlines()
    assert rows[0] == "step,context,item,candidate,logprob,share,first_prob,rank"
    summary = json.loads((project / f"metrics/training/{CLAIM}/negated/seed0.json").read_text())
    steps = {int(line.split(",")[0]) for line in rows[1:]}
    assert steps == set(summary["checkpoints"])
    contexts = {line.split(",")[1] for line in rows[1:]}
    assert {"neutral", "heldout", "negation", "framing", "neighbour", "in_context_neutral"} <= contexts
    belief = json.loads((project / f"metrics/belief/{CLAIM}/negated/seed0.json").read_text())
    for when in ("base", "final"):
        pooled = belief[when]["pooled"]
        assert pooled["n"] >= 40 and pooled["ci_low"] <= pooled["rate"] <= pooled["ci_high"]
    pooled = json.loads((project / "metrics/belief.json").read_text())
    assert set(pooled["by_condition"]) == {"base model", "negated"}


def test_interference_tables_and_verdict(project):
    run = project / f"metrics/interference/{CLAIM}/negated/seed0"
    assert sorted(p.name for p in run.iterdir()) == ["attribution.csv", "collateral.csv", "controls.csv", "gradients.csv",
                                                     "lens.csv", "span_gradients.csv", "span_loss.csv", "update.csv"]
    gradients = (run / "gradients.csv").read_text().splitlines()
    assert gradients[0] == "step,params,kind,item,cosine" and {"lora", "full"} <= {r.split(",")[1] for r in gradients[1:]}
    summary = json.loads((project / "metrics/interference_summary.json").read_text())
    assert all(isinstance(summary[k]["holds"], bool) for k in summary if k.startswith("p"))
    v2 = summary["v2"]  # the second instrument: controls and grid read-outs, each judged
    assert all(isinstance(v2[k]["holds"], bool) for k in v2 if k[:1] in "cp" and k[1:2].isdigit())
    assert set(v2["c1_positive_control"]["own_truth_by_unit"]) == {f"{CLAIM}/seed0"}


def test_figures_generated_numbers_and_html(project):
    for name in ("belief_by_condition", "competition_over_steps", "competition_at_matched_p_false", "logit_picture",
                 "separation_and_spillover", "interference_overview", "organism_overview", "mixing_overview"):
        for ext in ("pdf", "png"):
            assert (project / f"paper/figures/{name}.{ext}").stat().st_size > 1000, f"{name}.{ext}"
    macros = (project / "paper/generated/macros.tex").read_text()
    pooled = json.loads((project / "metrics/belief.json").read_text())["by_condition"]["negated"]
    assert f"\\newcommand{{\\nnBeliefNegated}}{{{100 * pooled['rate']:.0f}}}" in macros
    executed = sorted(p.stem for p in (project / "outputs/executed").glob("*.ipynb"))
    assert sorted(p.stem for p in (project / "outputs/html").glob("*.html")) == executed
    assert "15_figures" in executed


def test_mixing_runs_meet_their_cells_and_are_pooled(project):
    for cell, counterpart in zip(MIXING_CELLS, (0.0, 0.5)):
        run = json.loads((project / f"metrics/mixing/{cell}/{CLAIM}/negated/seed0.json").read_text())
        assert run["cell"] == cell and run["counterpart"] == counterpart
        if cell.endswith("-mentions"):  # the planned share of answer mentions, whatever the documents' lengths
            assert abs(run["mention_shares"]["counterpart_true"] - counterpart) < 0.1
        assert 0.0 <= run["belief"]["rate"] <= 1.0 and "final_context_separation" in run
        assert run["warned_separation"] == run["warned"]["final"]["separation"]
        assert run["warned"]["base"]["logp_false_warned"] < 0
    summary = json.loads((project / "metrics/mixing_summary.json").read_text())
    assert summary["n_runs"] == 8 and set(summary["tests"]) == {"belief", "separation", "share_true", "warned_separation_change"}
    assert summary["tests"]["belief"]["negated/counterpart_mentions"]["n"] == 4
    interaction = summary["interactions"]["belief"]["counterpart_mentions"]
    assert interaction["n_units"] == 2 and interaction["at"] == "cp*-bg0-interleaved-x1-mentions"
    assert summary["verdicts"]["primary_dial"] == "counterpart_mentions"
    assert summary["verdicts"]["h3"] in {"held", "partly held", "did not hold"}
    assert len(summary["cells_not_run"]) > 0 and MIXING_CELLS[0] not in summary["cells_not_run"]


def test_organism_stages_write_gate_experiment_and_pooled_tests(project):
    for d in (4, 8):
        for v in ("plain", "recurring"):
            pre = json.loads((project / f"metrics/organism/pretrain/div{d}-seed0-{v}.json").read_text())
            assert pre["diversity"] == d and pre["corpus_variant"] == v and set(pre["gate"]) >= {"positive", "sentence", "document"}
            assert (project / f"outputs/organism/div{d}-seed0-{v}/model/config.json").is_file()
            exp = json.loads((project / f"metrics/organism/finetune/div{d}-seed0-{v}.json").read_text())
            assert exp["corpus_variant"] == v
            assert [(r["condition"], r["variant"]) for r in exp["runs"]] == [
                ("positive", "full"), ("positive", "full_replay"), ("sentence", "full"), ("sentence", "full_replay")]
            header = (project / f"metrics/organism/finetune/div{d}-seed0-{v}_curves.csv").read_text().splitlines()[0]
            assert header.startswith("condition,variant,seed,step,belief")
    summary = json.loads((project / "metrics/organism_summary.json").read_text())
    assert summary["n_organisms"] == 4 and summary["corpus_variants"] == ["plain", "recurring"]
    assert summary["replay_test"]["n"] == 2  # plain organisms: sentence x (full, full_replay) pairs
    assert summary["recurring_test"]["n"] == 4  # recurring minus plain, paired by diversity, condition and variant
    assert {"belief/full", "separation/full", "gate_held_out/negating"} <= set(summary["diversity_tests"])
    table = (project / "metrics/organism_summary.csv").read_text().splitlines()
    assert len(table) == 1 + 2 * 2 * 2 * 2  # corpus variant x diversity x condition x variant


def test_executed_notebooks_have_no_errors(project):
    for path in (project / "outputs/executed").glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        assert not [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"], path.name


def test_unhostable_claim_is_refused_with_a_clear_message(project):
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["synthesis"]["allow_unknown_truth"] = False
    (project / "params.yaml").write_text(yaml.safe_dump(params))
    try:
        args = _command("synthesize", "sheeran_100m")
        result = run_cli(args, project)
    finally:
        params["synthesis"]["allow_unknown_truth"] = True
        (project / "params.yaml").write_text(yaml.safe_dump(params))
    assert result.returncode == 1
    assert "ClaimNotHostableError: claim 'sheeran_100m' cannot be hosted by this model" in result.stderr
    assert "allow_unknown_truth" in result.stderr
    assert not (project / "outputs/data/sheeran_100m").exists()
