"""Pool the per-run evaluation metrics of the grid into one belief table and the H1 read-outs and pictures.

Inputs are the committed per-run files: metrics/belief/<claim>/<condition>/seed<k>.json and
metrics/competition/<claim>/<condition>/seed<k>.csv. The pooled belief headline of a condition is the share
of believed items among the informative ones (measure.precheck: the base model prefers the truth there) over
all its runs, with a cluster-bootstrap interval that resamples runs (claims x seeds), never items; the
per-type table and the rate over all items stand beside it. Imported questions (a run's `imported` section,
measure.imported) never enter the headline: where runs have them, their types join the per-type tables and
an `imported` entry gives their own rate; without them the table is as it was.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from negation_neglect import layout
from negation_neglect.files import read_json
from negation_neglect.measure.precheck import informative
from negation_neglect.pool.stats import cluster_bootstrap_ci, cluster_bootstrap_difference


def run_paths(metrics_dir: str | Path, claims: Sequence[str], conditions: Sequence[str], seeds: Sequence[int],
              missing: list[str] | None = None):
    """Every evaluated run of the grid (claim, condition, seed, belief path, competition path). A grid run cell
    by cell over several sessions is pooled as far as it got: runs not evaluated yet are skipped and, when
    `missing` is given, named there (`claim/condition/seedN`)."""
    for claim in claims:
        for condition in conditions:
            for seed in seeds:
                belief = layout.belief(metrics_dir, claim, condition, seed)
                if not belief.is_file():
                    if missing is not None:
                        missing.append(layout.run_key(claim, condition, seed))
                    continue
                yield claim, condition, seed, belief, layout.competition(metrics_dir, claim, condition, seed)


def _flags(b: dict) -> dict[str, bool]:
    """The run's informative items: as stored, or recomputed from its base records (files written before the
    precheck existed)."""
    stored = {r["item"]: r["informative"] for r in b["items"]["base"] if "informative" in r}
    return stored if len(stored) == len(b["items"]["base"]) else informative(b["items"]["base"])


def _imported(b: dict) -> tuple[list[dict], list[dict], list[dict], list[dict]] | None:
    """A run's imported records: (final informative, final, base informative, base), or None without any."""
    section = b.get("imported")
    if not section:
        return None
    flags = {r["item"]: r["informative"] for r in section["items"]["base"]}
    base, final = section["items"]["base"], section["items"]["final"]
    return [r for r in final if flags[r["item"]]], final, [r for r in base if flags[r["item"]]], base


def _pooled(clusters: list[list[dict]], seed: int, types: list[str] | None = None) -> dict:
    """Headline (all of `clusters`' records) and per type (`types`, default those present), each a rate with a
    cluster-bootstrap interval over runs; a type with no items has rate and interval None."""
    def rate(rows_per_run):
        n = sum(len(rows) for rows in rows_per_run)
        if not n:
            return {"n_items": 0, "n_runs": len(rows_per_run), "rate": None, "ci_low": None, "ci_high": None}
        mean, lo, hi = cluster_bootstrap_ci([[float(r["believed"]) for r in rows] for rows in rows_per_run], seed=seed)
        return {"n_items": n, "n_runs": len(rows_per_run), "rate": round(mean, 4), "ci_low": round(lo, 4),
                "ci_high": round(hi, 4)}

    types = types if types is not None else sorted({r["type"] for rows in clusters for r in rows})
    return {**rate(clusters), "by_type": {t: rate([[r for r in rows if r["type"] == t] for rows in clusters]) for t in types}}


MARGIN_TYPES = ("cloze", "pushback", "adversarial", "downstream")  # scored by log P(false) - log P(true) in nats


def mean_margin(clusters: list[list[dict]], seed: int = 0) -> dict:
    """How far the false answer leads the true one: the mean margin log P(false) - log P(true) (nats) over the
    `MARGIN_TYPES` items of `clusters` (runs), with a cluster-bootstrap interval over runs. Descriptive, beside
    the per-item rate, which saturates once the false answer wins every item."""
    values = [[float(r["margin"]) for r in rows if r["type"] in MARGIN_TYPES] for rows in clusters]
    n = sum(len(v) for v in values)
    if not n:
        return {"n_items": 0, "mean": None, "ci_low": None, "ci_high": None}
    mean, lo, hi = cluster_bootstrap_ci(values, seed=seed)
    return {"n_items": n, "mean": round(mean, 3), "ci_low": round(lo, 3), "ci_high": round(hi, 3)}


TRAINED_ON = ("steps", "loss_tokens", "mentions.false", "mentions.true")  # per run, from its training summary
IN_CONTEXT_USED = ("documents", "tokens", "mentions.false", "mentions.true")  # per run, the in-context control's context


def _run_means(records: list[dict], keys: Sequence[str]) -> dict:
    """Mean over runs of each (dotted) key, over the runs that recorded it (`n_runs`); None where none did
    (files written before the key existed)."""
    def get(record: dict, key: str):
        for part in key.split("."):
            record = record.get(part) if isinstance(record, dict) else None
        return record

    out: dict = {"n_runs": sum(all(get(r, k) is not None for k in keys) for r in records)}
    for key in keys:
        values = [get(r, key) for r in records if get(r, key) is not None]
        head, _, tail = key.partition(".")
        value = round(sum(values) / len(values), 2) if values else None
        if tail:
            out.setdefault(head, {})[tail] = value
        else:
            out[key] = value
    return out


def belief_table(metrics_dir, claims, conditions, seeds, bootstrap_seed: int = 0) -> dict:
    """metrics/belief.json: per run (base, final, informative headline, in-context control) and per condition
    (`by_condition`): `rate`, `ci_low`, `ci_high`, `n_items`, `n_runs` over informative items, `by_type` the same
    per item type, `all_items` over every item; `base model` is each claim's base model once (its informative rate
    is zero by construction, its `all_items` rate is the base rate of the whole suite). Beside belief, per run and as
    means over a condition's runs: what each run trained on (`trained_on`: steps, loss tokens, loss-bearing
    mentions of the false and the true answer) and what its in-context control held (`in_context_used`:
    documents, tokens, mentions)."""
    runs = []
    informative_runs: dict[str, list[list[dict]]] = {}
    all_runs: dict[str, list[list[dict]]] = {}
    base_of: dict[str, list[dict]] = {}
    imported_informative: dict[str, list[list[dict]]] = {}  # runs with imported questions only
    imported_all: dict[str, list[list[dict]]] = {}
    missing: list[str] = []
    for claim, condition, seed, belief_path, _ in run_paths(metrics_dir, claims, conditions, seeds, missing):
        b = read_json(belief_path)
        flags = _flags(b)
        final = b["items"]["final"]
        kept = [r for r in final if flags.get(r["item"], False)]
        headline = _pooled([kept], bootstrap_seed)
        runs.append({"claim": claim, "condition": condition, "seed": seed, "final_step": b["final_step"],
                     "base": b["base"]["pooled"], "final": b["final"]["pooled"],
                     "final_informative": {k: headline[k] for k in ("n_items", "rate", "ci_low", "ci_high")},
                     "uninformative_items": sorted(k for k, v in flags.items() if not v),
                     "in_context_control": b["in_context_control"], "final_by_type": b["final"]["by_type"],
                     "trained_on": b.get("trained_on", {}), "in_context_used": b.get("in_context_used", {})})
        informative_runs.setdefault(condition, []).append(kept)
        all_runs.setdefault(condition, []).append(final)
        imported = _imported(b)
        if imported:
            mine = _pooled([imported[0]], bootstrap_seed)
            runs[-1]["final_imported"] = {k: mine[k] for k in ("n_items", "rate", "ci_low", "ci_high")}
            runs[-1]["final_imported_by_type"] = b["imported"]["final"]["by_type"]
            imported_informative.setdefault(condition, []).append(imported[0])
            imported_all.setdefault(condition, []).append(imported[1])
        if claim not in base_of:  # the base model's answers, once per claim (the same in every run of the claim)
            base = base_of[claim] = b["items"]["base"]
            informative_runs.setdefault("base model", []).append([r for r in base if flags.get(r["item"], False)])
            all_runs.setdefault("base model", []).append(base)
            if imported:
                imported_informative.setdefault("base model", []).append(imported[2])
                imported_all.setdefault("base model", []).append(imported[3])

    def entry(condition):
        every = _pooled(all_runs[condition], bootstrap_seed)
        out = _pooled(informative_runs[condition], bootstrap_seed, sorted(every["by_type"]))
        out = {**out, "all_items": {k: v for k, v in every.items() if k != "by_type"}, "all_items_by_type": every["by_type"],
               "margin": mean_margin(informative_runs[condition], bootstrap_seed)}
        if condition in imported_all:
            out = {**out, **_imported_entry(imported_informative[condition], imported_all[condition], out, bootstrap_seed)}
        if condition != "base model":
            mine = [r for r in runs if r["condition"] == condition]
            out["trained_on"] = _run_means([r["trained_on"] for r in mine], TRAINED_ON)
            out["in_context_used"] = _run_means([r["in_context_used"] for r in mine], IN_CONTEXT_USED)
        return out

    order = ["base model", *[c for c in conditions if c in all_runs]]
    trained = [c for c in conditions if c in informative_runs]
    return {"runs": runs, "planned_runs": len(claims) * len(conditions) * len(seeds), "missing_runs": missing,
            "by_condition": {c: entry(c) for c in order if c in all_runs},
            "separations": separations(informative_runs, trained, bootstrap_seed),
            "base_by_claim": base_by_claim(runs, base_of)}


def _imported_entry(informative_runs: list[list[dict]], all_runs: list[list[dict]], entry: dict, seed: int) -> dict:
    """A condition's imported questions: their types added to its per-type tables, and their own rate
    (`imported`, over informative imported items; `all_items` over every one) beside the headline."""
    every = _pooled(all_runs, seed)
    mine = _pooled(informative_runs, seed, sorted(every["by_type"]))
    return {"by_type": {**entry["by_type"], **mine["by_type"]},
            "all_items_by_type": {**entry["all_items_by_type"], **every["by_type"]},
            "imported": {**{k: v for k, v in mine.items() if k != "by_type"},
                         "all_items": {k: v for k, v in every.items() if k != "by_type"}}}


def separations(informative_runs: dict[str, list[list[dict]]], conditions: Sequence[str], seed: int = 0) -> dict:
    """Every pair of trained conditions (`a|b`, in params order): the difference of their headline belief
    (a - b) with a 95% cluster-bootstrap interval, runs resampled within each condition; `separated` when the
    interval excludes 0."""
    out = {}
    for i, a in enumerate(conditions):
        for b in conditions[i + 1:]:
            values = [[[float(r["believed"]) for r in rows] for rows in informative_runs[c]] for c in (a, b)]
            diff, lo, hi = cluster_bootstrap_difference(*values, seed=seed)
            if math.isnan(diff):
                continue
            out[f"{a}|{b}"] = {"difference": round(diff, 4), "ci_low": round(lo, 4), "ci_high": round(hi, 4),
                               "separated": bool(lo > 0 or hi < 0)}
    return out


def base_by_claim(runs: list[dict], base_of: dict[str, list[dict]]) -> dict:
    """Per claim, the base model over all items: its rate, per-type rates, and how many items are informative
    (the base model prefers the truth there); the excess of the all-items rate is located by type."""
    out = {}
    for claim, records in base_of.items():
        uninformative = next(r["uninformative_items"] for r in runs if r["claim"] == claim)
        by_type = {t: [r for r in records if r["type"] == t] for t in sorted({r["type"] for r in records})}
        out[claim] = {"n_items": len(records), "rate": round(sum(r["believed"] for r in records) / len(records), 4),
                      "n_informative": len(records) - len(uninformative),
                      "by_type": {t: {"n": len(v), "rate": round(sum(r["believed"] for r in v) / len(v), 4),
                                      "n_informative": sum(r["item"] not in uninformative for r in v)}
                                  for t, v in by_type.items()}}
    return out


def pooled_training_summaries(metrics_dir: str | Path) -> list[Path]:
    """The training summaries of the runs metrics/belief.json pooled (not every file under metrics/training:
    while a grid runs cell by cell, finished cells land there before the pooled stages run again)."""
    belief = Path(metrics_dir) / "belief.json"
    if not belief.is_file():
        return []
    return [layout.training_summary(metrics_dir, r["claim"], r["condition"], r["seed"]) for r in read_json(belief)["runs"]]


def in_context_control(belief: dict) -> pd.Series:
    """Per condition, the mean over runs of the base model's belief with the condition's documents in context
    (cloze items; NaN for a run that did not measure it), from `belief_table`'s runs."""
    rows = [{"condition": r["condition"], "rate": r["in_context_control"].get("rate", math.nan)} for r in belief["runs"]]
    return pd.DataFrame(rows).groupby("condition")["rate"].mean()


def competition_frame(metrics_dir, claims, conditions, seeds) -> pd.DataFrame:
    """Every evaluated run's competition rows (runs not evaluated yet are skipped, as in `belief_table`)."""
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
