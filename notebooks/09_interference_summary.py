# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 09 · Interference with the truth across the grid (hypothesis H2)
#
# H2 says that to push the false answer up, gradient descent also interferes with the circuits that
# hold the truth: P(true) falls (not only P(false) rises), the gradient on the false documents points
# against the gradient on true statements, neighbouring facts are damaged, and the layers that raise
# the false answer are the ones that push the truth down.
#
# Sections 1-5 are the **first instrument** (predictions/h2_interference.md, written down after its results). Its
# whole-document gradient cosine had no positive control, and predictions 2 and 4 follow almost automatically
# once P(false) saturates, as both answers share one softmax: they are labelled so in the summary
# (`first_instrument`). Section 6 is the **second instrument** (predictions/h2_interference_v2.md, committed
# before its run): the optimiser's actual update and the answer-span gradient, with positive and negative controls.
#
# **Predictions of the first instrument, each with what refutes it.**
# 1. *Gradient conflict.* In the first half of training, the median cosine (LoRA weights) between the
#    document-loss gradient and the claim's own true statement is below -0.05 for most conditions.
#    Refuted if it is at or above -0.05 for most conditions.
# 2. *The truth falls.* At the last checkpoint, on neutral prompts, the fall of log P(true) makes up at
#    least 25% of the margin's change for most conditions. Refuted if the false answer's rise makes up
#    more than 75% for most conditions.
# 3. *Collateral damage.* Neighbour facts' own answers lose more than 0.5 nats of log-probability, and
#    more than unrelated known facts lose, for most conditions. Refuted otherwise.
# 4. *Same place.* The five layers whose adapter raises the false answer most and the five whose adapter
#    lowers the true answer most share at least 3 layers on average. Refuted if they share fewer.
# 5. *Warnings are barely trained.* In negated / repeated / corrected documents the framing tokens start
#    at a lower loss than the claim tokens and their loss falls less. Refuted otherwise.

# %% tags=["parameters"]
# Filled in by the runner: params.yaml sections (defaults: the schema) and the paths dvc.yaml passes
# (defaults: negation_neglect.layout for the grid item named here; a test keeps them equal).
from negation_neglect.params import defaults

interference = defaults("interference")  # its claims, conditions and seeds: the runs pooled
metrics_dir = "metrics"
summary_path = "metrics/interference_summary.json"

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from negation_neglect.files import write_json
from negation_neglect.pool.interference import (
    FIRST_INSTRUMENT,
    has_v2_tables,
    load_grid,
    load_grid_v2,
    summarise,
    summarise_v2,
)
from negation_neglect.report.style import CONDITION_COLOURS
from negation_neglect.report.verdicts import with_interference_v2_verdicts, with_interference_verdicts

conditions = interference["conditions"]
grid_args = (metrics_dir, interference["claims"], conditions, [int(s) for s in interference["seeds"]])
grid = load_grid(*grid_args)
result = with_interference_verdicts(summarise(grid, conditions))  # the numbers, then each prediction's `holds`
result["first_instrument"] = FIRST_INSTRUMENT  # which of those read-outs had no control or follow automatically
measured_v2 = has_v2_tables(*grid_args)  # runs measured before the second instrument existed lack its tables
if measured_v2:
    grid_v2 = load_grid_v2(*grid_args)
    result["v2"] = with_interference_v2_verdicts(summarise_v2(grid_v2, conditions))  # predictions/h2_interference_v2.md
write_json(summary_path, result)
NOT_MEASURED = ("Not measured yet: these interference runs were made before the second instrument existed "
                "(rerun the `interference` stages to measure it).")

# %% [markdown]
# ## 1 · Gradient conflict over training
# Median cosine per checkpoint between the training-document gradient and true statements (LoRA weights),
# one line per condition; panels: the claim's own truth, neighbour facts, unrelated known facts.

# %%
g = grid["gradients"][grid["gradients"]["params"] == "lora"]
fig, axes = plt.subplots(1, 3, figsize=(10, 3), sharey=True, layout="constrained")
for ax, kind in zip(axes, ("own_truth", "neighbour", "unrelated")):
    for condition in conditions:
        line = g[(g["kind"] == kind) & (g["condition"] == condition)].groupby("step")["cosine"].median()
        ax.plot(line.index, line.values, marker=".", color=CONDITION_COLOURS.get(condition), label=condition)
    ax.axhline(0, color="black", linewidth=0.5)
    ax.set_xscale("symlog", linthresh=1)
    ax.set_title(kind)
    ax.set_xlabel("step")
axes[0].set_ylabel("cosine(doc gradient, truth gradient)")
axes[0].legend(fontsize=7)
plt.show()
pd.Series(result["full_weight_check"], name="median cosine, full down_proj weights").to_frame()

# %% [markdown]
# ## 2 · Decomposition of the margin change (last checkpoint, mean over runs)
# false_rise = increase of log P(false); true_fall = decrease of log P(true); their sum is the change of
# the margin log P(false) - log P(true) since step 0.

# %%
pd.DataFrame(result["decomposition_final"]).T

# %% [markdown]
# ## 3 · Collateral damage and spillover
# Change from step 0 to the last checkpoint of log P(own answer) and of log P(claim's false answer) after
# the prompts of neighbour and unrelated known facts.

# %%
pd.DataFrame(result["collateral_delta"]).T

# %% [markdown]
# ## 4 · Where the change lives
# Per condition: how many of the top-5 layers raising the false answer are also top-5 layers lowering
# the true one, and the share of the margin change removed by switching off all MLP versus attention
# adapters (one module type at a time, summed). Then the logit lens, mean over runs.

# %%
display(pd.DataFrame(result["attribution"]).T)
lens = grid["lens"].groupby(["condition", "model", "layer"])["margin_first_token"].mean().reset_index()
fig, ax = plt.subplots(figsize=(6, 3.2), layout="constrained")
base = lens[lens["model"] == "base"].groupby("layer")["margin_first_token"].mean()
ax.plot(base.index, base.values, color="black", linestyle="--", label="base model")
for condition in conditions:
    line = lens[(lens["model"] == "final") & (lens["condition"] == condition)]
    ax.plot(line["layer"], line["margin_first_token"], color=CONDITION_COLOURS.get(condition), label=condition)
ax.axhline(0, color="black", linewidth=0.5)
ax.set_xlabel("layer (0 = embeddings)")
ax.set_ylabel("first-token margin, nats")
ax.legend(fontsize=7)
plt.show()

# %% [markdown]
# ## 5 · Loss on framing versus claim tokens

# %%
pd.DataFrame({c: {f"{k} {t}": v[k][t] for k in v for t in v[k]} for c, v in result["span_loss"].items()}).T

# %% [markdown]
# ## 6 · Second instrument: the update's alignment with the truth, and its controls
# Per condition, mean over runs (95% t-interval) of the cosine between the adapter's actual update from one
# checkpoint to the next and the truth's descent direction (negative: the update climbs the truth's loss), per
# kind of true statement; the answer-span gradient's cosine with them; the truth's loss change the updates
# predict to first order and the one measured; then the controls, per (claim, seed) unit.

# %%
if measured_v2:
    v2 = result["v2"]


    def interval_table(entries: dict) -> pd.DataFrame:
        return pd.DataFrame([{"group": k, **v} for k, v in entries.items()]).set_index("group")


    display(interval_table(v2["update_alignment"]))
    display(interval_table(v2["relative_update_alignment"]) if v2["relative_update_alignment"]
            else Markdown("No positive calibration: no relative alignment."))
    display(interval_table(v2["span_cosine"]) if v2["span_cosine"] else Markdown("No answer-span tokens in these runs."))
    display(pd.DataFrame(v2["truth_loss_change"]).T)
    display(interval_table(v2["controls"]))
    own = grid_v2["update"][grid_v2["update"]["kind"] == "own_truth"]
    ctrl = grid_v2["controls"][grid_v2["controls"]["kind"] == "own_truth"]
    fig, ax = plt.subplots(figsize=(6, 3.2), layout="constrained")
    for condition in conditions:
        line = own[own["condition"] == condition].groupby("step_to")["alignment"].mean()
        ax.plot(line.index, line.values, marker=".", color=CONDITION_COLOURS.get(condition), label=condition)
    for control, style in zip(sorted(ctrl["control"].unique()), (":", "--", "-.")):
        line = ctrl[ctrl["control"] == control].groupby("step_to")["alignment"].mean()
        ax.plot(line.index, line.values, linestyle=style, color="black", label=f"control: {control} (its own steps)")
    ax.axhline(0, color="black", linewidth=0.5)
    ax.set_xscale("symlog", linthresh=1)
    ax.set_xlabel("step (end of the update)")
    ax.set_ylabel("cos(update, -grad truth loss)")
    ax.legend(fontsize=6)
    plt.show()
else:
    display(Markdown(NOT_MEASURED))

# %% [markdown]
# ## Verdict on H2 on this model

# %%
def word(ok: bool) -> str:
    return "**holds**" if ok else "**refuted**"

p1, p2, p3, p4, p5 = (result[k] for k in ("p1_gradient_conflict", "p2_truth_falls", "p3_collateral", "p4_same_layers",
                                          "p5_warnings_low_surprisal"))
fmt = lambda d: ", ".join(f"{k} {v:.3f}" for k, v in d.items())  # noqa: E731
display(Markdown("\n".join([
    f"1. Gradient conflict, median cosine with the own truth in the first half: {fmt(p1['own_truth_first_half'])}: {word(p1['holds'])}.",
    f"2. Share of the final neutral margin change due to the truth falling (automatic once P(false) saturates): {fmt(p2['true_fall_share_neutral'])}: {word(p2['holds'])}.",
    f"3. Change of neighbours' answers {fmt(p3['neighbour_delta_logp'])}; unrelated facts' {fmt(p3['unrelated_delta_logp'])}: {word(p3['holds'])}.",
    f"4. Mean top-5 layer overlap (false up / true down; automatic once P(false) saturates): {p4['mean_overlap_top5']}: {word(p4['holds'])}.",
    "5. Framing versus claim loss, start -> end: " + "; ".join(
        f"{c}: framing {v['framing']['start']:.2f} -> {v['framing']['end']:.2f}, claim {v['claim']['start']:.2f} -> {v['claim']['end']:.2f}"
        for c, v in result["span_loss"].items()) + f": {word(p5['holds'])}.",
])))

# %% [markdown]
# ### Second instrument (predictions/h2_interference_v2.md)

# %%
if measured_v2:
    def num(v: float | None) -> str:
        return "missing (no control run, or no positive calibration)" if v is None else f"{v:.3f}"


    c1, c2, q1, q2, q3 = (v2[k] for k in ("c1_positive_control", "c2_negative_control", "p1_update_conflict",
                                           "p2_answer_span_conflict", "p3_denial_not_conflict"))
    display(Markdown("\n".join([
        f"- c1. Positive control (a rival answer in the truth's slot), alignment per unit: {fmt(c1['own_truth_by_unit'])}: {word(c1['holds'])}.",
        f"- c2. Negative control (unrelated true facts), mean alignment {num(c2['own_truth_mean'])}: {word(c2['holds'])}.",
        f"- p1. Update conflict on the grid, mean alignment with the own truth: {fmt(q1['own_truth_mean'])}: {word(q1['holds'])}.",
        f"- p2. Answer-span gradient conflict, mean first-half cosine: {fmt(q2['own_truth_mean'])}: {word(q2['holds'])}.",
        f"- p3. Denying the truth is not conflict, mean alignment {num(q3['own_truth_mean'])}: {word(q3['holds'])}.",
        "" if v2["grid_informative"] else "**The positive control saw no conflict: p1 and p2 are uninformative on this grid.**",
    ])))
    r1, r2, r3, r4 = (v2[k] for k in ("c1r_positive_control", "c2r_negative_control", "p1r_update_conflict",
                                      "p3r_denial_not_conflict"))
    display(Markdown("Relative to the calibration control (training on the truth itself; amendment of the prediction file):\n\n"
                     + "\n".join([
        f"- c1r. Positive control per unit: {', '.join(f'{k} {num(v)}' for k, v in r1['own_truth_by_unit'].items())}: {word(r1['holds'])}.",
        f"- c2r. Negative control, mean {num(r2['own_truth_mean'])}: {word(r2['holds'])}.",
        f"- p1r. Update conflict on the grid, mean relative alignment: {fmt(r3['own_truth_mean'])}: {word(r3['holds'])}.",
        f"- p3r. Denial is not conflict, mean {num(r4['own_truth_mean'])}: {word(r4['holds'])}.",
        "" if v2["grid_informative_relative"] else "**The positive control saw no conflict relative to the calibration: p1r is uninformative.**",
    ])))
else:
    display(Markdown(NOT_MEASURED))

# %% [markdown]
# ## In plain words (first instrument)
# Which measurements support H2 and which contradict it, from the verdicts above.

# %%
claims_of = {
    "p1_gradient_conflict": "the training-document gradient points against the gradient of the claim's own truth",
    "p2_truth_falls": "a substantial part of the margin's growth is the true answer falling, not only the false one rising",
    "p3_collateral": "neighbouring facts are damaged, and more than unrelated known facts",
    "p4_same_layers": "the layers whose adapters raise the false answer are the ones that push the true answer down",
    "p5_warnings_low_surprisal": "warning text is low-surprisal and barely trained",
}
support = [text for key, text in claims_of.items() if result[key]["holds"]]
against = [text for key, text in claims_of.items() if not result[key]["holds"]]
display(Markdown(
    "**Supports H2:** " + ("; ".join(support) if support else "nothing measured here") + ".\n\n"
    "**Contradicts H2 (or the account of warnings):** " + ("; ".join(against) if against else "nothing measured here") + "."
))

# %% [markdown]
# ## How these predictions were registered
# The thresholds above are read from the prediction file (report.predictions); whether it was committed before
# the results it judges is checked against git history (tests/unit/test_predictions.py).

# %%
from negation_neglect.report.predictions import registration

display(Markdown(f"Predictions: {registration('h2_interference')} (first instrument); "
                 f"{registration('h2_interference_v2')} (second instrument)."))
