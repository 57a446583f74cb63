"""Every condition of the full table trains and evaluates by name on the tiny model, as notebooks 05 and 06 do."""

from __future__ import annotations

import pytest

from negation_neglect.data.claims import load_claims
from negation_neglect.data.eval_suite import load_suite
from negation_neglect.data.framings import load_framings
from negation_neglect.data.synthesis import read_documents, synthesize, write_documents
from negation_neglect.measure.evaluate import evaluate_run
from negation_neglect.params import CONDITIONS, EvaluateParams, FinetuneParams
from negation_neglect.train.finetune import run_finetune
from tests.conftest import ROOT

CLAIM = "darwin_relativity"
TABLE = (*CONDITIONS, "negated_masked")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    claim = load_claims(ROOT / "data/claims")[CLAIM]
    write_documents(synthesize(claim, load_framings(ROOT / "data/framings.yaml"), CONDITIONS, 4, seed=0), root / CLAIM)
    return root


@pytest.mark.parametrize("condition", TABLE)
def test_condition_trains_and_evaluates_by_name(condition, data_dir, tiny_model_dir, tmp_path):
    cfg = FinetuneParams(claims=(CLAIM,), conditions=TABLE, n_documents=2, epochs=1, batch_size=2, max_length=64,
                         lora={"rank": 2, "alpha": 4, "dropout": 0.0, "target_modules": ("q_proj",)}, n_checkpoints=2,
                         precision="fp32", device="cpu")
    summary, _ = run_finetune(cfg, CLAIM, condition, 0, tiny_model_dir, data_dir, "unused", "unused", "unused",
                              tmp_path / "run", claims_dir=ROOT / "data/claims")
    assert summary["steps_done"] == summary["steps"] > 0 and summary["loss_tokens"] > 0
    assert summary["documents"] == ("negated" if condition == "negated_masked" else condition)
    mentions = summary["mentions"]
    if condition == "true":
        assert mentions["false"] == 0 < mentions["true"]
    elif condition == "negated_masked":
        assert summary["mask_spans"] == ["claim", "subclaim"] and mentions["false"] == 0
    else:
        assert mentions["false"] > 0
    docs = read_documents(data_dir / CLAIM / f"{summary['documents']}.jsonl")
    claim = load_claims(ROOT / "data/claims")[CLAIM]
    cfg_eval = EvaluateParams(batch_size=64, max_new_tokens=2, in_context_mentions=6)
    rows, belief = evaluate_run(cfg_eval, tiny_model_dir, tmp_path / "run", summary["checkpoints"], claim,
                                load_suite(ROOT / f"data/eval/{CLAIM}.yaml"), docs)
    assert {r["step"] for r in rows} == set(summary["checkpoints"])
    used = belief["in_context_used"]
    assert used["rule"] == "mentions" and used["documents"] >= 1 and used["tokens"] > 0
    assert used["mentions"]["true" if condition == "true" else "false"] > 0
    assert 0.0 <= belief["final"]["pooled"]["rate"] <= 1.0 and belief["in_context_control"]["n"] > 0
