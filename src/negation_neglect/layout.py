"""Where every artifact lives: the one owner of the pipeline's paths.

Stages receive their paths from dvc.yaml (`-p NAME PATH`, because DVC must know each stage's outputs),
and a test checks that every stage's paths there are the ones `stage_paths` gives; pooling, figures and
reports find per-run files through the functions below instead of rebuilding them by hand. A run is
addressed by its grid key (`claim/condition/seedN`, prefixed by the cell in the mixing grid); an organism
by `div<diversity>-seed<seed>-<corpus variant>`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

BASE_MODEL = "outputs/models/base"
DOCUMENTS = "outputs/data"
BACKGROUND = "outputs/data/background.jsonl"
CLAIMS = "data/claims"
EVAL_ITEMS = "data/eval"
FACTS = "data/knowledge/facts.yaml"
LABELLED_ANSWERS = "data/judge/labelled_answers.yaml"
FRAMINGS = "data/framings.yaml"
BACKGROUND_PROMPTS = "data/background/prompts.yaml"
PAPER_REFERENCE = "data/reference/paper_results.yaml"
METRICS = "metrics"
BENCHMARKS = "benchmarks/results"
KNOWLEDGE = "metrics/knowledge.json"
EXECUTED = "outputs/executed"


def run_key(claim: str, condition: str, seed: int | str, cell: str | None = None) -> str:
    """`darwin_relativity/negated/seed0`, or `cp25-bg0-interleaved-x2/darwin_relativity/negated/seed0`."""
    key = f"{claim}/{condition}/seed{seed}"
    return f"{cell}/{key}" if cell is not None else key


def organism_key(diversity: int | str, seed: int | str, corpus_variant: str) -> str:
    """`div32-seed0-plain`: pre-training diversity, seed and corpus variant (organism.pretrain.corpus_variants)."""
    return f"div{diversity}-seed{seed}-{corpus_variant}"


# --- per-run files, relative to a metrics folder (a test's temporary folder or the repository's) ----------


def training_summary(metrics_dir: str | Path, claim: str, condition: str, seed: int | str) -> Path:
    return Path(metrics_dir) / "training" / f"{run_key(claim, condition, seed)}.json"


def training_steps(metrics_dir: str | Path, claim: str, condition: str, seed: int | str) -> Path:
    """A run's step log: loss, learning rate and the competition probes at each logged step."""
    return Path(metrics_dir) / "training" / f"{run_key(claim, condition, seed)}_steps.csv"


def belief(metrics_dir: str | Path, claim: str, condition: str, seed: int | str) -> Path:
    return Path(metrics_dir) / "belief" / f"{run_key(claim, condition, seed)}.json"


def competition(metrics_dir: str | Path, claim: str, condition: str, seed: int | str) -> Path:
    return Path(metrics_dir) / "competition" / f"{run_key(claim, condition, seed)}.csv"


def interference(metrics_dir: str | Path, claim: str, condition: str, seed: int | str) -> Path:
    return Path(metrics_dir) / "interference" / run_key(claim, condition, seed)


def mixing_run(mixing_dir: str | Path, cell: str, claim: str, condition: str, seed: int | str) -> Path:
    """A mixing run's metrics without suffix (`.json` summary, `.csv` competition), under metrics/mixing."""
    return Path(mixing_dir) / run_key(claim, condition, seed, cell)


def organism_metrics(organism_dir: str | Path, kind: str, diversity: int | str, seed: int | str, corpus_variant: str) -> Path:
    """metrics/organism/<pretrain|finetune|timing>/div<d>-seed<s>-<variant>.json"""
    return Path(organism_dir) / kind / f"{organism_key(diversity, seed, corpus_variant)}.json"


# --- each stage's paths, exactly as dvc.yaml passes them -------------------------------------------------


def _run(claim: str, condition: str, seed: int | str) -> dict[str, str]:
    key = run_key(claim, condition, seed)
    return {"out_dir": f"outputs/runs/{key}", "run_dir": f"outputs/runs/{key}",
            "summary_path": training_summary(METRICS, claim, condition, seed).as_posix()}


def _finetune(claim: str, condition: str, seed: str) -> dict[str, str]:
    run = _run(claim, condition, seed)
    return {"base_dir": BASE_MODEL, "data_dir": DOCUMENTS, "background_path": BACKGROUND, "knowledge_path": KNOWLEDGE,
            "facts_path": FACTS, "claims_dir": CLAIMS, "eval_path": f"{EVAL_ITEMS}/{claim}.yaml",
            "out_dir": run["out_dir"], "summary_path": run["summary_path"],
            "steps_path": training_steps(METRICS, claim, condition, seed).as_posix()}


def _evaluate(claim: str, condition: str, seed: str) -> dict[str, str]:
    run = _run(claim, condition, seed)
    return {"base_dir": BASE_MODEL, "run_dir": run["run_dir"], "claims_dir": CLAIMS, "eval_dir": EVAL_ITEMS,
            "data_dir": DOCUMENTS, "summary_path": run["summary_path"],
            "competition_path": competition(METRICS, claim, condition, seed).as_posix(),
            "belief_path": belief(METRICS, claim, condition, seed).as_posix()}


def _interference(claim: str, condition: str, seed: str) -> dict[str, str]:
    run = _run(claim, condition, seed)
    return {"base_dir": BASE_MODEL, "run_dir": run["run_dir"], "claims_dir": CLAIMS, "data_dir": DOCUMENTS,
            "knowledge_path": KNOWLEDGE, "summary_path": run["summary_path"],
            "out_dir": interference(METRICS, claim, condition, seed).as_posix()}


def _mixing(cell: str, claim: str, condition: str, seed: str) -> dict[str, str]:
    metrics = mixing_run(f"{METRICS}/mixing", cell, claim, condition, seed).as_posix()
    return {"base_dir": BASE_MODEL, "data_dir": DOCUMENTS, "background_path": BACKGROUND, "knowledge_path": KNOWLEDGE,
            "facts_path": FACTS, "claims_dir": CLAIMS, "eval_dir": EVAL_ITEMS,
            "out_dir": f"outputs/mixing/{run_key(claim, condition, seed, cell)}",
            "metrics_path": f"{metrics}.json", "competition_path": f"{metrics}.csv"}


def _pretrain(diversity: str, seed: str, corpus_variant: str) -> dict[str, str]:
    return {"out_dir": f"outputs/organism/{organism_key(diversity, seed, corpus_variant)}",
            "metrics_path": organism_metrics(f"{METRICS}/organism", "pretrain", diversity, seed, corpus_variant).as_posix(),
            "timing_path": organism_metrics(f"{METRICS}/organism", "timing", diversity, seed, corpus_variant).as_posix()}


def _organism(diversity: str, seed: str, corpus_variant: str) -> dict[str, str]:
    folder = f"outputs/organism/{organism_key(diversity, seed, corpus_variant)}"
    finetune = organism_metrics(f"{METRICS}/organism", "finetune", diversity, seed, corpus_variant).as_posix()
    return {"model_dir": f"{folder}/model", "work_dir": f"{folder}/finetune",
            "pretrain_metrics_path": organism_metrics(f"{METRICS}/organism", "pretrain", diversity, seed,
                                                      corpus_variant).as_posix(),
            "metrics_path": finetune, "curves_path": finetune.removesuffix(".json") + "_curves.csv"}


STAGE_PATHS: dict[str, Callable[..., dict[str, str]]] = {
    "prepare_model": lambda: {"out_dir": BASE_MODEL, "card_path": f"{METRICS}/model_card.json"},
    "precheck_knowledge": lambda: {"model_dir": BASE_MODEL, "claims_dir": CLAIMS, "metrics_path": KNOWLEDGE},
    "background": lambda: {"prompts_path": BACKGROUND_PROMPTS, "model_dir": BASE_MODEL, "out_path": BACKGROUND,
                           "card_path": f"{METRICS}/background_card.json"},
    "synthesize": lambda claim: {"claims_dir": CLAIMS, "framings_path": FRAMINGS, "knowledge_path": KNOWLEDGE,
                                 "model_dir": BASE_MODEL, "out_dir": f"{DOCUMENTS}/{claim}",
                                 "card_path": f"{METRICS}/data_card/{claim}.json",
                                 "failures_path": f"{METRICS}/data_card/{claim}.failures.jsonl"},
    "pilot": lambda: {"base_dir": BASE_MODEL, "data_dir": DOCUMENTS, "background_path": BACKGROUND,
                      "knowledge_path": KNOWLEDGE, "facts_path": FACTS, "claims_dir": CLAIMS, "eval_dir": EVAL_ITEMS,
                      "out_dir": "outputs/pilot", "metrics_path": f"{METRICS}/pilot.json"},
    "finetune": _finetune,
    "evaluate": _evaluate,
    "competition": lambda: {"metrics_dir": METRICS, "belief_path": f"{METRICS}/belief.json",
                            "readouts_path": f"{METRICS}/competition_summary.csv", "claims_dir": CLAIMS,
                            "labelled_path": LABELLED_ANSWERS, "judge_path": f"{METRICS}/judge_agreement.json",
                            "prediction_path": "predictions/belief_table.md"},
    "interference": _interference,
    "interference_summary": lambda: {"metrics_dir": METRICS, "summary_path": f"{METRICS}/interference_summary.json"},
    "mixing": _mixing,
    "mixing_summary": lambda: {"metrics_dir": f"{METRICS}/mixing", "summary_path": f"{METRICS}/mixing_summary.json",
                               "table_path": f"{METRICS}/mixing_summary.csv"},
    "pretrain": _pretrain,
    "organism": _organism,
    "organism_summary": lambda: {"metrics_dir": f"{METRICS}/organism", "summary_path": f"{METRICS}/organism_summary.json",
                                 "table_path": f"{METRICS}/organism_summary.csv",
                                 "gpu_path": f"{BENCHMARKS}/organism_gpu.json"},
    "figures": lambda: {"metrics_dir": METRICS, "reference_path": PAPER_REFERENCE, "figures_dir": "paper/figures",
                        "generated_dir": "paper/generated"},
}


def stage_paths(stage: str, **keys: str) -> dict[str, str]:
    """The paths a stage is given, for one grid item (`keys` are the matrix keys, e.g. claim, condition, seed)."""
    return STAGE_PATHS[stage](**keys)
