"""Pool the grid's interference tables (hypothesis H2) into the read-outs its verdict is judged on.

Inputs are the per-run CSVs that measure/interference.py writes under metrics/interference/<claim>/<condition>/
seed<k>/ and the runs' competition CSVs; `summarise` turns them into metrics/interference_summary.json less the
`holds` flags, which report/verdicts.py adds (`interference_verdicts`). Pandas only: no model is loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

TABLES = ("gradients", "collateral", "span_loss", "attribution", "lens")
MLP = ("gate_proj", "up_proj", "down_proj")
TOP_LAYERS = 5  # layers ranked per run for the overlap read-out (`overlap_top5`)
PREDICTIONS = ("p1_gradient_conflict", "p2_truth_falls", "p3_collateral", "p4_same_layers", "p5_warnings_low_surprisal")


def decomposition(competition: pd.DataFrame) -> pd.DataFrame:
    """Per run, context and step: how much of the margin's change since step 0 comes from the false answer
    rising (delta log P(false)) and how much from the true answer falling (-delta log P(true)), averaged
    over the context's items. `false_share` = rise / (rise + fall) when both move the margin up."""
    rows = competition[competition["candidate"].isin(["false", "true"])]
    wide = rows.pivot_table(index=["context", "item", "step"], columns="candidate", values="logprob").reset_index()
    first = wide[wide["step"] == wide["step"].min()].set_index(["context", "item"])[["false", "true"]]
    wide = wide.join(first, on=["context", "item"], rsuffix="_0")
    wide["false_rise"] = wide["false"] - wide["false_0"]
    wide["true_fall"] = wide["true_0"] - wide["true"]
    out = wide.groupby(["context", "step"])[["false_rise", "true_fall"]].mean().reset_index()
    out["margin_change"] = out["false_rise"] + out["true_fall"]
    both_up = (out["false_rise"] > 0) & (out["true_fall"] > 0)
    out["false_share"] = (out["false_rise"] / out["margin_change"]).where(both_up)
    return out.round(5)


def load_grid(metrics_dir: str | Path, claims, conditions, seeds) -> dict[str, pd.DataFrame]:
    """Every run's tables concatenated, with claim / condition / seed columns, plus `decomposition`
    computed from the run's competition CSV."""
    metrics_dir = Path(metrics_dir)
    frames: dict[str, list[pd.DataFrame]] = {name: [] for name in (*TABLES, "decomposition")}
    for claim in claims:
        for condition in conditions:
            for seed in seeds:
                run = metrics_dir / "interference" / claim / condition / f"seed{seed}"
                tags = {"claim": claim, "condition": condition, "seed": seed}
                for name in TABLES:
                    frames[name].append(pd.read_csv(run / f"{name}.csv").assign(**tags))
                competition = pd.read_csv(metrics_dir / "competition" / claim / condition / f"seed{seed}.csv")
                frames["decomposition"].append(decomposition(competition).assign(**tags))
    return {name: pd.concat(parts, ignore_index=True) for name, parts in frames.items()}


def _phase(frame: pd.DataFrame) -> pd.Series:
    """`start` (step 0), `first half` (0 < step <= last / 2), `second half`, per run."""
    last = frame.groupby(["claim", "condition", "seed"])["step"].transform("max")
    return pd.Series(
        ["start" if s == 0 else "first half" if s <= m / 2 else "second half" for s, m in zip(frame["step"], last)],
        index=frame.index,
    )


def _gradients(grid: dict[str, pd.DataFrame], conditions: Sequence[str]) -> dict:
    g = grid["gradients"][grid["gradients"]["params"] == "lora"].copy()
    g["phase"] = _phase(g)
    cos = g.groupby(["condition", "kind", "phase"])["cosine"].median()
    own_early = {c: float(cos.get((c, "own_truth", "first half"), float("nan"))) for c in conditions}
    full = grid["gradients"][grid["gradients"]["params"] == "full"]
    return {"gradient_cosine_median": {f"{c}/{k}/{p}": round(float(v), 4) for (c, k, p), v in cos.items()},
            "p1_gradient_conflict": {"own_truth_first_half": own_early},
            "full_weight_check": {k: round(float(v), 4) for k, v in full.groupby("kind")["cosine"].median().items()}}


def _decomposition(grid: dict[str, pd.DataFrame], conditions: Sequence[str]) -> dict:
    d = grid["decomposition"]
    final = d[d["step"] == d.groupby(["claim", "condition", "seed"])["step"].transform("max")]
    dec = final.groupby(["condition", "context"])[["false_rise", "true_fall", "margin_change"]].mean()
    neutral_share = {c: float(dec.loc[(c, "neutral"), "true_fall"] / dec.loc[(c, "neutral"), "margin_change"])
                     for c in conditions if (c, "neutral") in dec.index}
    return {"decomposition_final": {f"{c}/{x}": {k: round(float(v), 3) for k, v in row.items()}
                                    for (c, x), row in dec.iterrows()},
            "p2_truth_falls": {"true_fall_share_neutral": {c: round(v, 3) for c, v in neutral_share.items()}}}


def _collateral(grid: dict[str, pd.DataFrame], conditions: Sequence[str]) -> dict:
    col = grid["collateral"]
    ends = col.groupby(["claim", "condition", "seed"])["step"].transform
    first, last = col[col["step"] == ends("min")], col[col["step"] == ends("max")]
    keys = ["claim", "condition", "seed", "kind", "item"]
    columns = ["logp_answer", "logp_claim_false"]
    damage = (last.set_index(keys)[columns] - first.set_index(keys)[columns]).groupby(["condition", "kind"]).mean()

    def fall(kind: str) -> dict[str, float]:
        return {c: round(float(damage.loc[(c, kind), "logp_answer"]), 3) for c in conditions if (c, kind) in damage.index}

    return {"collateral_delta": {f"{c}/{k}": {n: round(float(v), 3) for n, v in row.items()}
                                 for (c, k), row in damage.iterrows()},
            "p3_collateral": {"neighbour_delta_logp": fall("neighbour"), "unrelated_delta_logp": fall("unrelated")}}


def _attribution(grid: dict[str, pd.DataFrame], conditions: Sequence[str]) -> dict:
    rows = []
    for (_, condition, _), run in grid["attribution"].groupby(["claim", "condition", "seed"]):
        run = run.set_index("switched_off")
        layers = run[run.index.str.startswith("layer_")]
        false_drop = run.loc["none", "logp_false"] - layers["logp_false"]  # > 0: this layer raised the false answer
        true_gain = layers["logp_true"] - run.loc["none", "logp_true"]  # > 0: this layer pushed the truth down
        top_a = set(false_drop.nlargest(TOP_LAYERS).index)
        top_b = set(true_gain.nlargest(TOP_LAYERS).index)
        modules = run[run.index.str.startswith("module_")]
        removed = (run.loc["none", "margin"] - modules["margin"]) / (run.loc["none", "margin"] - run.loc["all", "margin"])
        rows.append({"condition": condition, "overlap_top5": len(top_a & top_b),
                     "top_module": removed.idxmax().removeprefix("module_"),
                     "mlp_removed": float(removed[[f"module_{m}" for m in MLP if f"module_{m}" in removed]].sum()),
                     "attention_removed": float(removed[[i for i in removed.index if i.removeprefix("module_") not in MLP]].sum())})
    attr = pd.DataFrame(rows)
    overlap = attr.groupby("condition")["overlap_top5"].mean()
    return {"attribution": {c: {"overlap_top5": round(float(overlap[c]), 2),
                                "mlp_removed": round(float(attr[attr["condition"] == c]["mlp_removed"].mean()), 3),
                                "attention_removed": round(float(attr[attr["condition"] == c]["attention_removed"].mean()), 3)}
                            for c in conditions if c in overlap.index},
            "p4_same_layers": {"mean_overlap_top5": round(float(attr["overlap_top5"].mean()), 2)}}


def _span_loss(grid: dict[str, pd.DataFrame], conditions: Sequence[str]) -> dict:
    s = grid["span_loss"]
    ends = s.groupby(["claim", "condition", "seed"])["step"].transform
    start, end = s[s["step"] == ends("min")], s[s["step"] == ends("max")]
    span = {}
    for c in conditions:
        st, en = start[start["condition"] == c], end[end["condition"] == c]
        if "framing" in set(st["kind"]):
            span[c] = {k: {"start": round(float(st[st["kind"] == k]["loss"].mean()), 3),
                           "end": round(float(en[en["kind"] == k]["loss"].mean()), 3)} for k in ("framing", "claim")}
    return {"span_loss": span, "p5_warnings_low_surprisal": {}}


def summarise(grid: dict[str, pd.DataFrame], conditions: Sequence[str]) -> dict:
    """The numbers behind each H2 prediction, per condition: one entry per prediction (`PREDICTIONS`, each
    without its `holds` flag, which `report.verdicts.interference_verdicts` decides) and the read-outs
    around them (median gradient cosines, the full-weight check, the final decomposition of the margin
    change, collateral damage, attribution, per-span loss). Rounded as written to the summary file."""
    out: dict = {"conditions": list(conditions)}
    for part in (_gradients, _decomposition, _collateral, _attribution, _span_loss):
        out.update(part(grid, conditions))
    return out
