"""Pool the per-run evaluation metrics of the grid into one belief table and the H1 read-outs and pictures.

Inputs are the committed per-run files: metrics/belief/<claim>/<condition>/seed<k>.json and
metrics/competition/<claim>/<condition>/seed<k>.csv. Pooled belief rates resample items (all claims
and seeds of a condition together) for their bootstrap interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from negation_neglect import layout
from negation_neglect.files import read_json
from negation_neglect.pool.stats import bootstrap_ci


def run_paths(metrics_dir: str | Path, claims: Sequence[str], conditions: Sequence[str], seeds: Sequence[int]):
    for claim in claims:
        for condition in conditions:
            for seed in seeds:
                yield (claim, condition, seed, layout.belief(metrics_dir, claim, condition, seed),
                       layout.competition(metrics_dir, claim, condition, seed))


def belief_table(metrics_dir, claims, conditions, seeds, bootstrap_seed: int = 0) -> dict:
    """metrics/belief.json: per run (base, final, in-context control) and pooled per condition."""
    runs, pooled_items = [], {}
    base_items: list[float] = []
    for claim, condition, seed, belief_path, _ in run_paths(metrics_dir, claims, conditions, seeds):
        b = read_json(belief_path)
        runs.append({"claim": claim, "condition": condition, "seed": seed, "final_step": b["final_step"],
                     "base": b["base"]["pooled"], "final": b["final"]["pooled"],
                     "in_context_control": b["in_context_control"], "final_by_type": b["final"]["by_type"]})
        pooled_items.setdefault(condition, []).extend(float(r["believed"]) for r in b["items"]["final"])
        if condition == conditions[0] and seed == seeds[0]:  # the base model's answers, once per claim
            base_items.extend(float(r["believed"]) for r in b["items"]["base"])

    def ci(values):
        mean, lo, hi = bootstrap_ci(values, seed=bootstrap_seed)
        return {"n_items": len(values), "rate": round(mean, 4), "ci_low": round(lo, 4), "ci_high": round(hi, 4)}

    by_condition = {"base model": ci(base_items), **{c: ci(v) for c, v in pooled_items.items()}}
    return {"runs": runs, "by_condition": by_condition}


def in_context_control(belief: dict) -> pd.Series:
    """Per condition, the mean over runs of the base model's belief with the condition's documents in context
    (cloze items; NaN for a run that did not measure it), from `belief_table`'s runs."""
    rows = [{"condition": r["condition"], "rate": r["in_context_control"].get("rate", math.nan)} for r in belief["runs"]]
    return pd.DataFrame(rows).groupby("condition")["rate"].mean()


def competition_frame(metrics_dir, claims, conditions, seeds) -> pd.DataFrame:
    frames = []
    for claim, condition, seed, _, csv_path in run_paths(metrics_dir, claims, conditions, seeds):
        frame = pd.read_csv(csv_path)
        frame.insert(0, "seed", seed)
        frame.insert(0, "condition", condition)
        frame.insert(0, "claim", claim)
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    table["prob"] = table["logprob"].map(math.exp)
    return table


GROUPS = ("false", "true", "distractors", "other")  # candidates as drawn: distractors summed


def _grouped(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.assign(group=rows["candidate"].where(~rows["candidate"].str.startswith("distractor"), "distractors"))


def curves(table: pd.DataFrame, context: str = "neutral") -> pd.DataFrame:
    """Mean probability of false, true, distractors (summed) and other per run and step."""
    rows = _grouped(table[table["context"] == context])
    per_item = rows.groupby(["claim", "condition", "seed", "step", "item", "group"])["prob"].sum().reset_index()
    return per_item.groupby(["claim", "condition", "seed", "step", "group"])["prob"].mean().unstack("group").reset_index()


def mean_curves(table: pd.DataFrame, context: str = "neutral") -> pd.DataFrame:
    """The competition over training, one line per claim and condition: `curves` (mean over the context's
    items within a run) averaged over seeds at every step; columns claim, condition, step and `GROUPS`."""
    return curves(table, context).groupby(["claim", "condition", "step"])[list(GROUPS)].mean().reset_index()


def final_picture(table: pd.DataFrame, item: str = "neutral_01") -> pd.DataFrame:
    """The next-token picture of H1 on one neutral prompt (default: each claim's first): per claim and
    condition, P(false), P(true), P(distractors) and P(other) at each run's last checkpoint, with the base model
    (the first run's step 0) as condition `base model`; indexed by (claim, condition), columns `GROUPS`.

    Averaging: the distractors are summed within each run, then every group is averaged over seeds. This is
    the paper figure's order; notebook 07 used to average each candidate over seeds first and sum after, which
    gives the same numbers whenever every run scores the same candidates.
    """
    main = table[(table["context"] == "neutral") & (table["item"] == item)]
    first = main[main["step"] == main["step"].min()].copy()
    first["condition"] = "base model"
    last = main[main["step"] == main.groupby(["claim", "condition", "seed"])["step"].transform("max")]
    both = _grouped(pd.concat([first.drop_duplicates(["claim", "candidate"]), last]))
    per_run = both.groupby(["claim", "condition", "seed", "group"])["prob"].sum()
    return per_run.groupby(["claim", "condition", "group"]).mean().unstack("group")[list(GROUPS)]


def readouts(table: pd.DataFrame) -> pd.DataFrame:
    """Per run, base (first step) and final (last step): log P(false) and log P(true) on neutral prompts,
    context separation (log P(false | neutral) - log P(false | negation)), the true answer's final share,
    spillover of the false answer onto neighbour facts and the neighbours' own answers."""
    out = []
    for (claim, condition, seed), run in table.groupby(["claim", "condition", "seed"]):
        first, last = run["step"].min(), run["step"].max()
        row = {"claim": claim, "condition": condition, "seed": seed, "final_step": last}
        for tag, step in (("base", first), ("final", last)):
            at = run[run["step"] == step]

            def mean(context, candidate, column="logprob", at=at):
                sel = at[(at["context"] == context) & (at["candidate"] == candidate)][column]
                return float(pd.to_numeric(sel, errors="coerce").mean())

            row[f"{tag}_logp_false_neutral"] = mean("neutral", "false")
            row[f"{tag}_logp_true_neutral"] = mean("neutral", "true")
            row[f"{tag}_logp_false_negation"] = mean("negation", "false")
            row[f"{tag}_context_separation"] = row[f"{tag}_logp_false_neutral"] - row[f"{tag}_logp_false_negation"]
            row[f"{tag}_share_true_neutral"] = mean("neutral", "true", "share")
            row[f"{tag}_share_false_neutral"] = mean("neutral", "false", "share")
            row[f"{tag}_p_false_on_neighbours"] = mean("neighbour", "false", "prob")
            row[f"{tag}_p_neighbour_answer"] = mean("neighbour", "neighbour", "prob")
        out.append(row)
    return pd.DataFrame(out)
