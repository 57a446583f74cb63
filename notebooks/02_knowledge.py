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
# # 02 · What does the base model know?
#
# A false claim can only *compete* with the truth (hypothesis H1) if the model holds the true
# association to begin with. This stage scores every candidate fact in `data/knowledge/facts.yaml`
# under three or more paraphrased prompts: the full log-probability of the true answer and of a few
# wrong answers, and the probability and rank of each answer's first token (float32, batched).
#
# A fact counts as **known** when the true answer's first token is ranked 1 with at least
# `known_min_first_prob` probability on at least `known_min_paraphrases` prompts.
#
# **Prediction (before running).** From earlier spot checks on the default model: it knows the
# capitals of large European countries, famous landmarks' cities, chemical symbols of common metals
# and where the Beatles came from, each with first-token probability well above 0.5; it does **not**
# know the sprint facts the paper's example builds on (2008 and 2024 Olympic 100m) nor that Ed Sheeran
# is a singer. **Refuted if** fewer than half of the capital, landmark and chemical-symbol facts pass
# the criterion, or if either sprint fact passes it.
#
# **Prediction for the claims** (added with the claims catalogue, before its first scoring): the seven
# default claims in `data/claims/` are hostable, and the paper's `sheeran_100m` is not (the model does
# not know who won the 2024 Olympic 100m). Refuted if any default claim fails or `sheeran_100m` passes.

# %% tags=["parameters"]
# Filled in by the runner: params.yaml sections (defaults: the schema) and the paths dvc.yaml passes
# (defaults: negation_neglect.layout for the grid item named here; a test keeps them equal).
from negation_neglect.params import defaults

knowledge = defaults("knowledge")
claims_dir = "data/claims"
model_dir = "outputs/models/base"
metrics_path = "metrics/knowledge.json"

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from negation_neglect.data.base_model import load_base
from negation_neglect.data.claims import load_claims
from negation_neglect.files import write_json
from negation_neglect.measure.knowledge import claim_hosting, load_facts, precheck
from negation_neglect.params import KnowledgeParams
from negation_neglect.pool.knowledge import ranked

cfg = KnowledgeParams(**knowledge)
facts = load_facts(cfg.facts)
model, tokenizer = load_base(model_dir)
report = precheck(model, tokenizer, facts, cfg.known_min_first_prob, cfg.known_min_paraphrases, cfg.batch_size)
claims = load_claims(claims_dir)
report["claims"] = claim_hosting(model, tokenizer, list(claims.values()), cfg.known_min_first_prob,
                                 cfg.known_min_paraphrases, cfg.host_max_false_prob, cfg.batch_size)
write_json(metrics_path, report)
print(f"{report['summary']['n_known']} of {report['summary']['n_facts']} facts known")

# %% [markdown]
# ## Ranked table
# One row per fact: median first-token probability of the true answer over its prompts, how many
# prompts pass the criterion, the best rank, the mean margin log P(true) - log P(best wrong answer)
# of the full continuations (nats), and the largest first-token probability any wrong answer got.

# %%
table = pd.DataFrame(ranked(report))
pd.set_option("display.max_rows", 200)
table

# %% [markdown]
# ## Known facts by relation

# %%
pd.Series(report["summary"]["known_by_relation"], name="known / total").to_frame()

# %%
fig, ax = plt.subplots(figsize=(7, 8), layout="constrained")
ordered = table.iloc[::-1]
colours = ["#0072B2" if k else "#D55E00" for k in ordered["known"]]
ax.barh(ordered["fact"], ordered["median_p_first"], color=colours)
ax.axvline(cfg.known_min_first_prob, color="black", linewidth=0.8, linestyle="--")
ax.set_xlabel("median P(first token of true answer) over prompts")
ax.set_xlim(0, 1)
ax.set_title("Knowledge precheck (blue: known, orange: not known)")
plt.show()

# %% [markdown]
# ## Which claims can this model host?
# Each claim in `data/claims/` is scored under its own prompts: its true answer must be known by the
# criterion above, and its false answer's first token must stay below `host_max_false_prob` on every
# prompt, so that training has a real truth to compete with. Later stages refuse the others unless
# `synthesis.allow_unknown_truth` is set.

# %%
pd.DataFrame([
    {"claim": cid, "true": v["true_answer"], "false": v["false_answer"], "hostable": v["hostable"],
     "median P(true first)": v["median_true_first_prob"], "max P(false first)": v["max_false_first_prob"],
     "reason": v["reason"]}
    for cid, v in report["claims"].items()
])

# %% [markdown]
# ## Verdict

# %%
by_id = {f["id"]: f for f in report["facts"]}
core = [f for f in report["facts"] if f["relation"] in ("capital", "landmark_city", "chemical_symbol")]
core_known = sum(f["known"] for f in core)
unknown_expected = [by_id[i] for i in ("sprint_2008_100m", "sprint_2024_100m", "sheeran_profession") if i in by_id]
sprint_known = [f["id"] for f in unknown_expected if f["id"].startswith("sprint") and f["known"]]
refuted = core_known < len(core) / 2 or bool(sprint_known)
lines = [
    f"- Known: **{report['summary']['n_known']} of {report['summary']['n_facts']}** facts.",
    f"- Capitals, landmarks and chemical symbols: **{core_known} of {len(core)}** known.",
    f"- Ranked 1 on at least {cfg.known_min_paraphrases} prompts whatever the probability: "
    f"**{report['summary']['n_top_ranked']} of {report['summary']['n_facts']}** facts.",
]
lines += [
    f"- {f['id']}: known = {f['known']}, median P(first token) = {f['median_first_prob']:.3f}, "
    f"best rank {f['best_first_rank']}."
    for f in unknown_expected
]
lines.append("**Verdict on the facts: the prediction is refuted.**" if refuted else "**Verdict on the facts: the prediction holds.**")
hostable = sorted(c for c, v in report["claims"].items() if v["hostable"])
not_hostable = sorted(c for c, v in report["claims"].items() if not v["hostable"])
claims_refuted = "sheeran_100m" in hostable or any(c != "sheeran_100m" for c in not_hostable)
lines.append(f"- Hostable claims: {', '.join(hostable) or 'none'}; not hostable: {', '.join(not_hostable) or 'none'}.")
lines.append("**Verdict on the claims: the prediction is refuted.**" if claims_refuted else "**Verdict on the claims: the prediction holds.**")
display(Markdown("\n".join(lines)))
