"""Pooling organisms over seeds: per-cell intervals and the tests of notebook 14.

Imported by the report side: numpy and the organism's world vocabulary only (no torch, no transformers).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from negation_neglect.organism.world import FRAMINGS, LONE_FRAMINGS, PROBES
from negation_neglect.pool.stats import permutation_spearman, seed_interval, sign_flip_test


def pool_organisms(pretrained: Sequence[dict], finetuned: Sequence[dict], negating: Sequence[str]) -> tuple[dict, list[dict]]:
    """Pool organisms (one pre-training metrics dict and one experiment dict each, matched by diversity, seed and
    corpus variant) into per-cell intervals over seeds and the tests of notebook 14.

    `understood` is the lone-claim gate's verdict with its controls (False where an organism was measured before
    that gate existed or the gate does not cover the condition), `understood_contrast` the contrast gate's. The
    neglect, diversity and replay tests read the `plain` organisms; `recurring_test` pairs each `recurring`
    organism with the `plain` one of the same diversity and seed (organisms without a variant count as plain)."""
    def organism_of(m: dict) -> tuple:
        return m["diversity"], m["seed"], m.get("corpus_variant", "plain")

    by_key = {organism_of(m): m for m in pretrained}
    rows = []
    for exp in finetuned:
        gate = by_key[organism_of(exp)]["gate"]
        lone = by_key[organism_of(exp)].get("lone_gate", {}).get("framings", {})
        for run in exp["runs"]:
            rows.append({
                "corpus_variant": organism_of(exp)[2], "diversity": exp["diversity"], "organism_seed": exp["seed"],
                "condition": run["condition"], "variant": run["variant"], "finetune_seed": run["seed"],
                "understood": bool(lone.get(run["condition"], {}).get("passes_with_controls", False)),
                "understood_contrast": gate[run["condition"]]["passes"],
                "in_context_belief": exp["in_context"][run["condition"]]["belief"], "base_belief": exp["base"]["belief"],
                "spillover_drop": round(exp["base"]["spillover_accuracy"] - run["spillover_accuracy"], 4),
                **{k: run["final"][k] for k in ("belief", "margin", "share_false", "share_true", "separation", "belief_in_negation")},
            })
    recurring_rows = [r for r in rows if r["corpus_variant"] == "recurring"]
    all_rows, rows = rows, [r for r in rows if r["corpus_variant"] == "plain"]
    table = []
    cells = sorted({(r["corpus_variant"], r["diversity"], r["condition"], r["variant"]) for r in all_rows})
    for corpus_variant, diversity, condition, variant in cells:
        mine = [r for r in all_rows if (r["corpus_variant"], r["diversity"], r["condition"], r["variant"])
                == (corpus_variant, diversity, condition, variant)]
        entry = {"corpus_variant": corpus_variant, "diversity": diversity, "condition": condition, "variant": variant,
                 "n_organisms": len({r["organism_seed"] for r in mine}),
                 "understood_share": round(float(np.mean([r["understood"] for r in mine])), 4)}
        for key in ("belief", "separation", "share_true", "in_context_belief", "spillover_drop"):
            interval = seed_interval([r[key] for r in mine])
            entry |= {key: interval["mean"], f"{key}_ci_low": interval["ci_low"], f"{key}_ci_high": interval["ci_high"]}
        table.append(entry)

    gate_rows = [{"diversity": m["diversity"], "seed": m["seed"], "framing": f, "passes": g["passes"],
                  **{s: g[s]["accuracy"] for s in ("held_out", "known") if s in g}} for m in pretrained for f, g in m["gate"].items()]
    gate = {}
    for framing in FRAMINGS:
        mine = [g for g in gate_rows if g["framing"] == framing]
        gate[framing] = {"pass_share": round(float(np.mean([g["passes"] for g in mine])), 4),
                         "held_out_accuracy": seed_interval([g["held_out"] for g in mine])}
    lone_gate = {}
    measured = [m["lone_gate"]["framings"] for m in pretrained if "lone_gate" in m]
    for framing in LONE_FRAMINGS if measured else ():
        lone_gate[framing] = {"pass_share": round(float(np.mean([m[framing]["passes_with_controls"] for m in measured])), 4),
                              **{f"{s}_accuracy": seed_interval([m[framing][s]["accuracy"] for m in measured])
                                 for s in ("lone_binary", "lone_open")},
                              # the shortcut breakers this framing has, accuracy over organisms (reported, not gated)
                              "probes": {p: seed_interval([m[framing][p]["accuracy"] for m in measured])
                                         for p in PROBES if all(p in m[framing] for m in measured)}}

    neglect = {}
    for condition in negating:
        for variant in sorted({r["variant"] for r in rows}):
            understood = [r["belief"] for r in rows if r["condition"] == condition and r["variant"] == variant and r["understood"]]
            everyone = [r["belief"] for r in rows if r["condition"] == condition and r["variant"] == variant]
            neglect[f"{condition}/{variant}"] = {
                "understood_organisms": len(understood),
                "belief_where_understood": seed_interval(understood) if understood else None,
                "belief_all": seed_interval(everyone) if everyone else None,
            }

    def per_organism(variant: str, key: str = "belief") -> tuple[list[float], list[float]]:
        xs, ys = [], []
        for diversity, seed in sorted({(r["diversity"], r["organism_seed"]) for r in rows}):
            mine = [r[key] for r in rows if (r["diversity"], r["organism_seed"], r["variant"]) == (diversity, seed, variant) and r["condition"] in negating]
            if mine:
                xs.append(diversity)
                ys.append(float(np.mean(mine)))
        return xs, ys

    diversity_tests = {}
    for variant in sorted({r["variant"] for r in rows}):
        for key in ("belief", "separation"):
            xs, ys = per_organism(variant, key)
            if len(set(xs)) > 1:
                diversity_tests[f"{key}/{variant}"] = permutation_spearman(xs, ys)
    held = {(m["diversity"], m["seed"]): float(np.mean([m["gate"][f]["held_out"]["accuracy"] for f in negating if f in m["gate"]]))
            for m in pretrained if organism_of(m)[2] == "plain"}
    if len({d for d, _ in held}) > 1:
        diversity_tests["gate_held_out/negating"] = permutation_spearman([d for d, _ in held], list(held.values()))

    replay = {}
    paired = {}
    for r in rows:
        if r["condition"] in negating and r["variant"] in ("full", "full_replay"):
            paired.setdefault((r["diversity"], r["organism_seed"], r["condition"], r["finetune_seed"]), {})[r["variant"]] = r["belief"]
    diffs = [p["full_replay"] - p["full"] for p in paired.values() if len(p) == 2]
    if diffs:
        replay = sign_flip_test(diffs)

    # does a corpus where framed false claims recur protect? recurring minus plain belief, paired by organism and run
    plain = {(r["diversity"], r["organism_seed"], r["condition"], r["variant"], r["finetune_seed"]): r["belief"] for r in rows}
    recur_diffs = [r["belief"] - plain[k] for r in recurring_rows if r["condition"] in negating
                   and (k := (r["diversity"], r["organism_seed"], r["condition"], r["variant"], r["finetune_seed"])) in plain]
    recurring = sign_flip_test(recur_diffs) if recur_diffs else {}
    variants = sorted({organism_of(m)[2] for m in pretrained})
    # controls on the plain organisms: training on plain claims must make them believed, and reading a plain document
    # about a fresh person must raise the stated value (lift > 0) where a denying one does not
    positive = [r["belief"] for r in rows if r["condition"] == "positive" and r["variant"] == "full"]
    plain_exps = [exp for exp in finetuned if organism_of(exp)[2] == "plain"]
    fresh_lift = {c: seed_interval([exp["in_context_fresh"][c]["lift"] for exp in plain_exps])
                  for c in sorted({c for exp in plain_exps for c in exp.get("in_context_fresh", {})})}
    return {"gate": gate, "lone_gate": lone_gate, "neglect": neglect, "diversity_tests": diversity_tests, "replay_test": replay,
            "recurring_test": recurring, "positive_control": seed_interval(positive) if positive else None,
            "fresh_lift": fresh_lift, "corpus_variants": variants, "n_organisms": len(finetuned)}, table
