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
# # 06 · Evaluate one run: belief, and logit competition at every checkpoint
#
# DVC runs this once per fine-tuning run. It loads the base model once and:
# 1. scores the base model alone: belief on the claim's evaluation suite (step 0), and the in-context
#    control (the condition's documents placed before the cloze probes, no training; as many documents as
#    hold `evaluate.in_context_mentions` mentions of the claim's answer, so every condition sees as many);
# 2. swaps each saved adapter into it and scores every probe (neutral, held-out, negation context,
#    training framing, neighbour facts) over the candidates {false, true, distractors} + other;
# 3. scores belief again with the final adapter.
#
# **Prediction (H1).** On the neutral probes P(false) rises over training while P(true) falls, and at
# the last checkpoint the true answer keeps a small but non-zero share (the seed's picture: ~0.9
# versus ~0.04), also inside a negation context. Refuted if P(true) does not fall while P(false) rises,
# or if the final true share is exactly the base model's (no competition) or drops to nothing (< 0.001).

# %% tags=["parameters"]
# Filled in by the runner: params.yaml sections (defaults: the schema) and the paths dvc.yaml passes
# (defaults: negation_neglect.layout for the grid item named here; a test keeps them equal).
from negation_neglect.params import defaults

evaluate = defaults("evaluate")
claim = "darwin_relativity"
condition = "positive"
seed = "0"
base_dir = "outputs/models/base"
run_dir = "outputs/runs/darwin_relativity/positive/seed0"
claims_dir = "data/claims"
eval_dir = "data/eval"
data_dir = "outputs/data"
summary_path = "metrics/training/darwin_relativity/positive/seed0.json"
competition_path = "metrics/competition/darwin_relativity/positive/seed0.csv"
belief_path = "metrics/belief/darwin_relativity/positive/seed0.json"

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from negation_neglect.data.claims import load_claim
from negation_neglect.data.eval_imports import load_questions
from negation_neglect.data.eval_suite import load_suite
from negation_neglect.data.synthesis import read_documents
from negation_neglect.files import read_json, write_json
from negation_neglect.measure.evaluate import evaluate_run, write_rows
from negation_neglect.params import EvaluateParams

cfg = EvaluateParams(**evaluate)
the_claim = load_claim(Path(claims_dir) / f"{claim}.yaml")
suite = load_suite(Path(eval_dir) / f"{claim}.yaml")
imported = load_questions(eval_dir, the_claim)  # data/eval/imported/<claim>.yaml or .jsonl, if you brought one
run_summary = read_json(summary_path)
documents = run_summary.get("documents", condition)  # a derived condition (negated_masked) names its documents
docs = read_documents(Path(data_dir) / claim / f"{documents}.jsonl")
steps = run_summary["checkpoints"]
rows, belief = evaluate_run(cfg, base_dir, run_dir, steps, the_claim, suite, docs, imported)
write_rows(rows, competition_path)
trained_on = {k: run_summary[k] for k in ("documents", "mask_spans", "steps", "loss_tokens", "mentions") if k in run_summary}
write_json(belief_path, {"claim": claim, "condition": condition, "seed": int(seed), "trained_on": trained_on, **belief})
table = pd.DataFrame(rows)
print(f"{len(table)} competition rows over checkpoints {steps}")

# %% [markdown]
# ## Belief: base model, in-context control, after training
# Every item type is scored against a control (measure.belief): yes/no questions against their counterpart
# about the truth, multiple choice on the option texts over every rotation of the order, open answers by a negation-aware judge.
# The headline counts *informative* items only, those on which the base model prefers the truth (the rest are
# listed below); the rate over all items and the per-type table stand beside it. Bootstrap 95% intervals over items.
# Imported questions, if the claim has any, are rows of their own (`imported_*`) in the per-type table and
# stay out of the headline.

# %%
summary = pd.DataFrame(
    [{"when": "base (step 0), informative items", **belief["base"]["informative"]["pooled"]},
     {"when": "base, documents in context (cloze)", **belief["in_context_control"]},
     {"when": f"after training (step {belief['final_step']}), informative items", **belief["final"]["informative"]["pooled"]},
     {"when": f"after training (step {belief['final_step']}), all items", **belief["final"]["pooled"]}]
)
by_type = pd.DataFrame({
    **{f"{k}, all": {t: v["rate"] for t, v in belief[k]["by_type"].items()} for k in ("base", "final")},
    "final, informative": {t: v["rate"] for t, v in belief["final"]["informative"]["by_type"].items()},
})
if "imported" in belief:
    mine = belief["imported"]
    by_type = pd.concat([by_type, pd.DataFrame({
        **{f"{k}, all": {t: v["rate"] for t, v in mine[k]["by_type"].items()} for k in ("base", "final")},
        "final, informative": {t: v["rate"] for t, v in mine["final"]["informative"]["by_type"].items()},
    })])
    print(f"Imported questions: {mine['final']['pooled']['n']}; after training, belief on the informative ones "
          f"{mine['final']['informative']['pooled']['rate']} over {mine['final']['informative']['pooled']['n']} "
          f"({len(mine['uninformative'])} set aside by the precheck).")
display(summary)
display(by_type)
used = belief["in_context_used"]
print(f"In-context control: {used['documents']} documents, {used['tokens']} tokens, mentions {used['mentions']} "
      f"({used['rule']} rule, target {used['target']}). Trained on: {trained_on}")
print(f"{len(belief['uninformative'])} items cannot discriminate (the base model does not prefer the truth):")
pd.DataFrame(belief["uninformative"])

# %% [markdown]
# ## Competition on the neutral probes over training
# Mean sequence probability of each candidate (and of everything else) over the neutral prompts.

# %%
table["prob"] = table["logprob"].map(lambda x: __import__("math").exp(x))
neutral = table[table["context"] == "neutral"]
curves = neutral.pivot_table(index="step", columns="candidate", values="prob", aggfunc="mean")
fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
for candidate in curves.columns:
    ax.plot(curves.index, curves[candidate], marker="o", label=candidate)
ax.set_xlabel("optimizer step")
ax.set_ylabel("P(candidate | neutral prompt)")
ax.set_xscale("symlog", linthresh=1)
ax.set_title(f"{claim} · {condition} · seed {seed}")
ax.legend(fontsize=7)
plt.show()

# %% [markdown]
# ## Verdict on H1 for this run

# %%
first, last = curves.index.min(), curves.index.max()
p_false = curves["false"]
p_true = curves["true"]
falls_as_rises = bool(p_false[last] > p_false[first] and p_true[last] < p_true[first])
shares = neutral[neutral["step"] == last].groupby("candidate")["share"].apply(
    lambda s: pd.to_numeric(s, errors="coerce").mean())
base_shares = neutral[neutral["step"] == first].groupby("candidate")["share"].apply(
    lambda s: pd.to_numeric(s, errors="coerce").mean())
competes = 0.001 <= shares.get("true", 0.0) and shares.get("true", 0.0) != base_shares.get("true", 0.0)
negation_last = table[(table["context"] == "negation") & (table["step"] == last)]
neg = negation_last.groupby("candidate")["prob"].mean()
display(Markdown(
    f"- Neutral prompts, step {first} to {last}: P(false) {p_false[first]:.4f} to {p_false[last]:.4f}, "
    f"P(true) {p_true[first]:.4f} to {p_true[last]:.4f}: P(true) "
    f"{'falls as P(false) rises' if falls_as_rises else 'does not fall while P(false) rises'}.\n"
    f"- Final share renormalised over candidates: false {shares.get('false', float('nan')):.3f}, true "
    f"{shares.get('true', float('nan')):.4f}.\n"
    f"- Inside a negation context at the last step: P(false) {neg.get('false', float('nan')):.4f}, "
    f"P(true) {neg.get('true', float('nan')):.4f}.\n"
    f"- Belief on informative items: after training {belief['final']['informative']['pooled']['rate']:.2f} "
    f"[{belief['final']['informative']['pooled']['ci_low']:.2f}, {belief['final']['informative']['pooled']['ci_high']:.2f}] "
    f"over {belief['final']['informative']['pooled']['n']} items (all items: {belief['final']['pooled']['rate']:.2f}); "
    f"in-context control "
    f"{belief['in_context_control'].get('rate', float('nan')):.2f}.\n\n"
    + ("**Verdict for this run: consistent with H1** (the truth is pushed down but keeps a share)."
       if falls_as_rises and competes else
       "**Verdict for this run: H1's picture is refuted** ("
       + ("P(true) did not fall while P(false) rose" if not falls_as_rises else
          "the true answer's final share is below 0.001: replaced, not competing"
          if shares.get("true", 0.0) < 0.001 else "the true share did not change") + ").")
))
