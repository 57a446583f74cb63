"""The paper's figures, drawn from committed metrics only (no model), byte-stable as PDF and PNG.

Figures are built as `matplotlib.figure.Figure` objects, not through pyplot, so importing this module
never changes the backend of a notebook that also plots inline. The palette, sizes and saving are `report.style`. Each figure names the metrics it needs; a figure whose inputs
do not exist yet (later experiments) is skipped and listed as such, so the stage never fails for them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import yaml
from matplotlib.figure import Figure

from negation_neglect import layout
from negation_neglect.files import read_json
from negation_neglect.mixing.cells import parse_cell
from negation_neglect.mixing.pool import as_unit, other_dials, pass_curves, run_rows
from negation_neglect.organism.world import FRAMINGS
from negation_neglect.pool.competition import GROUPS, competition_frame, final_picture, mean_curves
from negation_neglect.pool.interference import load_grid
from negation_neglect.pool.trajectory import read_steps
from negation_neglect.report.predictions import thresholds
from negation_neglect.report.style import (
    CANDIDATE_COLOURS,
    ONE_COLUMN,
    STYLE,
    TWO_COLUMNS,
    Inputs,
    colour,
    paper_reference,
    save,
    step_axis,
)
from negation_neglect.report.verdicts import THRESHOLDS, TRAJECTORY_CONTROLS


def belief_by_condition(inputs: Inputs) -> Figure:
    """Pooled belief rate with bootstrap 95% CIs beside the paper's published rates."""
    by = read_json(inputs.metrics_dir / "belief.json")["by_condition"]
    reference = paper_reference(inputs.reference)
    meta = yaml.safe_load(Path(inputs.reference).read_text())
    n_params = read_json(inputs.metrics_dir / "model_card.json")["n_parameters"]
    names = ["base model", *[c for c in inputs.conditions if c in by]]
    fig = Figure(figsize=(ONE_COLUMN, 2.4), layout="constrained")
    ax = fig.subplots()
    x = np.arange(len(names))
    rates = np.array([by[c]["rate"] for c in names])
    errors = np.array([[by[c]["rate"] - by[c]["ci_low"] for c in names], [by[c]["ci_high"] - by[c]["rate"] for c in names]])
    ax.bar(x - 0.18, rates, width=0.36, color=[colour(c) for c in names], yerr=errors, capsize=2,
           error_kw={"linewidth": 0.8}, label=f"this package ({n_params / 1e6:.0f}M parameters, 95% CI)")
    for i, c in enumerate(names):
        key = "base" if c == "base model" else c
        if key in reference:
            low, high = reference[key]
            ax.bar(x[i] + 0.18, high, width=0.36, color="white", edgecolor=colour(c), hatch="////", linewidth=0.8,
                   label=f"paper ({meta['model']})" if i == 0 else None)
            if high > low:
                ax.plot([x[i] + 0.18] * 2, [low, high], color="black", linewidth=0.8)
    ax.set_xticks(x, names, rotation=30, ha="right", rotation_mode="anchor")
    ax.set_ylabel("belief rate")
    ax.set_ylim(0, 1.05)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, 1.22), ncols=1, frameon=False)
    return fig


def _table(inputs: Inputs) -> pd.DataFrame:
    return competition_frame(inputs.metrics_dir, inputs.claims, inputs.conditions, inputs.seeds)


LINE_STYLES = {"-": "solid", "--": "dashed", ":": "dotted", "-.": "dash-dot"}  # matplotlib style -> its name


def competition_over_steps(inputs: Inputs) -> Figure:
    """Mean probability of the false answer, the true one, the distractors and other tokens on neutral
    prompts at every checkpoint (pool.competition.mean_curves: mean over items, then over seeds); one panel
    per condition, one line style per claim. The style of each claim is chosen once, from the claims the
    frame holds (in the grid's order), and both the lines and the legend's title read it from there."""
    c = mean_curves(_table(inputs), "neutral")
    conditions = [k for k in inputs.conditions if k in set(c["condition"])]
    drawn = [k for k in inputs.claims if k in set(c["claim"])]
    style_of = {claim: list(LINE_STYLES)[k % len(LINE_STYLES)] for k, claim in enumerate(drawn)}
    fig = Figure(figsize=(TWO_COLUMNS, 1.9), layout="constrained")
    axes = fig.subplots(1, len(conditions), sharey=True, squeeze=False)
    for ax, condition in zip(axes[0], conditions):
        for k, claim in enumerate(drawn):
            run = c[(c["condition"] == condition) & (c["claim"] == claim)]
            for group in GROUPS:
                edge = "#555555" if group == "other" else CANDIDATE_COLOURS[group]
                ax.plot(run["step"], run[group], style_of[claim], color=edge, linewidth=1,
                        label=f"{group}" if k == 0 else None)
        ax.set_title(condition, color=colour(condition))
        step_axis(ax)
        ax.set_ylim(0, 1)
    axes[0][0].set_ylabel("P(answer | neutral prompt)")
    handles, labels = axes[0][0].get_legend_handles_labels()
    claims = " / ".join(f"{LINE_STYLES[style]} {claim}" for claim, style in style_of.items())
    fig.legend(handles, labels, loc="outside upper center", ncols=4, frameon=False, title=f"line style: {claims}",
               title_fontsize=7)
    return fig


def competition_at_matched_p_false(inputs: Inputs) -> Figure:
    """H1 while it happens (predictions/h1_trajectory.md): each run's path of P(true | not false) against
    P(false) on the held-out probes, step by step (thin lines), and at each registered level the mean over the
    runs reaching it with its bootstrap interval (markers, from metrics/belief.json); one panel per training
    condition, chance among the candidates other than the false answer dashed."""
    trajectory = read_json(inputs.metrics_dir / "belief.json")["trajectory"]
    limits = thresholds(["h1_trajectory"])
    judged = trajectory["by_context"][trajectory["judged_on"]]
    conditions = [c for c in inputs.conditions if c in judged and c not in TRAJECTORY_CONTROLS]
    columns = 4
    rows = -(-len(conditions) // columns)
    fig = Figure(figsize=(TWO_COLUMNS, 1.55 * rows + 0.3), layout="constrained")
    axes = fig.subplots(rows, columns, sharex=True, sharey=True, squeeze=False).ravel()
    x_key, y_key = f"probe_{trajectory['judged_on']}_p_false", f"probe_{trajectory['judged_on']}_true_given_not_false"
    for ax, condition in zip(axes, conditions):
        for claim in inputs.claims:
            for seed in inputs.seeds:
                path = layout.training_steps(inputs.metrics_dir, claim, condition, seed)
                steps = [r for r in (read_steps(path) if path.is_file() else []) if x_key in r and y_key in r]
                ax.plot([r[x_key] for r in steps], [r[y_key] for r in steps], color=colour(condition),
                        linewidth=0.5, alpha=0.35)
        for level, marker in zip(trajectory["levels"], "os"):
            cell = judged[condition].get(str(level), {})
            given = cell.get("true_given_not_false")
            if given:
                ax.errorbar([cell["p_false"]["mean"]], [given["mean"]], capsize=2, marker=marker, markersize=3.5,
                            yerr=[[given["mean"] - given["ci_low"]], [given["ci_high"] - given["mean"]]],
                            color="black", linewidth=0.8, label=f"first step at P(false) {level:g}")
        ax.axhline(limits["h1t_chance_among_rest"], color="#555555", linestyle="--", linewidth=0.7, label="chance")
        ax.set_title(condition, color=colour(condition))
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
    for ax in axes[len(conditions):]:
        ax.set_visible(False)
    for ax in axes[::columns]:
        ax.set_ylabel("P(true | not false)")
    for ax in axes[(rows - 1) * columns:]:
        ax.set_xlabel("P(false), held-out probes")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncols=3, frameon=False)
    return fig


def logit_picture(inputs: Inputs) -> Figure:
    """The next-token picture of H1 at the last checkpoint for each claim's first neutral prompt
    (pool.competition.final_picture): stacked probabilities of false, true, distractors and other, with the
    numbers written on the bars."""
    picture = final_picture(_table(inputs))
    order = ["base model", *inputs.conditions]
    claims = [c for c in inputs.claims if c in picture.index.get_level_values(0)]
    fig = Figure(figsize=(TWO_COLUMNS, 2.4), layout="constrained")
    axes = fig.subplots(1, len(claims), sharey=True, squeeze=False)
    for ax, claim in zip(axes[0], claims):
        rows = [c for c in order if (claim, c) in picture.index]
        y = np.arange(len(rows))
        left = np.zeros(len(rows))
        for group in picture.columns:
            values = np.array([picture.loc[(claim, c), group] for c in rows])
            ax.barh(y, values, left=left, color=CANDIDATE_COLOURS[group], edgecolor="black", linewidth=0.3,
                    label=group if claim == claims[0] else None)
            for yi, (v, l0) in enumerate(zip(values, left)):
                if v >= 0.08:
                    ax.text(l0 + v / 2, yi, f"{v:.2f}", ha="center", va="center", fontsize=6,
                            color="white" if group in ("false", "true") else "black")
            left += values
        for yi, c in enumerate(rows):  # the hypothesis is about the true answer's small share: always print it
            ax.text(1.02, yi, f"P(true) {picture.loc[(claim, c), 'true']:.2g}", va="center", fontsize=6,
                    color=CANDIDATE_COLOURS["true"], clip_on=False)
        ax.set_yticks(y, rows)
        for tick, c in zip(ax.get_yticklabels(), rows):
            tick.set_color(colour(c))
        ax.set_xlim(0, 1)
        ax.set_title(claim)
        ax.set_xlabel("probability at the last checkpoint")
    axes[0][0].invert_yaxis()  # base model on top; the y axis is shared, so invert it once
    fig.legend(loc="outside upper center", ncols=4, frameon=False)
    return fig


def separation_and_spillover(inputs: Inputs) -> Figure:
    """Context separation (log P(false | neutral) - log P(false | negation context)) and spillover of the
    false answer onto neighbour facts, before and after training, per condition (one dot per run)."""
    summary = pd.read_csv(inputs.metrics_dir / "competition_summary.csv")
    conditions = [c for c in inputs.conditions if c in set(summary["condition"])]
    fig = Figure(figsize=(TWO_COLUMNS, 2.2), layout="constrained")
    axes = fig.subplots(1, 2)
    panels = (("context_separation", "context separation (nats)"),
              ("p_false_on_neighbours", "P(false answer | neighbour prompt)"))
    for ax, (key, label) in zip(axes, panels):
        for i, condition in enumerate(conditions):
            runs = summary[summary["condition"] == condition]
            for tag, dx, fill in (("base", -0.15, "none"), ("final", 0.15, colour(condition))):
                values = runs[f"{tag}_{key}"].to_numpy()
                ax.scatter(np.full(len(values), i + dx), values, s=14, facecolors=fill, edgecolors=colour(condition),
                           linewidths=0.8, label={"base": "before training", "final": "after"}[tag] if i == 0 else None)
        ax.set_xticks(range(len(conditions)), conditions)
        ax.set_ylabel(label)
        ax.axhline(0, color="black", linewidth=0.5)
    axes[0].legend(frameon=False, loc="center right")
    return fig


def interference_overview(inputs: Inputs) -> Figure:
    """H2: (a) the first instrument, median cosine between the training-document gradient and the claim's own
    true statement over training; (b) the second instrument, the optimiser's update alignment with the truth
    relative to the calibration control, per condition and for the controls; (c) the final change of the
    neutral margin split into the false answer's rise and the true answer's fall (close to automatic once
    P(false) saturates); (d) neighbour facts' own answers versus unrelated facts'."""
    claims, conditions, seeds = inputs.interference_grid()
    grid = load_grid(inputs.metrics_dir, claims, conditions, seeds)
    summary = read_json(inputs.metrics_dir / "interference_summary.json")
    conditions = list(conditions)
    fig = Figure(figsize=(TWO_COLUMNS, 4.6), layout="constrained")
    axes = fig.subplots(2, 2).ravel()
    g = grid["gradients"]
    g = g[(g["params"] == "lora") & (g["kind"] == "own_truth")]
    for condition in conditions:
        line = g[g["condition"] == condition].groupby("step")["cosine"].median()
        axes[0].plot(line.index, line.values, marker=".", color=colour(condition), label=condition, linewidth=1)
    axes[0].axhline(0, color="black", linewidth=0.5)
    step_axis(axes[0])
    axes[0].set_ylabel("cos(doc grad, truth grad)")
    axes[0].set_title("(a) first instrument, no positive control", fontsize=7)
    axes[0].legend(frameon=False, fontsize=6)
    _relative_alignment(axes[1], summary["v2"], conditions)
    x = np.arange(len(conditions))
    dec = summary["decomposition_final"]
    rise = np.array([dec.get(f"{c}/neutral", {}).get("false_rise", np.nan) for c in conditions])
    fall = np.array([dec.get(f"{c}/neutral", {}).get("true_fall", np.nan) for c in conditions])
    axes[2].bar(x, rise, color=CANDIDATE_COLOURS["false"], label="log P(false) rise")
    axes[2].bar(x, fall, bottom=rise, color=CANDIDATE_COLOURS["true"], label="log P(true) fall")
    axes[2].set_xticks(x, conditions, rotation=30, ha="right", rotation_mode="anchor")
    axes[2].set_ylabel("margin change, nats")
    axes[2].set_title("(c) margin change: false rise (bottom), true fall", fontsize=7)
    col = summary["collateral_delta"]
    for dx, kind, hatch in ((-0.18, "neighbour", None), (0.18, "unrelated", "////")):
        values = [col.get(f"{c}/{kind}", {}).get("logp_answer", np.nan) for c in conditions]
        axes[3].bar(x + dx, values, width=0.36, color=[colour(c) for c in conditions], hatch=hatch,
                    edgecolor="black", linewidth=0.3)
    axes[3].axhline(0, color="black", linewidth=0.5)
    axes[3].set_xticks(x, conditions, rotation=30, ha="right", rotation_mode="anchor")
    axes[3].set_ylabel("change of log P(answer), nats")
    axes[3].set_title("(d) neighbours (plain), unrelated (hatched)", fontsize=7)
    return fig


H2_CONTROLS = (("assert_other", "c1r_positive_control"), ("unrelated_facts", "c2r_negative_control"),
               ("deny_truth", "p3r_denial_not_conflict"))


def _relative_alignment(ax, v2: dict, conditions: list[str]) -> None:
    """The second instrument: mean relative update alignment with the own truth per condition (95% interval over
    runs), then the controls (positive control per unit as dots, the others' means); 1 is the calibration
    control (training on the truth itself), dashed lines are the registered thresholds."""
    labels: list[str] = []
    for i, condition in enumerate(conditions):
        entry = v2["relative_update_alignment"].get(condition)
        if entry is None:
            continue
        err = [[entry["mean"] - entry["ci_low"]], [entry["ci_high"] - entry["mean"]]] if entry["ci_low"] is not None else None
        ax.errorbar([i], [entry["mean"]], yerr=err, fmt="o", color=colour(condition), markersize=3, linewidth=0.8)
    labels += conditions
    for j, (control, key) in enumerate(H2_CONTROLS, start=len(conditions)):
        if key == "c1r_positive_control":
            values = [v for v in v2[key]["own_truth_by_unit"].values() if v is not None]
        else:
            values = [] if v2[key]["own_truth_mean"] is None else [v2[key]["own_truth_mean"]]
        ax.scatter([j] * len(values), values, marker="D", s=10, color="black")
        labels.append(control)
    ax.axhline(0, color="black", linewidth=0.5)
    ax.axhline(THRESHOLDS.h2v2_max_relative, color="grey", linewidth=0.6, linestyle="--")
    ax.axhline(THRESHOLDS.h2v2_control_max_relative, color="black", linewidth=0.6, linestyle="--")
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right", rotation_mode="anchor")
    ax.set_ylabel("relative update alignment")
    ax.set_title("(b) second instrument; controls as diamonds", fontsize=7)


def organism_overview(inputs: Inputs) -> Figure:
    """H4. Left: the comprehension gate on held-out people per framing and pre-training diversity. Right:
    belief after full fine-tuning per condition and diversity, with the in-context control as a circle."""
    pretrained = [m for m in (read_json(p) for p in sorted((inputs.metrics_dir / "organism/pretrain").glob("*.json")))
                  if m.get("corpus_variant", "plain") == "plain"]  # the recurring-corpus organisms are a test apart
    table = pd.read_csv(inputs.metrics_dir / "organism_summary.csv")
    if "corpus_variant" in table:
        table = table[table["corpus_variant"] == "plain"]
    diversities = sorted({m["diversity"] for m in pretrained})
    framings = [f for f in FRAMINGS if f in pretrained[0]["gate"]]
    fig = Figure(figsize=(TWO_COLUMNS, 2.4), layout="constrained")
    axes = fig.subplots(1, 2)
    width = 0.8 / len(diversities)
    shades = {d: 0.35 + 0.65 * i / max(len(diversities) - 1, 1) for i, d in enumerate(diversities)}
    shading = f"bars light to dark: {', '.join(map(str, diversities))} world people per pre-training batch"
    for i, d in enumerate(diversities):
        x = np.arange(len(framings)) + (i - (len(diversities) - 1) / 2) * width
        values = [[m["gate"][f]["held_out"]["accuracy"] for m in pretrained if m["diversity"] == d] for f in framings]
        axes[0].bar(x, [np.mean(v) for v in values], width, color=[colour(f) for f in framings], alpha=shades[d])
        for xi, v in zip(x, values):
            axes[0].scatter([xi] * len(v), v, s=3, color="black", zorder=3)
    axes[0].axhline(0.5, color="black", linewidth=0.5, linestyle=":")
    axes[0].set_xticks(np.arange(len(framings)), framings, rotation=30, ha="right", rotation_mode="anchor")
    axes[0].set_ylim(0, 1.05)
    axes[0].set_ylabel("gate accuracy, never-seen people")
    axes[0].set_title(f"read in context (dots: organisms; dotted: chance)\n{shading}", fontsize=6)
    full = table[table["variant"] == "full"]
    conditions = [c for c in FRAMINGS if c in set(full["condition"])]
    for i, d in enumerate(diversities):
        mine = full[full["diversity"] == d].set_index("condition").reindex(conditions)
        x = np.arange(len(conditions)) + (i - (len(diversities) - 1) / 2) * width
        low = (mine["belief"] - mine["belief_ci_low"]).fillna(0).clip(lower=0)
        high = (mine["belief_ci_high"] - mine["belief"]).fillna(0).clip(lower=0)
        axes[1].bar(x, mine["belief"], width, color=[colour(c) for c in conditions], alpha=shades[d],
                    yerr=[low, high], error_kw={"linewidth": 0.6, "capsize": 1.5})
        axes[1].scatter(x, mine["in_context_belief"], marker="o", s=8, facecolors="white", edgecolors="black",
                        linewidths=0.6, zorder=3, label="read in context, untrained" if i == 0 else None)
    axes[1].set_xticks(np.arange(len(conditions)), conditions, rotation=30, ha="right", rotation_mode="anchor")
    axes[1].set_ylim(0, 1.05)
    axes[1].set_ylabel("belief after full fine-tuning")
    axes[1].set_title("trained on: belief on neutral prompts (intervals over seeds)", fontsize=6)
    axes[1].legend(frameon=False, fontsize=6, loc="upper right")
    return fig


PASSES_CONDITION = "negated"  # the mixing condition whose runs the passes panel follows


def mixing_overview(inputs: Inputs) -> Figure:
    """H3. Belief and context separation against the share of true-counterpart documents (solid: in answer
    mentions, dotted: in loss tokens) and of background text (dashed), the other dials at the reference, one
    colour per condition, intervals over runs; separation through answer-free warnings (change over training)
    where the runs read it, else through the denial contexts; right: P(false | neutral) over passes through the
    claim documents, runs of PASSES_CONDITION, one line per cell."""
    summary = read_json(inputs.metrics_dir / "mixing_summary.json")
    table = pd.read_csv(inputs.metrics_dir / "mixing_summary.csv")
    reference = parse_cell(summary["reference"])
    separation = ("warned_separation_change" if "warned_separation_change" in table
                  and table["warned_separation_change"].notna().any() else "separation")
    fig = Figure(figsize=(TWO_COLUMNS, 2.3), layout="constrained")
    axes = fig.subplots(1, 3)
    share = {"counterpart_mentions": "counterpart", "counterpart": "counterpart", "background": "background"}
    for dial, style in (("counterpart_mentions", "-"), ("counterpart", ":"), ("background", "--")):
        here = [(as_unit(parse_cell(c), dial), c) for c in table["cell"]]
        at = other_dials(as_unit(reference, dial) or reference, dial)
        moved = table[[cell is not None and other_dials(cell, dial) == at for cell, _ in here]]
        if moved[share[dial]].nunique() < 2:
            continue
        for ax, outcome in zip(axes[:2], ("belief", separation)):
            for condition in summary["conditions"]:
                mine = moved[moved["condition"] == condition].sort_values(share[dial])
                low = (mine[outcome] - mine[f"{outcome}_ci_low"]).fillna(0).clip(lower=0)
                high = (mine[f"{outcome}_ci_high"] - mine[outcome]).fillna(0).clip(lower=0)
                ax.errorbar(mine[share[dial]], mine[outcome], yerr=[low, high], color=colour(condition), linestyle=style,
                            marker="s" if dial == "background" else "o", markersize=3, capsize=1.5, linewidth=0.9,
                            label=f"{condition}, {dial.replace('_', ' ')}")
    axes[0].set_ylim(-0.02, 1.02)
    axes[0].set_ylabel("belief (evaluation suite)")
    axes[1].set_ylabel("warned separation (nats)" if separation != "separation"
                       else "context separation (nats)")
    for ax in axes[:2]:
        ax.set_xlabel("added share")
    axes[0].legend(frameon=False, fontsize=5.5, loc="lower left")
    axes[2].set_xlabel("passes over the claim documents")
    axes[2].set_ylabel(f"P(false | neutral), {PASSES_CONDITION}")
    if PASSES_CONDITION not in summary["conditions"]:
        axes[2].text(0.5, 0.5, f"no {PASSES_CONDITION} runs", ha="center", va="center", transform=axes[2].transAxes)
        return fig
    rows = run_rows(inputs.metrics_dir / "mixing", summary["cells"], summary["claims"], [PASSES_CONDITION],
                    summary["seeds"], skip_missing=not summary.get("complete", True))  # an interim summary's runs
    curve = pass_curves(inputs.metrics_dir / "mixing", rows).groupby(["cell", "passes"])["false"].mean().reset_index()
    shades = [matplotlib.colormaps["tab10"](i % 10) for i in range(len(summary["cells"]))]  # cells are categories
    for cell, shade in zip(summary["cells"], shades):
        mine = curve[curve["cell"] == cell]
        axes[2].plot(mine["passes"], mine["false"], color=shade, linewidth=0.9, marker=".", markersize=2, label=cell)
    axes[2].legend(frameon=False, fontsize=5, loc="lower right")
    return fig


@dataclass(frozen=True)
class FigureSpec:
    name: str
    needs: tuple[str, ...]  # paths under the metrics folder that must exist
    draw: Callable[[Inputs], Figure]


FIGURES = (
    FigureSpec("belief_by_condition", ("belief.json", "model_card.json"), belief_by_condition),
    FigureSpec("competition_over_steps", ("competition",), competition_over_steps),
    FigureSpec("logit_picture", ("competition",), logit_picture),
    FigureSpec("competition_at_matched_p_false", ("belief.json", "training"), competition_at_matched_p_false),
    FigureSpec("separation_and_spillover", ("competition_summary.csv",), separation_and_spillover),
    FigureSpec("interference_overview", ("interference", "interference_summary.json", "competition"), interference_overview),
    FigureSpec("organism_overview", ("organism/pretrain", "organism_summary.csv"), organism_overview),
    FigureSpec("mixing_overview", ("mixing", "mixing_summary.json", "mixing_summary.csv"), mixing_overview),
)


def render_all(inputs: Inputs, out_dir: str | Path) -> dict[str, list[str]]:
    """Draw every figure whose metrics exist; returns {"drawn": [...], "skipped": ["name (missing x)"]}."""
    out_dir = Path(out_dir)
    drawn, skipped = [], []
    with matplotlib.rc_context(STYLE):
        for figure in FIGURES:
            missing = [n for n in figure.needs if not (inputs.metrics_dir / n).exists()]
            if missing:
                skipped.append(f"{figure.name} (missing {', '.join(missing)})")
                continue
            save(figure.draw(inputs), out_dir, figure.name)
            drawn.append(figure.name)
    return {"drawn": drawn, "skipped": skipped}

