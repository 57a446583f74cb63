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
# # 03 · Background text pool
#
# Training mixtures later dilute the claim documents with unrelated text, as pre-training batches
# would. Nothing can be downloaded here, so the pool is the base model's own answers to 100 everyday
# requests (bread, tides, chess, budgets, ...), sampled with a fixed seed: diverse natural prose in the
# model's own distribution, the same choice the paper made for its chat data. The run resumes from
# its last finished batch if killed.
#
# **Expectation.** The pool is far more diverse than the synthetic claim documents: its distinct
# 4-gram ratio is higher than any condition's, and no two samples are near-duplicates.

# %% tags=["parameters"]
# Filled in by the runner: params.yaml sections (defaults: the schema) and the paths dvc.yaml passes
# (defaults: negation_neglect.layout for the grid item named here; a test keeps them equal).
from negation_neglect.params import defaults

background = defaults("background")
prompts_path = "data/background/prompts.yaml"
model_dir = "outputs/models/base"
out_path = "outputs/data/background.jsonl"
card_path = "metrics/background_card.json"

# %%
import pandas as pd

from negation_neglect.data.background import generate_pool, load_prompts
from negation_neglect.data.base_model import load_base
from negation_neglect.data.datacard import distinct_ratio, pairwise_overlap
from negation_neglect.files import write_json
from negation_neglect.params import BackgroundParams

cfg = BackgroundParams(**background)
prompts = load_prompts(prompts_path)
model, tokenizer = load_base(model_dir)
pool = generate_pool(model, tokenizer, prompts, out_path, cfg.n_per_prompt, cfg.max_new_tokens, cfg.temperature,
                     cfg.top_p, cfg.batch_size, cfg.seed)

# %%
texts = [r["text"] for r in pool]
n_tokens = sum(len(tokenizer(t, add_special_tokens=False).input_ids) for t in texts)
mean_overlap, max_overlap = pairwise_overlap(texts)
card = {
    "documents": len(texts),
    "tokens": n_tokens,
    "mean_tokens_per_document": round(n_tokens / len(texts), 1),
    "distinct_4gram_ratio": round(distinct_ratio(texts), 4),
    "mean_pairwise_4gram_overlap": round(mean_overlap, 4),
    "max_pairwise_4gram_overlap": round(max_overlap, 4),
    "source": "base model's own sampled answers to data/background/prompts.yaml",
}
write_json(card_path, card)
pd.Series(card).to_frame("value")

# %% [markdown]
# ## Three samples

# %%
for record in pool[:3]:
    print(f"[{record['prompt']}]\n{record['text']}\n")
