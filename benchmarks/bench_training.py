"""Training throughput and peak memory: this package's trainer versus a plain Hugging Face Trainer.

Same base model, same LoRA adapter, same documents, same machine, measured side by side: each round
runs both trainers in fresh subprocesses, alternating which goes first, and each subprocess reports
its per-step throughput (real, non-padding tokens per second) and its peak resident memory.

- `ours`: packed blocks (no padding), bf16 autocast with fp32 LoRA weights where supported.
- `plain`: `transformers.Trainer` with its defaults: one document per row, padded to the longest row
  of the batch by `DataCollatorForLanguageModeling`, fp32.

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

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "outputs/models/base"
DOCS = ROOT / "outputs/data/darwin_relativity/negated.jsonl"
BATCH_DOCS = 4  # documents per step for the plain trainer; ours packs the same tokens per step into blocks
BLOCK = 256


def _lora():
    from negation_neglect.params import LoraParams
    from negation_neglect.training import LoraSettings

    p = LoraParams()
    return LoraSettings(p.rank, p.alpha, p.dropout, tuple(p.target_modules))


def run_ours(steps: int) -> list[float]:
    import tempfile

    from transformers import AutoTokenizer

    from negation_neglect.mixture import batches, plan_mixture, tokenize_document
    from negation_neglect.synthesis import read_documents
    from negation_neglect.training import RunSettings, train

    tokenizer = AutoTokenizer.from_pretrained(BASE)
    docs = read_documents(DOCS)
    examples = {"claim": [tokenize_document(tokenizer, d.text, "claim", "<doc>") for d in docs]}
    names = ("claim",)
    batch_list = batches(plan_mixture(examples, {"claim": 1.0}, 1, 0), names, BLOCK, BATCH_DOCS, "interleaved", 0,
                         tokenizer.eos_token_id)[: steps + 1]
    run = RunSettings(1e-3, 0.0, 0.0, 1.0, 2, 10_000, "auto", "cpu", 0)
    with tempfile.TemporaryDirectory() as tmp:
        log = train(BASE, batch_list, names, _lora(), run, tmp, {"bench": True})
    return [e["tokens"] / e["seconds"] for e in log[1:]]  # the first step warms up


def run_plain(steps: int) -> list[float]:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import (AutoModelForCausalLM, AutoTokenizer, DataCollatorForLanguageModeling, Trainer,
                              TrainerCallback, TrainingArguments)

    from negation_neglect.synthesis import read_documents

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
    return rates[1:]


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
    rates = run_ours(steps) if kind == "ours" else run_plain(steps)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"kind": kind, "tokens_per_second": rates, "peak_rss_mib": peak_mib}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--out", default="benchmarks/results/training.json")
    parser.add_argument("--one", choices=["ours", "plain"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args.one, args.steps)
        return

    results: dict[str, dict[str, list[float]]] = {"ours": {"rates": [], "peaks": []}, "plain": {"rates": [], "peaks": []}}
    for r in range(args.rounds):
        order = ("ours", "plain") if r % 2 == 0 else ("plain", "ours")
        for kind in order:
            out = subprocess.run([sys.executable, __file__, "--one", kind, "--steps", str(args.steps)],
                                 capture_output=True, text=True, check=True)
            record = json.loads(out.stdout.strip().splitlines()[-1])
            results[kind]["rates"] += record["tokens_per_second"]
            results[kind]["peaks"].append(record["peak_rss_mib"])
            print(f"round {r + 1} {kind}: median {statistics.median(record['tokens_per_second']):.0f} tokens/s, "
                  f"peak {record['peak_rss_mib']:.0f} MiB", flush=True)

    from negation_neglect.files import read_json

    n_params = read_json(ROOT / "metrics/model_card.json")["n_parameters"]
    peak = matmul_peak()
    summary = {}
    for kind, r in results.items():
        median = statistics.median(r["rates"])
        summary[kind] = {
            "median_tokens_per_second": round(median, 1),
            "steps_measured": len(r["rates"]),
            "median_peak_rss_mib": round(statistics.median(r["peaks"])),
            "mfu": round(4 * n_params * median / peak, 4),
        }
    summary["speedup"] = round(summary["ours"]["median_tokens_per_second"] / summary["plain"]["median_tokens_per_second"], 2)
    summary["bf16_matmul_peak_tflops"] = round(peak / 1e12, 3)
    summary["setup"] = {"rounds": args.rounds, "steps_per_round": args.steps, "documents": str(DOCS.relative_to(ROOT)),
                        "plain_batch_documents": BATCH_DOCS, "ours_block": BLOCK, "ours_batch_blocks": BATCH_DOCS}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
