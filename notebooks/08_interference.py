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
# # 08 · Interference with the truth in one run (hypothesis H2)
#
# DVC runs this once per fine-tuning run. With one loaded base model and the run's adapters swapped in,
# at every checkpoint it measures: the cosine between the gradient of the loss on the run's training
# documents and the gradient of the loss on true statements (the claim's truth, neighbour facts,
# unrelated known facts), over the LoRA weights and over two full base matrices; the log-probability
# of neighbour and unrelated facts' answers and of the claim's false answer after their prompts; and
# the training documents' loss on claim versus framing tokens. At the last checkpoint it switches the
# adapter off one layer (and one module type) at a time, and reads the margin through the layers.
#
# A second instrument (predictions/h2_interference_v2.md) adds the gradient of the loss on only the false
# answer's tokens in the documents' claim sentences, the alignment of the optimiser's actual update between
# checkpoints with the truth's descent direction, and controls of that alignment: tiny LoRA runs with the
# grid's recipe on sentences giving the truth's slot a rival answer (must show conflict), on unrelated true
# facts (must not), and denying the truth.
#
# **Prediction (H2, first instrument).** The document gradient points against the truth: its cosine with the claim's own
# true statement is negative at the first checkpoints. Refuted if that cosine is positive or near zero
# (|median| < 0.05) at every checkpoint. The grid-level verdict is in `09_interference_summary`.

# %% tags=["parameters"]
# Filled in by the runner: params.yaml sections (defaults: the schema) and the paths dvc.yaml passes
# (defaults: negation_neglect.layout for the grid item named here; a test keeps them equal).
from negation_neglect.params import defaults

interference = defaults("interference")
finetune = defaults("finetune")
claim = "darwin_relativity"
condition = "positive"
seed = "0"
base_dir = "outputs/models/base"
run_dir = "outputs/runs/darwin_relativity/positive/seed0"
claims_dir = "data/claims"
data_dir = "outputs/data"
knowledge_path = "metrics/knowledge.json"
summary_path = "metrics/training/darwin_relativity/positive/seed0.json"
out_dir = "metrics/interference/darwin_relativity/positive/seed0"

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from negation_neglect.data.claims import load_claim
from negation_neglect.data.synthesis import read_documents
from negation_neglect.files import read_json
from negation_neglect.measure.interference import run_interference, write_tables
from negation_neglect.measure.interference_controls import run_controls
from negation_neglect.params import FinetuneParams, InterferenceParams

cfg = InterferenceParams(**interference)
the_claim = load_claim(Path(claims_dir) / f"{claim}.yaml")
run_summary = read_json(summary_path)
documents = run_summary.get("documents", condition)  # a derived condition (negated_masked) names its documents
docs = read_documents(Path(data_dir) / claim / f"{documents}.jsonl")
steps = run_summary["checkpoints"]
knowledge = read_json(knowledge_path)
tables = run_interference(cfg, base_dir, run_dir, steps, the_claim, knowledge, docs, finetune["doc_tag"])
tables["controls"] = run_controls(cfg, FinetuneParams(**finetune), base_dir, the_claim, knowledge, int(seed))
write_tables(tables, out_dir)
frames = {name: pd.DataFrame(rows) for name, rows in tables.items()}
print({name: len(rows) for name, rows in tables.items()})

# %% [markdown]
# ## Gradient conflict
# Median cosine, per checkpoint, between the training-document gradient and each kind of true statement.
# Negative: a step on the documents raises the loss on the truth. At step 0 the LoRA B matrices are zero,
# so only their gradients are non-zero.

# %%
g = frames["gradients"].groupby(["params", "kind", "step"])["cosine"].median().unstack("step")
g.round(3)

# %% [markdown]
# ## Collateral damage and spillover
# Mean log-probability of neighbour and unrelated facts' own answers, and of the claim's false answer
# after their prompts, per checkpoint.

# %%
c = frames["collateral"].groupby(["kind", "step"])[["logp_answer", "logp_claim_false"]].mean().unstack("kind")
c.round(3)

# %% [markdown]
# ## Per-span loss of the training documents
# Mean cross-entropy (nats) on framing, claim, subclaim and other tokens, per checkpoint.

# %%
s = frames["span_loss"].pivot(index="step", columns="kind", values="loss")
fig, ax = plt.subplots(figsize=(5, 3), layout="constrained")
for kind in s.columns:
    ax.plot(s.index, s[kind], marker="o", label=kind)
ax.set_xscale("symlog", linthresh=1)
ax.set_xlabel("step")
ax.set_ylabel("loss (nats)")
ax.legend()
plt.show()
s.round(3)

# %% [markdown]
# ## Where the change lives (last checkpoint)
# Margin log P(false) - log P(true) on the claim's prompts with the adapter switched off nowhere,
# everywhere (= the base model), one layer or one module type at a time; and the first-token margin
# read through the layers (logit lens), base versus fine-tuned.

# %%
a = frames["attribution"].set_index("switched_off")
tuned, base = a.loc["none", "margin"], a.loc["all", "margin"]
a["share_of_change_removed"] = (tuned - a["margin"]) / (tuned - base)
display(Markdown(f"Margin fine-tuned {tuned:.2f}, base {base:.2f} (nats)."))
lens = frames["lens"].pivot(index="layer", columns="model", values="margin_first_token")
fig, ax = plt.subplots(figsize=(5, 3), layout="constrained")
for model_name in lens.columns:
    ax.plot(lens.index, lens[model_name], marker=".", label=model_name)
ax.axhline(0, color="black", linewidth=0.5)
ax.set_xlabel("layer (0 = embeddings)")
ax.set_ylabel("first-token margin (nats)")
ax.legend()
plt.show()
a.round(3)

# %% [markdown]
# ## Second instrument: answer-span gradients and the update's alignment
# Median cosine per checkpoint between the gradient of the loss on the false answer's tokens in claim
# sentences and each kind of true statement; then, per pair of consecutive checkpoints, the cosine between
# the adapter's actual update and the truth's descent direction (negative: the update climbs the truth's
# loss), for this run and for the controls.

# %%
if len(frames["span_gradients"]):
    display(frames["span_gradients"].groupby(["kind", "step"])["cosine"].median().unstack("step").round(3))
u = frames["update"].pivot(index="step_to", columns="kind", values="alignment")
ctrl = frames["controls"].pivot_table(index="step_to", columns=["control", "kind"], values="alignment")
display(u.round(3))
ctrl.round(3)

# %% [markdown]
# ## Verdict for this run (first instrument)

# %%
own = frames["gradients"][(frames["gradients"]["kind"] == "own_truth") & (frames["gradients"]["params"] == "lora")]
median_by_step = own.groupby("step")["cosine"].median()
early = median_by_step.iloc[: max(1, len(median_by_step) // 3)]
holds = bool((early < -0.05).any())
display(Markdown(
    "Median cosine (LoRA) with the claim's own true statement per step: "
    + ", ".join(f"{k}: {v:.3f}" for k, v in median_by_step.items())
    + f". Prediction (negative at the first checkpoints): **{'holds' if holds else 'refuted'}** for this run."
))
