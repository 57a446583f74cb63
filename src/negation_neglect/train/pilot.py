"""The learning-rate pilot: train one condition at a few learning rates, then pick one by a written rule.

The full condition table needs a recipe where positive training learns the claim without pinning P(false)
at 0.999+ (there every difference between conditions vanishes). Only the learning rate is piloted, so steps,
loss tokens and documents per condition stay those of the grid. The rule (`choose_lr`) is the one committed
in predictions/lr_pilot.md before the pilot ran; the finetune stage's learning rate must be the one it picks
(tests/unit/test_pilot.py checks params.yaml against metrics/pilot.json).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from negation_neglect.data.claims import load_claim
from negation_neglect.data.eval_suite import load_suite
from negation_neglect.data.synthesis import read_documents
from negation_neglect.measure.evaluate import evaluate_run
from negation_neglect.params import EvaluateParams, FinetuneParams, PilotParams
from negation_neglect.train.finetune import documents_of, run_finetune


def lr_tag(lr: float) -> str:
    """`lr0.0006`: a folder name for a learning rate."""
    return f"lr{lr:g}"


def neutral_p_false(rows: Sequence[dict], step: int) -> float:
    """Mean P(false answer) over the neutral probes at `step` (competition rows of measure.competition)."""
    values = [math.exp(r["logprob"]) for r in rows
              if r["step"] == step and r["context"] == "neutral" and r["candidate"] == "false"]
    return sum(values) / len(values)


def run_cell(pilot: PilotParams, finetune: FinetuneParams, evaluate: EvaluateParams, claim: str, lr: float,
             paths: dict[str, str]) -> dict:
    """Train `pilot.condition` on `claim` at `lr` (the grid's recipe otherwise; checkpoints at step 0 and the
    last step) and read P(false) and informative-item belief at the last step."""
    cfg = finetune.model_copy(update={"lr": lr, "n_checkpoints": 2})
    out_dir = Path(paths["out_dir"]) / claim / lr_tag(lr)
    summary, _ = run_finetune(cfg, claim, pilot.condition, pilot.seed, paths["base_dir"], paths["data_dir"],
                              paths["background_path"], paths["knowledge_path"], paths["facts_path"], out_dir,
                              claims_dir=paths["claims_dir"])
    the_claim = load_claim(Path(paths["claims_dir"]) / f"{claim}.yaml")
    suite = load_suite(Path(paths["eval_dir"]) / f"{claim}.yaml")
    docs = read_documents(Path(paths["data_dir"]) / claim / f"{documents_of(cfg, pilot.condition)}.jsonl")
    last = summary["checkpoints"][-1]
    rows, belief = evaluate_run(evaluate, paths["base_dir"], out_dir, [last], the_claim, suite, docs)
    informative = belief["final"]["informative"]["pooled"]
    return {"claim": claim, "lr": lr, "steps": summary["steps"], "first_loss": summary["first_loss"],
            "final_loss": summary["final_loss"], "p_false": round(neutral_p_false(rows, last), 4),
            "belief": informative["rate"], "belief_items": informative["n"],
            "base_belief": belief["base"]["informative"]["pooled"]["rate"]}


def choose_lr(results: Sequence[dict], max_p_false: float, min_belief: float) -> dict:
    """The largest learning rate at which every pilot claim learns (belief >= min_belief) without saturating
    (P(false) <= max_p_false); failing that, the learning rate with the lowest worst-claim P(false) among those
    that learn; failing that, the largest one tried. Returns the choice with the reason."""
    lrs = sorted({r["lr"] for r in results}, reverse=True)
    by_lr = {lr: [r for r in results if r["lr"] == lr] for lr in lrs}
    learns = [lr for lr in lrs if all(r["belief"] >= min_belief for r in by_lr[lr])]
    both = [lr for lr in learns if all(r["p_false"] <= max_p_false for r in by_lr[lr])]
    if both:
        return {"lr": both[0], "rule": "largest learning rate that learns every claim without saturating"}
    if learns:
        best = min(learns, key=lambda lr: (max(r["p_false"] for r in by_lr[lr]), -lr))
        return {"lr": best, "rule": "no rate avoids saturation; lowest worst-claim P(false) among those that learn"}
    return {"lr": lrs[0], "rule": "no rate learns every claim; the largest rate tried, unchanged"}


__all__ = ["choose_lr", "lr_tag", "neutral_p_false", "run_cell"]
