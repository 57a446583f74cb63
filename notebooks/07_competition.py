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
# # 07 · Belief and logit competition across the grid (hypothesis H1)
#
# Pools every evaluated run of the fine-tuning grid. H1 says that after training on the claim, the
# next-token distribution is a *competition*: the false answer takes most of the mass while the true
# answer keeps a little, even inside a negation context.
#
# **Predictions (written before the grid ran).**
# 1. Belief after training is high for `positive`, `negated` and `repeated` (Negation Neglect), lower
#    for `corrected`, and low for `local`, ordered as in the paper (92 / 89 / 84 / 40 / 0-7%).
# 2. On neutral prompts P(true) falls while P(false) rises (interference with the truth, not only
#    growth of the false answer), and the true answer keeps a small non-zero share at the end.
# 3. Context separation stays near zero for negated and repeated: the model does not learn the claim as
#    conditional on its warnings.
# 4. In context (no training) this model does *not* read the warnings as negation: belief with the
#    documents in context is at least as high for negated as for positive (each run's in-context control).
#
# What refutes each: (1) negated belief far below positive, or local as high as positive; (2) P(true)
# unchanged while P(false) rises, or a true share of exactly zero (replacement, not competition);
# (3) separation for negated/repeated clearly above positive's; (4) in-context belief lower for negated.

# %% tags=["parameters"]
# Filled in by the runner: params.yaml sections (defaults: the schema) and the paths dvc.yaml passes
# (defaults: negation_neglect.layout for the grid item named here; a test keeps them equal).
from negation_neglect.params import defaults

finetune = defaults("finetune")
evaluate = defaults("evaluate")
metrics_dir = "metrics"
belief_path = "metrics/belief.json"
readouts_path = "metrics/competition_summary.csv"
claims_dir = "data/claims"
labelled_path = "data/judge/labelled_answers.yaml"
judge_path = "metrics/judge_agreement.json"
prediction_path = "predictions/belief_table.md"

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from negation_neglect.data.claims import load_claims
from negation_neglect.files import write_json
from negation_neglect.measure.judge import agreement, load_labelled
from negation_neglect.pool.competition import (
    belief_table,
    competition_frame,
    final_picture,
    in_context_control,
    mean_curves,
    readouts,
)
from negation_neglect.pool.trajectory import trajectory_table
from negation_neglect.report.predictions import read_prediction
from negation_neglect.report.predictions import thresholds as prediction_thresholds
from negation_neglect.report.style import CANDIDATE_COLOURS
from negation_neglect.report.style import colour as condition_colour
from negation_neglect.report.verdicts import (
    THRESHOLDS,
    belief_table_verdicts,
    competition_verdicts,
    trajectory_verdicts,
)

claims, conditions, seeds = finetune["claims"], finetune["conditions"], [int(s) for s in finetune["seeds"]]
belief = belief_table(metrics_dir, claims, conditions, seeds, evaluate["seed"])
prediction = read_prediction(prediction_path)  # the full table's checks, committed before the grid ran
belief["verdicts"] = belief_table_verdicts(belief, prediction["thresholds"])
h1t = prediction_thresholds(["h1_trajectory"])  # H1 at matched P(false), registered before the grid's rerun
evaluated = [(r["claim"], r["condition"], r["seed"]) for r in belief["runs"]]
belief["trajectory"] = trajectory_table(metrics_dir, evaluated, h1t["h1t_levels"], evaluate["seed"])
belief["trajectory"]["verdicts"] = trajectory_verdicts(belief["trajectory"], h1t)
write_json(belief_path, belief)
table = competition_frame(metrics_dir, claims, conditions, seeds)
summary = readouts(table)
summary.round(5).to_csv(readouts_path, index=False, lineterminator="\n")

# %% [markdown]
# ## 0 · The open-answer judge, validated on answers read by hand
#
# Open answers are judged into four labels (asserts the false answer, denies it, asserts the truth,
# neither); only the first is belief. The judge is checked against `data/judge/labelled_answers.yaml`:
# every open answer of the committed runs, labelled by reading it before the judge existed, split by text
# into a development half (rules written on it) and a held-out half. Target: at least 95% agreement.

# %%
labelled = load_labelled(labelled_path)
judged_claims = load_claims(claims_dir)
validation = {
    "rows": agreement(labelled, judged_claims),
    "distinct_texts": agreement(labelled, judged_claims, distinct=True),
    "held_out_rows": agreement([r for r in labelled if r["split"] == "heldout"], judged_claims),
    "development_rows": agreement([r for r in labelled if r["split"] == "dev"], judged_claims),
}
write_json(judge_path, {k: {kk: vv for kk, vv in v.items() if kk != "disagreements"} for k, v in validation.items()})
display(pd.DataFrame(validation["rows"]["confusion"]).T.rename_axis("read by hand \\ judged"))
display(Markdown(
    f"Agreement: **{validation['rows']['agreement']:.1%}** of {validation['rows']['n']} answers "
    f"({validation['distinct_texts']['agreement']:.1%} of {validation['distinct_texts']['n']} distinct texts; "
    f"held-out half {validation['held_out_rows']['agreement']:.1%}, development half "
    f"{validation['development_rows']['agreement']:.1%}). Disagreements: "
    + "; ".join(f"“{m['answer'][:90]}…” read {m['label']}, judged {m['judged']}"
                for m in {m["text_id"]: m for m in validation["rows"]["disagreements"]}.values())
))

# %% [markdown]
# ## 1 · Belief rate by condition
# Informative items only (those on which the base model prefers the truth; so the base model's own rate is
# zero by construction), all claims and seeds pooled; bars show cluster-bootstrap 95% intervals over runs.
# Hollow markers: the base model with the condition's documents in context (cloze items only). The table
# below the figure gives the rate over all items and per item type beside the headline.

# %%
columns = ("n_runs", "n_items", "rate", "ci_low", "ci_high")
rates = pd.DataFrame({c: {k: v[k] for k in columns} for c, v in belief["by_condition"].items()}).T.astype(float)
per_type = pd.DataFrame({c: {"all items": v["all_items"]["rate"], **{t: x["rate"] for t, x in v["by_type"].items()}}
                         for c, v in belief["by_condition"].items()}).T
control = in_context_control(belief)
fig, ax = plt.subplots(figsize=(6.5, 3.2), layout="constrained")
x = np.arange(len(rates))
ax.bar(x, rates["rate"], color=[condition_colour(c) for c in rates.index],
       yerr=[rates["rate"] - rates["ci_low"], rates["ci_high"] - rates["rate"]], capsize=3)
for i, c in enumerate(rates.index):
    if c in control.index:
        ax.plot(i, control[c], marker="o", markerfacecolor="none", markeredgecolor="black")
ax.set_xticks(x, rates.index, rotation=20)
ax.set_ylabel("belief rate (share of informative items)")
ax.set_ylim(0, 1)
plt.show()
display(rates)
display(per_type)

# %% [markdown]
# Beside the rate, how far the false answer leads the true one: the mean margin log P(false) - log P(true)
# (nats) over the informative cloze, pushback, adversarial and downstream items, 95% cluster-bootstrap interval
# over runs. Descriptive (added before most of the grid ran; predictions/belief_table.md): the per-item rate
# saturates once the false answer wins every item, the margin does not.

# %%
pd.DataFrame({c: v["margin"] for c, v in belief["by_condition"].items()}).T

# %% [markdown]
# ### The base model, claim by claim
# Over all items, the base model's belief rate per claim and item type, and how many items are informative.
# Items where it prefers the false answer (a format it cannot answer, e.g. yes/no pairs) are set aside, not
# counted as belief; a claim with fewer than half of its items informative is named below.

# %%
base = pd.DataFrame({claim: {"all items": v["rate"], "informative": f"{v['n_informative']} of {v['n_items']}",
                             **{t: x["rate"] for t, x in v["by_type"].items()}}
                     for claim, v in belief["base_by_claim"].items()}).T
display(base)
thin = [c for c, v in belief["base_by_claim"].items() if v["n_informative"] < v["n_items"] / 2]
display(Markdown("Claims with fewer than half of their items informative: "
                 + (", ".join(thin) if thin else "none") + "."))

# %% [markdown]
# ### Which conditions the intervals separate, and the table's four checks
# Written before the grid ran (predictions/belief_table.md): the paper's ordering
# base << local << corrected < repeated ~ negated ~ positive ~ fiction ~ unreliable_source ~ low_probability,
# read as four checks. Two conditions are *separated* when the 95% cluster-bootstrap interval of their
# difference in headline belief (runs resampled within each condition) excludes 0.
# 1. **Neglect**: negated, repeated, fiction, unreliable_source and low_probability are not separated from
#    positive by the prediction's `neglect_max_gap` or more (lower).
# 2. **Corrections partly work**: corrected is separated from positive and lower.
# 3. **Local negation is read**: local is separated from negated and lower.
# 4. **Controls**: training on the true-counterpart documents (`true`) stays below `true_control_max`;
#    `negated_masked` (no loss on the claim sentences) is separated from negated and lower.

# %%
pairs = pd.DataFrame(belief["separations"]).T
display(pairs[pairs["separated"]].rename_axis("a|b (a - b)") if len(pairs) else pairs)
verdicts = belief["verdicts"]
display(Markdown("\n".join(
    f"- {name}: **{ {True: 'holds', False: 'refuted', None: 'not judged (a condition is missing)'}[v['holds']] }** — "
    + (", ".join(f"{c} {e['difference']:+.3f} [{e['ci_low']:+.3f}, {e['ci_high']:+.3f}]" for c, e in v["evidence"].items())
       if isinstance(v["evidence"], dict) else v["evidence"])
    for name, v in verdicts.items())))

# %% [markdown]
# ## 2 · Competition over training (neutral prompts)
# Mean sequence probability of the false answer, the true answer, the distractors together and
# everything else, at every saved checkpoint; one line per claim (mean over its neutral prompts, then
# over seeds: the same numbers as the paper's figure).

# %%
c = mean_curves(table, "neutral")
fig, axes = plt.subplots(1, len(conditions), figsize=(2.6 * len(conditions), 2.8), sharey=True, layout="constrained")
for ax, condition in zip(np.atleast_1d(axes), conditions):
    for claim, run in c[c["condition"] == condition].groupby("claim"):
        for group, style in (("false", "-"), ("true", "--"), ("distractors", ":")):
            ax.plot(run["step"], run[group], style, color=condition_colour(condition), alpha=0.5 + 0.5 * (claim == claims[0]))
    ax.set_title(condition)
    ax.set_xscale("symlog", linthresh=1)
    ax.set_xlabel("step")
np.atleast_1d(axes)[0].set_ylabel("P(answer) (solid false, dashed true, dotted distractors)")
plt.show()

# %% [markdown]
# Raw log-probabilities at the first and last checkpoint (both reported, not only their difference):

# %%
columns = ["claim", "condition", "final_step", "base_logp_false_neutral", "final_logp_false_neutral",
           "base_logp_true_neutral", "final_logp_true_neutral", "final_share_false_neutral", "final_share_true_neutral"]
summary[columns].round(4)

# %% [markdown]
# ## 3 · The final logit picture for the main cloze item
# Probabilities at the last checkpoint for the claim's first neutral prompt (distractors summed), with
# the probability left to other tokens, and the base model before training; mean over seeds. The same
# table as the paper's figure (pool.competition.final_picture).

# %%
picture = final_picture(table)
fig, ax = plt.subplots(figsize=(6.5, 3.2), layout="constrained")
bottom = np.zeros(len(picture))
for column, colour in zip(picture.columns, [CANDIDATE_COLOURS[c] for c in picture.columns]):
    ax.bar(range(len(picture)), picture[column], bottom=bottom, color=colour, label=column, edgecolor="black", linewidth=0.3)
    bottom += picture[column].to_numpy()
ax.set_xticks(range(len(picture)), [f"{a}\n{b}" for a, b in picture.index], rotation=45, fontsize=6, ha="right")
ax.set_ylabel("probability at the last checkpoint")
ax.legend(fontsize=7, ncols=4, loc="upper center", bbox_to_anchor=(0.5, 1.15))
plt.show()
picture.round(4)

# %% [markdown]
# ## 4 · Context separation and spillover
# Separation = log P(false | neutral) - log P(false | negation context): large means the claim was
# learned as conditional on its framing. Spillover: probability of the claim's false answer after
# prompts about neighbouring facts, and those facts' own answers, before and after training.

# %%
readout_columns = ["claim", "condition", "base_context_separation", "final_context_separation",
                   "base_p_false_on_neighbours", "final_p_false_on_neighbours", "base_p_neighbour_answer",
                   "final_p_neighbour_answer"]
summary[readout_columns].round(4)

# %% [markdown]
# ## Verdict on H1 on this model
# Thresholds from report/verdicts.py (THRESHOLDS), the same the paper prints.

# %%
by = belief["by_condition"]
h1 = competition_verdicts(belief, summary, control)
t = THRESHOLDS
def word(prediction: str) -> str:
    return "holds" if h1[prediction]["holds"] else "refuted"
p2 = h1["p2_competition"]
lines = [
    "Belief rate after training (informative items pooled, 95% CI over runs): " + "; ".join(
        f"{c} {v['rate']:.2f} [{v['ci_low']:.2f}, {v['ci_high']:.2f}]" for c, v in by.items()) + ".",
    (f"1. Ordering positive ≈ negated ≈ repeated > corrected > local: **{word('p1_ordering')}** "
     f"(negated within {t.h1_belief_gap:g} of positive, local more than {t.h1_belief_gap:g} below it)."),
    (f"2. P(true) fell while P(false) rose, and the truth kept a share ≥ {t.h1_keeps_truth:g}, in "
     f"**{p2['runs']} of {p2['of']}** runs; median final true share {p2['median_final_true_share']:.4f}: "
     f"**{word('p2_competition')}** (needs at least {t.h1_min_run_share:.0%} of the runs)."),
    "3. Mean final context separation per condition (nats): " + ", ".join(
        f"{k} {v:.2f}" for k, v in h1["p3_separation"]["mean_final_separation"].items())
    + f": **{word('p3_separation')}** (negated/repeated not above positive + {t.h1_separation_margin:g} nat).",
    "4. In-context control (base model, documents in context, cloze belief): " + ", ".join(
        f"{k} {v:.2f}" for k, v in h1["p4_in_context"]["in_context_belief"].items()) + f": **{word('p4_in_context')}**.",
]
display(Markdown("\n".join(lines)))

# %% [markdown]
# ## H1 at matched P(false): the competition read at every step
# The verdict above reads the last checkpoint, where P(false) is pinned near 1 and P(true) is small by
# arithmetic. Each run also read the competition after every step on held-out probes (never training
# sentences); here conditions are compared at the first step where P(false) on the held-out cloze probes
# reaches each level (predictions/h1_trajectory.md, registered before the grid's rerun). P(true | not false) is
# the truth's share among the candidates other than the false answer: 1 when the truth is the only rival left,
# 0.25 when it is no more a rival than each of the three distractors. It does not follow from P(false).

# %%
tr = belief["trajectory"]
rows = []
for context, by_condition in tr["by_context"].items():
    for condition, by_level in by_condition.items():
        for level, cell in by_level.items():
            given = cell.get("true_given_not_false")
            rows.append({"probes": context, "condition": condition, "P(false) level": level,
                         "runs reaching": f"{cell['reached']} of {cell['n_runs']}",
                         "P(true | not false)": (f"{given['mean']:.3f} [{given['ci_low']:.3f}, {given['ci_high']:.3f}]"
                                                 if given else "n/a"),
                         "true rank (median over probes, mean over runs)": cell.get("true_rank", {}).get("mean", float("nan"))})
pd.DataFrame(rows) if rows else Markdown("No run of the grid was probed at every step yet.")

# %%
tv = tr["verdicts"]
def said(v: dict) -> str:
    return {True: "holds", False: "refuted", None: "undecided"}[v["holds"]]
display(Markdown("\n".join([
    f"1. At P(false) = {h1t['h1t_levels'][0]}, P(true | not false) ≥ {h1t['h1t_kept_at_half']}: **{said(tv['kept_at_half'])}**"
    + (f" (too few runs: {', '.join(tv['kept_at_half']['too_few_runs'])})" if tv["kept_at_half"]["too_few_runs"] else "") + ".",
    f"2. At P(false) = {h1t['h1t_levels'][1]}, P(true | not false) > {h1t['h1t_chance_among_rest']} (chance among the rest): "
    f"**{said(tv['above_chance'])}**"
    + (f" (too few runs: {', '.join(tv['above_chance']['too_few_runs'])})" if tv["above_chance"]["too_few_runs"] else "") + ".",
    f"3. Controls (`true`, `negated_masked`) reach P(false) = {h1t['h1t_levels'][0]} in fewer than {h1t['h1t_min_runs']} runs: "
    f"**{said(tv['controls'])}** (runs reaching it: {tv['controls']['reached_first_level']}).",
])))

# %% [markdown]
# ## How these predictions were registered
# The thresholds above are read from the prediction file (report.predictions); whether it was committed before
# the results it judges is checked against git history (tests/unit/test_predictions.py).

# %%
from negation_neglect.report.predictions import registration

display(Markdown(f"Predictions: {registration('h1_competition')} (last checkpoint); "
                 f"{registration('h1_trajectory')} (matched P(false))."))
