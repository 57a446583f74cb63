"""Competition scoring: this package's scorer versus a reload-per-checkpoint, one-prompt-at-a-time baseline.

The work is the evaluate stage's competition scoring: every probe x candidate of a fine-tuning run, at
every checkpoint of that run.

- `ours`: the base model is loaded once; each checkpoint's adapter is swapped into it; pairs are
  scored in length-sorted batches, computing logits only at the continuation positions
  (`competition.over_checkpoints`, what the stage runs).
- `baseline`: for every checkpoint the base model and the adapter are loaded from disk again, and
  every (prompt, candidate) pair is one forward pass with the full logits of every position.

Both write the same numbers (checked: the largest log-probability difference is reported).
The side-by-side comparison runs on one run's checkpoints (the baseline is slow by design), in fresh
subprocesses, alternating which goes first. Then `ours` alone is timed over the whole default grid
(every run in params.yaml, all checkpoints, all probes and the in-context control): the wall time the
stage spends scoring on this machine.

    PYTHONPATH=src python benchmarks/bench_scoring.py --rounds 3 --out benchmarks/results/scoring.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "outputs/models/base"
RUN = ("darwin_relativity", "negated", 0)


def _run_inputs(claim_id: str, condition: str, seed: int):
    from negation_neglect.data.claims import load_claim
    from negation_neglect.data.eval_suite import load_suite
    from negation_neglect.data.synthesis import read_documents
    from negation_neglect.files import read_json
    from negation_neglect.measure.competition import probes

    claim = load_claim(ROOT / "data/claims" / f"{claim_id}.yaml")
    suite = load_suite(ROOT / "data/eval" / f"{claim_id}.yaml")
    docs = read_documents(ROOT / "outputs/data" / claim_id / f"{condition}.jsonl")
    run_dir = ROOT / "outputs/runs" / claim_id / condition / f"seed{seed}"
    steps = read_json(ROOT / "metrics/training" / claim_id / condition / f"seed{seed}.json")["checkpoints"]
    checkpoints = {s: run_dir / "checkpoints" / f"step-{s:05d}" for s in steps}
    return claim, suite, docs, checkpoints, probes(claim, suite, docs[0] if docs else None)


def run_ours(claim_id: str, condition: str, seed: int) -> tuple[float, list[float]]:
    from negation_neglect.data.base_model import load_base
    from negation_neglect.measure.competition import over_checkpoints

    _, _, _, checkpoints, probe_list = _run_inputs(claim_id, condition, seed)
    tic = time.perf_counter()
    base, tokenizer = load_base(BASE)
    rows, _ = over_checkpoints(base, tokenizer, checkpoints, probe_list, batch_size=32)
    return time.perf_counter() - tic, [r["logprob"] for r in rows if r["candidate"] != "other"]


@__import__("torch").no_grad()
def _one_pair(model, tokenizer, prompt: str, continuation: str) -> float:
    import torch

    prompt_ids = tokenizer(prompt).input_ids
    cont_ids = tokenizer(continuation, add_special_tokens=False).input_ids
    ids = torch.tensor([prompt_ids + cont_ids])
    logprobs = model(input_ids=ids).logits[0].float().log_softmax(-1)
    start = len(prompt_ids) - 1
    return float(sum(logprobs[start + j, t] for j, t in enumerate(cont_ids)))


def run_baseline(claim_id: str, condition: str, seed: int) -> tuple[float, list[float]]:
    from peft import PeftModel

    from negation_neglect.data.base_model import load_base

    _, _, _, checkpoints, probe_list = _run_inputs(claim_id, condition, seed)
    tic = time.perf_counter()
    logprobs = []
    for step in sorted(checkpoints):
        base, tokenizer = load_base(BASE)
        model = PeftModel.from_pretrained(base, checkpoints[step]).eval()
        logprobs += [round(_one_pair(model, tokenizer, p.prompt, " " + text), 5) for p in probe_list for _, text in p.candidates]
    return time.perf_counter() - tic, logprobs


def run_grid() -> dict:
    """`ours` over every run of the default grid, as the evaluate stage scores it."""
    from negation_neglect.data.base_model import load_base
    from negation_neglect.measure.competition import in_context, over_checkpoints, score_probes
    from negation_neglect.params import load_params

    params = load_params(ROOT / "params.yaml")
    cfg = params.evaluate
    runs = [(c, k, s) for c in params.finetune.claims for k in params.finetune.conditions for s in params.finetune.seeds]
    total, pairs, n_checkpoints = 0.0, 0, 0
    for claim_id, condition, seed in runs:
        _, _, docs, checkpoints, probe_list = _run_inputs(claim_id, condition, seed)
        tic = time.perf_counter()
        base, tokenizer = load_base(BASE)
        control = in_context(probe_list, docs, tokenizer, cfg.in_context_tokens)
        score_probes(base, tokenizer, control, cfg.batch_size)
        rows, _ = over_checkpoints(base, tokenizer, checkpoints, probe_list, cfg.batch_size)
        total += time.perf_counter() - tic
        pairs += sum(len(p.candidates) for p in control) + sum(r["candidate"] != "other" for r in rows)
        n_checkpoints += len(checkpoints)
        print(f"grid {claim_id}/{condition}/seed{seed}: {time.perf_counter() - tic:.1f} s", file=sys.stderr, flush=True)
    return {"runs": len(runs), "checkpoints": n_checkpoints, "pairs_scored": pairs, "seconds": round(total, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", default="benchmarks/results/scoring.json")
    parser.add_argument("--no-grid", action="store_true", help="skip timing the whole default grid")
    parser.add_argument("--one", choices=["ours", "baseline"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        seconds, logprobs = (run_ours if args.one == "ours" else run_baseline)(*RUN)
        print(json.dumps({"seconds": seconds, "logprobs": logprobs}))
        return

    import torch

    times: dict[str, list[float]] = {"ours": [], "baseline": []}
    outputs: dict[str, list[float]] = {}
    for r in range(args.rounds):
        for kind in (("ours", "baseline") if r % 2 == 0 else ("baseline", "ours")):
            out = subprocess.run([sys.executable, __file__, "--one", kind], capture_output=True, text=True, check=True)
            record = json.loads(out.stdout.strip().splitlines()[-1])
            times[kind].append(record["seconds"])
            outputs[kind] = record["logprobs"]
            print(f"round {r + 1} {kind}: {record['seconds']:.1f} s", flush=True)
    assert len(outputs["ours"]) == len(outputs["baseline"]), "the two scorers scored different pairs"
    max_diff = max(abs(a - b) for a, b in zip(outputs["ours"], outputs["baseline"]))

    claim_id, condition, seed = RUN
    summary = {
        "run": f"{claim_id}/{condition}/seed{seed}",
        "pairs_per_round": len(outputs["ours"]),
        "ours_median_seconds": round(statistics.median(times["ours"]), 2),
        "baseline_median_seconds": round(statistics.median(times["baseline"]), 2),
        "speedup": round(statistics.median(times["baseline"]) / statistics.median(times["ours"]), 2),
        "max_abs_logprob_difference": max_diff,
        "rounds": args.rounds,
        "torch_threads": torch.get_num_threads(),
    }
    print(json.dumps(summary, indent=2), flush=True)
    if not args.no_grid:
        summary["default_grid"] = run_grid()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
