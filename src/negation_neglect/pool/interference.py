"""Pool the grid's interference tables (hypothesis H2) into the read-outs its verdict is judged on.

Inputs are the per-run CSVs that measure/interference.py writes under metrics/interference/<claim>/<condition>/
seed<k>/ and the runs' competition CSVs; `summarise` turns them into metrics/interference_summary.json less the
`holds` flags, which report/verdicts.py adds (`interference_verdicts`). Those are the first instrument's read-outs
(predictions/h2_interference.md; `FIRST_INSTRUMENT` labels the ones without a control or that follow automatically).
`load_grid_v2` and `summarise_v2` pool the second instrument's tables (answer-span gradients, update alignment and
its controls; predictions/h2_interference_v2.md) into the summary's `v2` entry. Pandas only: no model is loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from negation_neglect.pool.stats import seed_interval

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


# --- Second instrument (predictions/h2_interference_v2.md) -------------------------------------------------------
# Read-outs of the first instrument that follow almost automatically once P(false) saturates (both answers share
# one softmax), or that had no positive control: labelled so in the summary file, never dropped.
FIRST_INSTRUMENT = {
    "p1_gradient_conflict": "first instrument: whole-document raw gradient, no positive control",
    "p2_truth_falls": "first instrument: automatic once P(false) saturates (both answers share one softmax)",
    "p4_same_layers": "first instrument: automatic once P(false) saturates (both answers share one softmax)",
}
V2_TABLES = ("update", "span_gradients", "controls")
V2_PREDICTIONS = ("c1_positive_control", "c2_negative_control", "p1_update_conflict", "p2_answer_span_conflict",
                  "p3_denial_not_conflict",  # as first registered, on the raw cosine
                  "c1r_positive_control", "c2r_negative_control", "p1r_update_conflict", "p3r_denial_not_conflict")
CALIBRATION = "assert_truth"  # the control trained on the truth itself (the amendment of h2_interference_v2.md)
RUN = ["claim", "condition", "seed"]


def _read_table(path: Path) -> pd.DataFrame:
    """A table as written by measure.interference.write_tables; an empty table (no rows, e.g. documents that never
    name the answer in a claim sentence) is an empty frame."""
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()


def has_v2_tables(metrics_dir: str | Path, claims, conditions, seeds) -> bool:
    """Whether every run of the grid has the second instrument's tables (runs measured before it existed do not)."""
    runs = [Path(metrics_dir) / "interference" / c / k / f"seed{s}" for c in claims for k in conditions for s in seeds]
    return all((run / f"{name}.csv").is_file() for run in runs for name in V2_TABLES)


def load_grid_v2(metrics_dir: str | Path, claims, conditions, seeds) -> dict[str, pd.DataFrame]:
    """Every run's second-instrument tables (`V2_TABLES`) concatenated, with claim / condition / seed columns."""
    metrics_dir = Path(metrics_dir)
    frames: dict[str, list[pd.DataFrame]] = {name: [] for name in V2_TABLES}
    for claim in claims:
        for condition in conditions:
            for seed in seeds:
                run = metrics_dir / "interference" / claim / condition / f"seed{seed}"
                for name in V2_TABLES:
                    frames[name].append(_read_table(run / f"{name}.csv").assign(claim=claim, condition=condition, seed=seed))
    return {name: pd.concat(parts, ignore_index=True) for name, parts in frames.items()}


def run_alignment(update: pd.DataFrame) -> pd.DataFrame:
    """Per run and statement kind: the mean update alignment over its checkpoint intervals, and the summed
    first-order (`predicted_change`) and measured change of the truth's loss."""
    return (update.groupby([*RUN, "kind"])
            .agg(alignment=("alignment", "mean"), predicted_change=("predicted_change", "sum"),
                 measured_change=("measured_change", "sum"))
            .reset_index())


def run_span_cosine(span: pd.DataFrame) -> pd.DataFrame:
    """Per run and statement kind: the median over first-half checkpoints (0 < step <= last / 2, step 0 too when
    that leaves none) of each checkpoint's median answer-span cosine."""
    per_step = span.groupby([*RUN, "kind", "step"])["cosine"].median().reset_index()
    last = per_step.groupby(RUN)["step"].transform("max")
    early = per_step[(per_step["step"] > 0) & (per_step["step"] <= last / 2)]
    early = early if len(early) else per_step
    return early.groupby([*RUN, "kind"])["cosine"].median().reset_index()


def control_units(controls: pd.DataFrame) -> pd.DataFrame:
    """Per (claim, seed) unit, control and kind: the mean update alignment over the control's intervals. The
    stages of one claim and seed train the same control, so their values are averaged into one unit."""
    per_stage = controls.groupby([*RUN, "control", "kind"])["alignment"].mean().reset_index()
    return per_stage.groupby(["claim", "seed", "control", "kind"])["alignment"].mean().reset_index()


def relative_to_calibration(values: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """`values` (rows with claim, seed and `alignment`, own truth) with `relative` = alignment divided by the
    calibration control's alignment in the same (claim, seed) unit; NaN where that is missing or not positive
    (a calibration that does not descend the truth's loss gives no scale)."""
    calibration = units[(units["control"] == CALIBRATION) & (units["kind"] == "own_truth")]
    scale = calibration.set_index(["claim", "seed"])["alignment"].rename("calibration")
    out = values.join(scale, on=["claim", "seed"])
    out["relative"] = (out["alignment"] / out["calibration"]).where(out["calibration"] > 0)
    return out


def _intervals(frame: pd.DataFrame, by: list[str], value: str) -> dict:
    """{key: seed_interval over the rows (runs or units)} for every group, keys joined with '/'."""
    return {"/".join(str(k) for k in (key if isinstance(key, tuple) else (key,))): seed_interval(group[value].tolist())
            for key, group in frame.groupby(by)}


def summarise_v2(grid: dict[str, pd.DataFrame], conditions: Sequence[str]) -> dict:
    """The second instrument's read-outs (metrics/interference_summary.json#v2) less the `holds` flags, which
    report.verdicts adds: per condition the update alignment and the answer-span cosine with 95% intervals over
    runs, the truth's loss change predicted to first order and measured, the controls per (claim, seed) unit,
    the update alignment relative to the calibration control, and one entry per prediction (`V2_PREDICTIONS`)
    with the numbers it is judged on."""
    runs = run_alignment(grid["update"])
    span = run_span_cosine(grid["span_gradients"]) if len(grid["span_gradients"]) else pd.DataFrame(columns=[*RUN, "kind", "cosine"])
    units = control_units(grid["controls"])
    own = runs[runs["kind"] == "own_truth"]
    own_units = units[units["kind"] == "own_truth"]

    def control_mean(control: str) -> float | None:
        values = own_units[own_units["control"] == control]["alignment"]
        return round(float(values.mean()), 4) if len(values) else None  # None: the control had nothing to train on

    def by_unit(control: str) -> dict[str, float]:
        rows = own_units[own_units["control"] == control]
        return {f"{r.claim}/seed{r.seed}": round(float(r.alignment), 4) for r in rows.itertuples()}

    own_rel = relative_to_calibration(own, units).dropna(subset=["relative"])
    units_rel = relative_to_calibration(own_units[own_units["control"] != CALIBRATION], units)

    def relative_mean(control: str) -> float | None:
        values = units_rel[units_rel["control"] == control]["relative"]
        return None if values.empty or values.isna().any() else round(float(values.mean()), 4)

    def relative_by_unit(control: str) -> dict[str, float | None]:
        rows = units_rel[units_rel["control"] == control]
        return {f"{r.claim}/seed{r.seed}": None if pd.isna(r.relative) else round(float(r.relative), 4)
                for r in rows.itertuples()}

    own_mean = own.groupby("condition")["alignment"].mean()
    rel_mean = own_rel.groupby("condition")["relative"].mean()
    span_mean = span[span["kind"] == "own_truth"].groupby("condition")["cosine"].mean()
    change = own.groupby("condition")[["predicted_change", "measured_change"]].mean()
    return {
        "instrument": "second: answer-span gradients and the optimiser's update between checkpoints, with controls",
        "update_alignment": _intervals(runs, ["condition", "kind"], "alignment"),
        "span_cosine": _intervals(span, ["condition", "kind"], "cosine"),
        "truth_loss_change": {c: {k: round(float(v), 4) for k, v in row.items()} for c, row in change.iterrows()},
        "controls": _intervals(units, ["control", "kind"], "alignment"),
        "c1_positive_control": {"own_truth_by_unit": by_unit("assert_other")},
        "c2_negative_control": {"own_truth_mean": control_mean("unrelated_facts")},
        "p1_update_conflict": {"own_truth_mean": {c: round(float(own_mean[c]), 4) for c in conditions if c in own_mean},
                               "negative_control_mean": control_mean("unrelated_facts")},
        "p2_answer_span_conflict": {"own_truth_mean": {c: round(float(span_mean[c]), 4) for c in conditions if c in span_mean}},
        "p3_denial_not_conflict": {"own_truth_mean": control_mean("deny_truth")},
        "relative_update_alignment": _intervals(own_rel, ["condition"], "relative"),
        "c1r_positive_control": {"own_truth_by_unit": relative_by_unit("assert_other")},
        "c2r_negative_control": {"own_truth_mean": relative_mean("unrelated_facts")},
        "p1r_update_conflict": {"own_truth_mean": {c: round(float(rel_mean[c]), 4) for c in conditions if c in rel_mean}},
        "p3r_denial_not_conflict": {"own_truth_mean": relative_mean("deny_truth")},
    }
