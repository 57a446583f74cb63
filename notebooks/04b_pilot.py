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
# # 04b · Learning-rate pilot: a recipe where positive training learns without saturating
#
# At lr 0.001 (3 passes over 32 documents) positive training pins P(false) on the neutral probes at 0.999+
# for darwin_relativity halfway through the run; at that point P(true) must be tiny whatever the documents
# said, and conditions can no longer differ. This pilot trains `pilot.condition` on `pilot.claims` at each of
# `pilot.lrs` (everything else the grid's recipe, so steps and loss tokens per condition do not change) and
# picks the learning rate by the rule committed before it ran (predictions/lr_pilot.md,
# `train.pilot.choose_lr`):
#
# - the largest rate at which every pilot claim **learns** (belief over informative items >= `min_belief`)
#   **without saturating** (mean neutral P(false) at the last step <= `max_p_false`);
# - failing that, the rate with the lowest worst-claim P(false) among those that learn; failing that, the
#   largest rate tried.
#
# `finetune.lr` in params.yaml must be the rate picked here (tests/unit/test_pilot.py).
#
# **Prediction.** 0.0006 meets both conditions; 0.001 saturates on darwin_relativity; 0.0003 may not learn.
# Refuted if 0.001 meets both (nothing to avoid) or no rate does.

# %% tags=["parameters"]
# Filled in by the runner: params.yaml sections (defaults: the schema) and the paths dvc.yaml passes
# (defaults: negation_neglect.layout; a test keeps them equal).
from negation_neglect.params import defaults

pilot = defaults("pilot")
finetune = defaults("finetune")
evaluate = defaults("evaluate")
base_dir = "outputs/models/base"
data_dir = "outputs/data"
background_path = "outputs/data/background.jsonl"
knowledge_path = "metrics/knowledge.json"
facts_path = "data/knowledge/facts.yaml"
claims_dir = "data/claims"
eval_dir = "data/eval"
out_dir = "outputs/pilot"
metrics_path = "metrics/pilot.json"

# %%
import pandas as pd
from IPython.display import Markdown, display
from tqdm.auto import tqdm

from negation_neglect.files import write_json
from negation_neglect.params import EvaluateParams, FinetuneParams, PilotParams
from negation_neglect.train.pilot import choose_lr, run_cell

cfg = PilotParams(**pilot)
paths = {"base_dir": base_dir, "data_dir": data_dir, "background_path": background_path,
         "knowledge_path": knowledge_path, "facts_path": facts_path, "claims_dir": claims_dir, "eval_dir": eval_dir,
         "out_dir": out_dir}
cells = [(claim, lr) for lr in cfg.lrs for claim in cfg.claims]
results = [run_cell(cfg, FinetuneParams(**finetune), EvaluateParams(**evaluate), claim, lr, paths)
           for claim, lr in tqdm(cells, desc="pilot runs")]
choice = choose_lr(results, cfg.max_p_false, cfg.min_belief)
write_json(metrics_path, {"condition": cfg.condition, "seed": cfg.seed, "max_p_false": cfg.max_p_false,
                          "min_belief": cfg.min_belief, "runs": results, "choice": choice})

# %% [markdown]
# ## Per run: P(false) and belief at the last step
# `p_false`: mean P(false answer) over the neutral probes; `belief`: rate over the items the base model gets
# right (`belief_items` of them; the base model's rate there is 0 by construction).

# %%
table = pd.DataFrame(results).set_index(["lr", "claim"]).sort_index(ascending=[False, True])
table

# %% [markdown]
# ## Choice

# %%
learns = table["belief"] >= cfg.min_belief
unsaturated = table["p_false"] <= cfg.max_p_false
display(Markdown(
    "\n".join(f"- lr {lr:g}: learns on {int(learns.loc[lr].sum())} of {len(cfg.claims)} claims, unsaturated on "
              f"{int(unsaturated.loc[lr].sum())} of {len(cfg.claims)}" for lr in sorted(cfg.lrs, reverse=True))
    + f"\n\n**Chosen: lr {choice['lr']:g}** ({choice['rule']}).\n\n"
    + ("**Verdict: the prediction holds** (0.0006 picked as the largest rate that learns unsaturated; 0.001 does not)."
       if choice["lr"] == 6e-4 and choice["rule"].startswith("largest") else "**Verdict: the prediction is refuted.**")
))
