"""Pre-train larger model organisms on a GPU and record throughput, gate accuracy and the experiment.

Runs the same functions as the `pretrain` and `organism` stages (notebooks 11 and 12), without the
notebook runner, with the organism section of params.yaml overridden per configuration:

    python benchmarks/organism_gpu.py OUT.json --config NAME KEY=VALUE ... [--config ...]

Keys are dotted paths inside `organism` (e.g. model.hidden=384 pretrain.steps=3000). Each
configuration pre-trains one organism (diversity and seed from `pretrain.diversities[0]`,
`pretrain.seeds[0]`), runs the gate, and, for the configs named after `--experiment`, the fine-tuning
experiment.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import torch
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from negation_neglect.organism.experiment import pretrain_organism, run_experiment  # noqa: E402
from negation_neglect.params import OrganismParams, load_params  # noqa: E402


def _override(raw: dict, assignments: list[str]) -> dict:
    for assignment in assignments:
        key, value = assignment.split("=", 1)
        *parents, leaf = key.split(".")
        node = raw
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = yaml.safe_load(value)
    return raw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--config", nargs="+", action="append", required=True, metavar="NAME KEY=VALUE")
    parser.add_argument("--experiment", nargs="*", default=[], metavar="NAME", help="configs that also run the fine-tuning experiment")
    args = parser.parse_args()
    base = load_params("params.yaml").organism.model_dump(mode="json")
    results = {
        "device": torch.cuda.get_device_name() if torch.cuda.is_available() else platform.processor(),
        "torch": torch.__version__,
        "configs": {},
    }
    for name, *assignments in args.config:
        cfg = OrganismParams.model_validate(_override(json.loads(json.dumps(base)), assignments), strict=False)
        diversity, seed = cfg.pretrain.diversities[0], cfg.pretrain.seeds[0]
        with tempfile.TemporaryDirectory() as tmp:
            tic = time.perf_counter()
            metrics = pretrain_organism(cfg, diversity, seed, Path(tmp) / "pretrain")
            entry = {"overrides": assignments, "pretrain_wall_seconds": round(time.perf_counter() - tic, 1), **metrics}
            results["configs"][name] = entry
            args.out.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
            if name in args.experiment:
                tic = time.perf_counter()
                summary, _ = run_experiment(cfg, Path(tmp) / "pretrain" / "model", Path(tmp) / "finetune", Path(tmp) / "done.jsonl")
                entry["experiment"] = summary
                entry["experiment_wall_seconds"] = round(time.perf_counter() - tic, 1)
        results["configs"][name] = entry
        args.out.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")  # partial results survive a timeout
        print(name, {k: entry[k] for k in ("parameters", "tokens", "tokens_per_second", "final_loss", "known_accuracy")},
              {f: (g.get("held_out", {}).get("accuracy"), g.get("known", {}).get("accuracy")) for f, g in entry["gate"].items()},
              flush=True)


if __name__ == "__main__":
    main()
