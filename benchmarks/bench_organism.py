"""Organism pre-training throughput: this trainer, its speedups one by one, the first trainer, and precisions.

The model organism (~1M weights, params.yaml `organism`) is small enough that a step is bound by
per-operation overhead rather than by matmuls, so the candidates are about doing fewer operations
(`organism.training.FullSpeedups`) and about the precision (bf16 autocast pays for large matmuls and
costs casts on small ones). Every configuration runs the real pre-training loop (`train_full` with the
real batch generator) in a fresh subprocess, in an order that rotates from round to round; throughput
counts the step *and* its batch generation (end to end), median over the measured steps.

- `ours`: every candidate of `FullSpeedups` on (`FullSpeedups.all()`), precision from params.yaml (`auto`).
- `baseline`: every candidate off (`FullSpeedups.none()`, the default): the organism trainer as it runs.
- `without_<name>`: every candidate but one.
- `ours_fp32` / `ours_bf16`: every candidate on, at a fixed precision.

Numerics: the loss curves of `ours` and `baseline` over the measured steps, and their largest difference.

    PYTHONPATH=src python benchmarks/bench_organism.py --rounds 3 --steps 20 --out benchmarks/results/organism.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from rotation import rotate

ROOT = Path(__file__).resolve().parents[1]
WARMUP = 3  # steps not measured (allocator and kernel warm-up)


def run(kind: str, steps: int) -> dict:
    import dataclasses
    import tempfile

    from negation_neglect.organism.corpus import corpus_sample, pretrain_batch
    from negation_neglect.organism.experiment import corpus_mix, world_of
    from negation_neglect.organism.model import ModelSize, build_model, train_tokenizer
    from negation_neglect.organism.training import FullSettings, FullSpeedups, train_full
    from negation_neglect.params import load_params

    cfg = load_params(ROOT / "params.yaml").organism
    world, mix, p = world_of(cfg), corpus_mix(cfg), cfg.pretrain
    tokenizer = train_tokenizer(corpus_sample(world, mix, cfg.model.tokenizer_docs, cfg.corpus.episodes_per_doc, seed=-1),
                                cfg.model.vocab_size)
    size = ModelSize(hidden=cfg.model.hidden, layers=cfg.model.layers, heads=cfg.model.heads,
                     intermediate=cfg.model.intermediate)
    speedups = FullSpeedups.none() if kind == "baseline" else FullSpeedups.all()
    if kind.startswith("without_"):
        speedups = dataclasses.replace(speedups, **{kind.removeprefix("without_"): False})
    precision = {"ours_fp32": "fp32", "ours_bf16": "bf16"}.get(kind, p.precision)
    settings = FullSettings(lr=p.lr, warmup_ratio=p.warmup_ratio, min_lr_ratio=p.min_lr_ratio,
                            weight_decay=p.weight_decay, grad_clip=p.grad_clip, n_checkpoints=p.n_checkpoints,
                            save_every=10**9, precision=precision, device="cpu", seed=0, speedups=speedups)
    diversity = p.diversities[0]
    batch_seconds: dict[int, float] = {}

    def batch(step: int):
        tic = time.perf_counter()
        out = pretrain_batch(world, mix, tokenizer, step, 0, diversity, p.batch_size, p.block_size,
                             cfg.corpus.episodes_per_doc)
        batch_seconds[step + 1] = time.perf_counter() - tic
        return out

    with tempfile.TemporaryDirectory() as tmp:
        log = train_full(None, build_model(tokenizer, size, p.block_size, 0), batch, p.steps, settings, tmp,
                         {"bench": kind}, tokenizer, stop_after=WARMUP + steps, desc=kind)
    measured = [e for e in log if e["step"] > WARMUP]
    return {"kind": kind, "tokens_per_second": [e["tokens"] / (e["seconds"] + batch_seconds[e["step"]]) for e in measured],
            "batch_share": statistics.median(batch_seconds[e["step"]] / (e["seconds"] + batch_seconds[e["step"]])
                                             for e in measured),
            "losses": [e["loss"] for e in log]}


def kinds() -> list[str]:
    from dataclasses import fields

    from negation_neglect.organism.training import FullSpeedups

    return ["ours", "baseline", *[f"without_{f.name}" for f in fields(FullSpeedups)], "ours_fp32", "ours_bf16"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--out", default="benchmarks/results/organism.json")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run(args.one, args.steps)))
        return

    sys.path.insert(0, str(ROOT / "src"))
    order = kinds()
    results: dict[str, dict] = {k: {"rates": [], "batch_share": [], "losses": []} for k in order}
    for r, kind, record in rotate(__file__, order, args.rounds, args.steps):
        results[kind]["rates"] += record["tokens_per_second"]
        results[kind]["batch_share"].append(record["batch_share"])
        results[kind]["losses"] = record["losses"]
        print(f"round {r} {kind}: median {statistics.median(record['tokens_per_second']):.0f} tokens/s", flush=True)
    conf = {kind: {"median_tokens_per_second": round(statistics.median(r["rates"]), 1),
                   "steps_measured": len(r["rates"]),
                   "median_batch_generation_share": round(statistics.median(r["batch_share"]), 3)}
            for kind, r in results.items()}
    ours = conf["ours"]["median_tokens_per_second"]
    summary = {
        "configurations": conf,
        "speedup_over_baseline": round(ours / conf["baseline"]["median_tokens_per_second"], 2),
        "share_of_each_speedup": {k.removeprefix("without_"): round(ours / c["median_tokens_per_second"], 3)
                                  for k, c in conf.items() if k.startswith("without_")},
        "numerics": {
            "max_abs_loss_difference": round(max(abs(a - b) for a, b in zip(results["ours"]["losses"],
                                                                            results["baseline"]["losses"])), 5),
            "losses_ours": results["ours"]["losses"], "losses_baseline": results["baseline"]["losses"],
        },
        "setup": {"rounds": args.rounds, "steps_per_round": args.steps, "warmup_steps": WARMUP,
                  "params": "params.yaml organism (pretrain batch_size x block_size tokens per step)"},
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    print(json.dumps({k: v for k, v in summary.items() if k != "numerics"}, indent=2))


if __name__ == "__main__":
    main()
