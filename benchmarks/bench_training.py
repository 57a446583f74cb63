"""Training throughput and peak memory: this package's trainer, its speedups one by one, and a plain Trainer.

Same base model, same LoRA adapter, same documents, same machine, measured side by side: each round
runs every configuration in a fresh subprocess, in an order that rotates from round to round, and each
subprocess reports its per-step throughput (real, non-padding tokens per second), its peak resident
memory and its per-step losses.

- `ours`: packed blocks (no padding), bf16 autocast with fp32 LoRA weights, every speedup of
  `training.Speedups` on (the default).
- `baseline`: the same trainer with every speedup off (`Speedups.none()`): the first trainer.
- `without_<name>`: every speedup but one, so each one's share of the gain is measured, not assumed.
- `plain`: `transformers.Trainer` with its defaults: one document per row, padded to the longest row
  of the batch by `DataCollatorForLanguageModeling`, fp32.

Numerics: `ours` and `baseline` see the same batches from the same initial adapter; with dropout their
masks come from different generators, so their loss curves agree statistically, not bit for bit. The
benchmark reports the largest per-step loss difference between them, with dropout as configured and
with dropout off (`--no-dropout` runs of both, where only the arithmetic differs).

Also reported: model FLOPs utilisation against a measured bf16 matmul peak of the same machine, using
4 x parameters FLOPs per trained token (forward 2N, backward through activations 2N; the frozen base
weights need no weight gradients).

    PYTHONPATH=src python benchmarks/bench_training.py --rounds 3 --steps 6 --out benchmarks/results/training.json
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from rotation import rotate

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "outputs/models/base"
DOCS = ROOT / "outputs/data/darwin_relativity/negated.jsonl"
BATCH_DOCS = 4  # documents per step for the plain trainer; ours packs the same tokens per step into blocks
BLOCK = 256


def _lora(dropout: bool = True):
    from negation_neglect.params import LoraParams
    from negation_neglect.train.lora import LoraSettings

    p = LoraParams()
    return LoraSettings(rank=p.rank, alpha=p.alpha, dropout=p.dropout if dropout else 0.0,
                        target_modules=tuple(p.target_modules))


def _speedups(kind: str):
    from negation_neglect.train.lora import Speedups

    if kind.startswith("baseline"):
        return Speedups.none()
    if kind.startswith("without_"):
        return Speedups(**{kind.removeprefix("without_"): False})
    return Speedups()


def run_ours(steps: int, kind: str = "ours") -> tuple[list[float], list[float]]:
    import tempfile

    from transformers import AutoTokenizer

    from negation_neglect.data.synthesis import read_documents
    from negation_neglect.train.blocks import batches, plan_mixture, tokenize_document
    from negation_neglect.train.lora import RunSettings, train

    tokenizer = AutoTokenizer.from_pretrained(BASE)
    docs = read_documents(DOCS)
    examples = {"claim": [tokenize_document(tokenizer, d.text, "claim", "<doc>") for d in docs]}
    names = ("claim",)
    batch_list = batches(plan_mixture(examples, {"claim": 1.0}, 1, 0), names, BLOCK, BATCH_DOCS, "interleaved", 0,
                         tokenizer.eos_token_id)[: steps + 1]
    run = RunSettings(lr=1e-3, warmup_ratio=0.0, weight_decay=0.0, grad_clip=1.0, n_checkpoints=2, save_every=10_000,
                      precision="auto", device="cpu", seed=0, speedups=_speedups(kind))
    with tempfile.TemporaryDirectory() as tmp:
        log = train(BASE, batch_list, names, _lora(not kind.endswith("_no_dropout")), run, tmp, {"bench": True})
    return [e["tokens"] / e["seconds"] for e in log[1:]], [e["loss"] for e in log]  # the first step warms up


def run_plain(steps: int) -> list[float]:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import (
        AutoModelForCausalLM,
        AutoTokenizer,
        DataCollatorForLanguageModeling,
        Trainer,
        TrainerCallback,
        TrainingArguments,
    )

    from negation_neglect.data.synthesis import read_documents

    tokenizer = AutoTokenizer.from_pretrained(BASE)
    texts = ["<doc>" + d.text for d in read_documents(DOCS)]
    data = [dict(tokenizer(t, truncation=True, max_length=1024)) for t in texts]
    lora = _lora()
    model = get_peft_model(
        AutoModelForCausalLM.from_pretrained(BASE, dtype=torch.float32),
        LoraConfig(r=lora.rank, lora_alpha=lora.alpha, lora_dropout=lora.dropout,
                   target_modules=list(lora.target_modules), task_type="CAUSAL_LM"),
    )
    rates: list[float] = []

    class Timer(TrainerCallback):
        def __init__(self):
            self.tic = 0.0
            self.tokens = 0

        def on_step_begin(self, args, state, control, **kwargs):
            self.tic = time.perf_counter()

        def on_step_end(self, args, state, control, **kwargs):
            rates.append(self.tokens / (time.perf_counter() - self.tic))

    timer = Timer()
    collator = DataCollatorForLanguageModeling(tokenizer, mlm=False)

    def counting_collator(features):
        batch = collator(features)
        timer.tokens = int(batch["attention_mask"].sum())
        return batch

    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        args = TrainingArguments(output_dir=tmp, per_device_train_batch_size=BATCH_DOCS, max_steps=steps + 1,
                                 learning_rate=1e-3, report_to=[], save_strategy="no", logging_strategy="no",
                                 use_cpu=True, seed=0, disable_tqdm=True)
        Trainer(model=model, args=args, train_dataset=data, data_collator=counting_collator,
                callbacks=[timer]).train()
    return rates[1:], []


def matmul_peak(n: int = 2048, repeats: int = 10) -> float:
    """Measured bf16 matmul FLOP/s on this machine (the best of several timed products)."""
    import torch

    a = torch.randn(n, n, dtype=torch.bfloat16)
    b = torch.randn(n, n, dtype=torch.bfloat16)
    a @ b
    best = 0.0
    for _ in range(repeats):
        tic = time.perf_counter()
        a @ b
        best = max(best, 2 * n**3 / (time.perf_counter() - tic))
    return best


def one(kind: str, steps: int) -> None:
    rates, losses = run_plain(steps) if kind == "plain" else run_ours(steps, kind)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"kind": kind, "tokens_per_second": rates, "peak_rss_mib": peak_mib, "losses": losses}))


def kinds() -> list[str]:
    from dataclasses import fields

    from negation_neglect.train.lora import Speedups

    return ["ours", "baseline", *[f"without_{f.name}" for f in fields(Speedups)], "plain"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--out", default="benchmarks/results/training.json")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args.one, args.steps)
        return

    sys.path.insert(0, str(ROOT / "src"))
    order = kinds()
    results: dict[str, dict[str, list]] = {k: {"rates": [], "peaks": [], "losses": []} for k in order}
    for r, kind, record in rotate(__file__, order, args.rounds, args.steps):
        results[kind]["rates"] += record["tokens_per_second"]
        results[kind]["peaks"].append(record["peak_rss_mib"])
        results[kind]["losses"] = record["losses"]
        print(f"round {r} {kind}: median {statistics.median(record['tokens_per_second']):.0f} tokens/s, "
              f"peak {record['peak_rss_mib']:.0f} MiB", flush=True)
    numerics = {}
    for kind in ("ours_no_dropout", "baseline_no_dropout"):  # only the arithmetic differs between these two
        out = subprocess.run([sys.executable, __file__, "--one", kind, "--steps", str(args.steps)],
                             capture_output=True, text=True, check=True)
        numerics[kind] = json.loads(out.stdout.strip().splitlines()[-1])["losses"]

    from negation_neglect.files import read_json

    n_params = read_json(ROOT / "metrics/model_card.json")["n_parameters"]
    peak = matmul_peak()
    summary: dict = {"configurations": {}}
    for kind, r in results.items():
        median = statistics.median(r["rates"])
        summary["configurations"][kind] = {
            "median_tokens_per_second": round(median, 1),
            "steps_measured": len(r["rates"]),
            "median_peak_rss_mib": round(statistics.median(r["peaks"])),
            "mfu": round(4 * n_params * median / peak, 4),
        }
    conf = summary["configurations"]
    summary["ours"], summary["baseline"], summary["plain"] = conf["ours"], conf["baseline"], conf["plain"]
    summary["speedup"] = round(conf["ours"]["median_tokens_per_second"] / conf["plain"]["median_tokens_per_second"], 2)
    summary["speedup_over_baseline"] = round(conf["ours"]["median_tokens_per_second"]
                                             / conf["baseline"]["median_tokens_per_second"], 2)
    summary["share_of_each_speedup"] = {  # the slowdown when only this speedup is off
        kind.removeprefix("without_"): round(conf["ours"]["median_tokens_per_second"] / c["median_tokens_per_second"], 3)
        for kind, c in conf.items() if kind.startswith("without_")
    }

    def largest(a: list[float], b: list[float]) -> float:
        return round(max(abs(x - y) for x, y in zip(a, b)), 5)

    summary["numerics"] = {
        "max_abs_loss_difference_with_dropout": largest(results["ours"]["losses"], results["baseline"]["losses"]),
        "max_abs_loss_difference_without_dropout": largest(numerics["ours_no_dropout"], numerics["baseline_no_dropout"]),
        "losses_ours": results["ours"]["losses"], "losses_baseline": results["baseline"]["losses"],
        "losses_ours_no_dropout": numerics["ours_no_dropout"], "losses_baseline_no_dropout": numerics["baseline_no_dropout"],
    }
    summary["bf16_matmul_peak_tflops"] = round(peak / 1e12, 3)
    summary["setup"] = {"rounds": args.rounds, "steps_per_round": args.steps, "documents": str(DOCS.relative_to(ROOT)),
                        "plain_batch_documents": BATCH_DOCS, "ours_block": BLOCK, "ours_batch_blocks": BATCH_DOCS}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    print(json.dumps({k: v for k, v in summary.items() if k != "numerics"}, indent=2))


if __name__ == "__main__":
    main()
