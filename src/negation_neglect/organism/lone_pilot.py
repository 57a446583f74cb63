"""The lone-claim gate pilot: two organisms that differ only in the corpus mix, read on the lone-claim gate.

`run_pilot` pre-trains one organism on today's mix (no lone-claim episodes) and one with them (the params'
`corpus.lone` and `corpus.lone_marker`), at the same size, steps and seed, and writes one small JSON file with
both organisms' gates and the verdict of predictions/organism_lone_gate.md, read with that file's threshold.

    python -m negation_neglect.organism.lone_pilot --steps 600 --out outputs/organism/lone_pilot \\
        --metrics metrics/organism/lone_gate_pilot.json

`search` is the record of what was tried on the way to an organism that passes: one organism per call, the
params' organism section with named overrides (`--set corpus.lone=1 model.layers=6`), its lone-claim gate
appended as one line to a committed log, so every attempt's numbers stay with the settings that produced them.

    python -m negation_neglect.organism.lone_pilot --steps 2000 --search "lone episodes only" \\
        --set corpus.fact=0 corpus.qa=0 corpus.framed=0 corpus.fresh=0 corpus.lone=1
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import time
from pathlib import Path

import yaml

from negation_neglect.files import write_json
from negation_neglect.organism.experiment import pretrain_organism
from negation_neglect.params import OrganismParams, load_params
from negation_neglect.report.predictions import PREDICTIONS, read_prediction
from negation_neglect.organism.world import LONE_FRAMINGS, LONE_SUBJECTS

PREDICTION = "organism_lone_gate"


def mixes(cfg: OrganismParams) -> dict[str, OrganismParams]:
    """`old_mix`: the params' corpus without lone-claim episodes; `new_mix`: the params' corpus as it is."""
    old = cfg.model_copy(update={"corpus": cfg.corpus.model_copy(update={"lone": 0.0, "lone_marker": 0.0})})
    return {"new_mix": cfg, "old_mix": old}


def verdict(organism: dict, min_accuracy: float) -> dict:
    """Holds when every lone framing reaches `min_accuracy` on both question forms (point estimates)."""
    failing = [f"{framing}/{subject}" for framing in LONE_FRAMINGS for subject in LONE_SUBJECTS
               if organism["lone_gate"]["framings"][framing][subject]["accuracy"] < min_accuracy]
    return {"min_accuracy": min_accuracy, "holds": not failing, "failing": failing}


def run_pilot(cfg: OrganismParams, diversity: int, seed: int, out_dir: str | Path, metrics_path: str | Path,
              predictions_dir: str | Path = PREDICTIONS, prediction: str = PREDICTION, only: str | None = None) -> dict:
    """Pre-train both mixes (or `only` one of them), read their gates, judge the new mix by `prediction`."""
    min_accuracy = read_prediction(Path(predictions_dir) / f"{prediction}.md")["thresholds"]["min_accuracy"]
    result: dict = {
        "experiment": prediction,
        "diversity": diversity,
        "seed": seed,
        "model": cfg.model.model_dump(mode="json"),
        "pretrain": {k: getattr(cfg.pretrain, k) for k in ("steps", "batch_size", "block_size", "lr")},
        "organisms": {},
    }
    for name, mine in mixes(cfg).items():
        if only and name != only:
            continue
        start = time.perf_counter()
        metrics = pretrain_organism(mine, diversity, seed, Path(out_dir) / name)
        keep = ("parameters", "tokens", "final_loss", "known_accuracy", "gate", "lone_gate")
        result["organisms"][name] = {"corpus": mine.corpus.model_dump(mode="json"), **{k: metrics[k] for k in keep},
                                     "wall_seconds": round(time.perf_counter() - start, 1)}
    if "new_mix" in result["organisms"]:
        result["verdict"] = verdict(result["organisms"]["new_mix"], min_accuracy)
    if "old_mix" in result["organisms"]:
        result["old_mix_passes"] = verdict(result["organisms"]["old_mix"], min_accuracy)["holds"]
    write_json(metrics_path, result)
    return result


def reread(cfg: OrganismParams, out_dir: str | Path, metrics_path: str | Path) -> dict:
    """The lone-claim gate as the code now defines it (probes added since included), on finished pilot organisms
    under `out_dir`; written apart from the pilot's own metrics, which stay as the run wrote them."""
    import torch
    from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast

    from negation_neglect.organism.experiment import world_of
    from negation_neglect.organism.gate import lone_gate_summary, score_gate
    from negation_neglect.organism.world import lone_gate_items

    items = lone_gate_items(world_of(cfg), cfg.gate.lone_n_per_framing, cfg.gate.seed)
    result = {}
    for folder in sorted(p for p in Path(out_dir).iterdir() if (p / "model").is_dir()):
        model = AutoModelForCausalLM.from_pretrained(folder / "model", dtype=torch.float32).eval()
        tokenizer = PreTrainedTokenizerFast.from_pretrained(folder / "model")
        result[folder.name] = lone_gate_summary(score_gate(model, tokenizer, items), cfg.gate.lone_min_accuracy, seed=cfg.gate.seed)
    write_json(metrics_path, result)
    return result


def with_overrides(cfg: OrganismParams, assignments: list[str]) -> OrganismParams:
    """`section.key=value` assignments (YAML values) applied to the organism params, validated by the schema;
    an unknown section or key fails naming it."""
    data = cfg.model_dump(mode="json")
    for assignment in assignments:
        path, sep, value = assignment.partition("=")
        section, _, key = path.partition(".")
        if not sep or section not in data or not isinstance(data[section], dict) or key not in data[section]:
            raise ValueError(f"--set {assignment!r}: expected <section>.<key>=<value> with a key of the organism params, "
                             f"e.g. corpus.lone=1; sections: {', '.join(k for k, v in data.items() if isinstance(v, dict))}")
        data[section][key] = yaml.safe_load(value)
    return OrganismParams.model_validate(data)


def code_version() -> str | None:
    """The commit the code ran at (`+dirty` when the package or params had uncommitted changes), or None outside git."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src", "params.yaml"], capture_output=True,
                               text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty" if dirty else "")


def search_entry(cfg: OrganismParams, label: str, overrides: list[str], diversity: int, seed: int, out_dir: str | Path) -> dict:
    """Pre-train one organism under `cfg` and summarise what the search needs from it."""
    version = code_version()
    start = time.perf_counter()
    metrics = pretrain_organism(cfg, diversity, seed, out_dir)
    lone = metrics["lone_gate"]
    return {
        "label": label, "code": version, "overrides": overrides, "diversity": diversity, "seed": seed,
        "model": cfg.model.model_dump(mode="json"), "corpus": cfg.corpus.model_dump(mode="json"),
        "pretrain": {k: getattr(cfg.pretrain, k) for k in ("steps", "batch_size", "block_size", "lr")},
        **{k: metrics[k] for k in ("parameters", "tokens", "final_loss", "known_accuracy")},
        "wall_seconds": round(time.perf_counter() - start, 1),
        "balanced_binary": lone.get("balanced_binary"),
        "lone_gate": {framing: {subject: entry[subject]["accuracy"] for subject in entry if isinstance(entry[subject], dict)}
                      for framing, entry in lone["framings"].items()},
        "passes": verdict(metrics, cfg.gate.lone_min_accuracy)["holds"],
        # the contrast gate on unseen people: at chance here, the organism has not learned to copy from its context
        "contrast_held_out": {framing: entry["held_out"]["accuracy"] for framing, entry in metrics["gate"].items()
                              if "held_out" in entry},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, required=True)
    parser.add_argument("--diversity", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="outputs/organism/lone_pilot")
    parser.add_argument("--metrics", default="metrics/organism/lone_gate_pilot.json")
    parser.add_argument("--prediction", default=PREDICTION, help="the prediction file (predictions/NAME.md) that judges it")
    parser.add_argument("--only", choices=("new_mix", "old_mix"), help="pre-train one of the two mixes")
    parser.add_argument("--reread", action="store_true", help="read the finished organisms under --out with today's gate")
    parser.add_argument("--search", metavar="LABEL", help="pre-train one organism with --set overrides; append to --log")
    parser.add_argument("--set", nargs="*", default=[], metavar="SECTION.KEY=VALUE", help="organism params overrides")
    parser.add_argument("--log", default="metrics/organism/lone_gate_search.jsonl")
    parser.add_argument("--threads", type=int, help="torch threads (leave cores to other work)")
    args = parser.parse_args()
    cfg = load_params().organism
    if args.search:
        overrides = [*args.set, f"pretrain.steps={args.steps}", "pretrain.device=cpu"]
        if args.threads:
            import torch

            torch.set_num_threads(args.threads)
        slug = re.sub(r"[^a-z0-9]+", "-", args.search.lower()).strip("-")
        entry = search_entry(with_overrides(cfg, overrides), args.search, args.set, args.diversity, args.seed,
                             Path(args.out) / "search" / slug)
        with Path(args.log).open("a") as log:
            log.write(json.dumps(entry, sort_keys=True) + "\n")
        print(json.dumps({k: entry[k] for k in ("label", "final_loss", "known_accuracy", "balanced_binary", "passes")}))
        return
    if args.reread:
        reread(cfg, args.out, args.metrics)
        return
    cfg = cfg.model_copy(update={"pretrain": cfg.pretrain.model_copy(update={"steps": args.steps, "device": "cpu"})})
    result = run_pilot(cfg, args.diversity, args.seed, args.out, args.metrics, prediction=args.prediction, only=args.only)
    print(result.get("verdict"), result.get("old_mix_passes"))


if __name__ == "__main__":
    main()
