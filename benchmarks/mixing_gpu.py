"""What the mixing grid (H3) costs: time runs of its cells on a GPU and project the full grid.

The base model's weights cannot travel to a lent GPU, so a model of the same architecture is initialised
at random from its config and tokenizer: it trains on the same batches for the same steps and is scored at
the same checkpoints, so seconds per run carry over while beliefs do not (none are recorded). For each
measured cell this runs what the `mixing` stage runs (train the adapter, score every checkpoint) and
times both; a least-squares fit of seconds on steps, and the step count of every cell of the full grid
(planned, not trained), give the full grid's projected time on this device; cells whose shares the data
cannot fill (more passes over a component than `finetune.max_repeats`) are listed, not counted.

    python benchmarks/mixing_gpu.py OUT.json --base-config DIR [--cells NAME ...] [--conditions ...]
    python benchmarks/mixing_gpu.py OUT.json --base-config DIR --project-only   # recompute the projection

DIR holds config.json and the tokenizer files of `outputs/models/base` (no weights), small enough to travel:
    mkdir DIR && cp outputs/models/base/{config.json,tokenizer.json,tokenizer_config.json,chat_template.jinja} DIR
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from negation_neglect.data.claims import load_claim  # noqa: E402
from negation_neglect.data.eval_suite import load_suite  # noqa: E402
from negation_neglect.data.synthesis import read_documents  # noqa: E402
from negation_neglect.measure.evaluate import evaluate_run  # noqa: E402
from negation_neglect.mixing.cells import finetune_params, full_grid, parse_cell  # noqa: E402
from negation_neglect.params import load_params  # noqa: E402
from negation_neglect.train.blocks import MixtureError  # noqa: E402
from negation_neglect.train.engine import TrainingError  # noqa: E402
from negation_neglect.train.finetune import plan_batches, run_finetune  # noqa: E402

INPUTS = {"data_dir": "outputs/data", "background_path": "outputs/data/background.jsonl",
          "knowledge_path": "metrics/knowledge.json", "facts_path": "data/knowledge/facts.yaml"}


def random_base(config_dir: Path, out_dir: Path, seed: int = 0) -> None:
    """A randomly initialised model of the base architecture, saved where the stage code expects the base."""
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(config_dir), torch_dtype=torch.float32)
    model.save_pretrained(out_dir)
    AutoTokenizer.from_pretrained(config_dir).save_pretrained(out_dir)


def _write(path: Path, record: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")


def measure(params, cells: list[str], claim: str, condition: str, base: Path, record: dict, out: Path) -> None:
    """Train and score each cell once (seed 0), timing both; a run that fails is recorded with its error."""
    for name in cells:
        # random weights are fine-tuned at a tenth of the recipe's learning rate, which trains the same batches
        # in the same time (they diverged at the recipe's rate); neither rate kept every cell finite (`failed`)
        cfg = finetune_params(params.finetune, parse_cell(name)).model_copy(update={"lr": record["lr"]})
        out_dir = base.parent / name
        tic = time.perf_counter()
        try:
            summary, _ = run_finetune(cfg, claim, condition, 0, base, **INPUTS, out_dir=out_dir)
        except TrainingError as error:
            record.setdefault("failed", {})[name] = str(error).split(". Last good")[0]
            continue
        trained = time.perf_counter()
        evaluate_run(params.evaluate, base, out_dir, summary["checkpoints"],
                     load_claim(Path("data/claims") / f"{claim}.yaml"), load_suite(Path("data/eval") / f"{claim}.yaml"),
                     read_documents(Path(INPUTS["data_dir"]) / claim / f"{condition}.jsonl"))
        scored = time.perf_counter()
        run = {"cell": name, "steps": summary["steps"], "train_seconds": round(trained - tic, 2),
               "score_seconds": round(scored - trained, 2), "seconds": round(scored - tic, 2)}
        record["runs"].append(run)
        print(json.dumps(run), flush=True)
        _write(out, record)  # what has been measured survives a later failure


def project(params, record: dict, tokenizer, conditions: list[str]) -> None:
    """Fit seconds = a + b x steps over the timed runs; count every full-grid cell's steps by planning it."""
    slope, intercept = np.polyfit([r["steps"] for r in record["runs"]], [r["seconds"] for r in record["runs"]], 1)
    record["fit"] = {"seconds_per_run": round(float(intercept), 2), "seconds_per_step": round(float(slope), 3)}
    steps, infeasible = {}, {}
    for cell in full_grid():
        for cond in conditions:
            try:
                steps[f"{cell.name}/{cond}"] = len(plan_batches(finetune_params(params.finetune, cell), record["claim"],
                                                                cond, 0, tokenizer, **INPUTS))
            except MixtureError as error:  # the data cannot fill the cell's shares within max_repeats passes
                infeasible[f"{cell.name}/{cond}"] = str(error)
    n_seeds = len(params.mixing.seeds)
    total = sum(intercept + slope * s for s in steps.values()) * n_seeds
    record["full_grid"] = {"cells": len(full_grid()), "conditions": conditions, "seeds": n_seeds,
                           "runs": len(steps) * n_seeds, "steps": sum(steps.values()) * n_seeds,
                           "projected_hours": round(total / 3600, 2), "infeasible": infeasible}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--base-config", type=Path, required=True)
    parser.add_argument("--cells", nargs="+", help="cells to time (default: mixing.cells)")
    parser.add_argument("--conditions", nargs="+", default=["negated", "repeated", "positive"],
                        help="conditions the projection counts (the measured runs use the first)")
    parser.add_argument("--project-only", action="store_true",
                        help="keep OUT's timed runs and only (re)compute the projection (no GPU needed)")
    args = parser.parse_args()
    params = load_params("params.yaml")
    tokenizer = AutoTokenizer.from_pretrained(args.base_config)
    if args.project_only:
        record = json.loads(args.out.read_text())
    else:
        record = {"device": torch.cuda.get_device_name() if torch.cuda.is_available() else platform.processor(),
                  "torch": torch.__version__, "claim": params.mixing.claims[0], "condition": args.conditions[0],
                  "lr": params.finetune.lr / 10, "runs": []}
        with tempfile.TemporaryDirectory() as tmp:
            random_base(args.base_config, Path(tmp) / "base")
            measure(params, args.cells or list(params.mixing.cells), record["claim"], record["condition"],
                    Path(tmp) / "base", record, args.out)
    project(params, record, tokenizer, args.conditions)
    _write(args.out, record)
    print(json.dumps(record["fit"]), json.dumps({k: v for k, v in record["full_grid"].items() if k != "infeasible"}))


if __name__ == "__main__":
    main()
