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
# # 11 · The model organism: pre-training from scratch, then the comprehension gate
#
# The small real models do not understand negation when they read it (SCIENCE.md), so negation
# neglect cannot be told apart from incomprehension on them. Here a small Llama is pre-trained from
# scratch on a synthetic world (`negation_neglect.organism.world`): invented people with a home city, a job and an
# instrument, stated in paraphrases, with false claims that are always framed (local negation, "It is
# false that ...", a document-level warning, a made-up story, a correction) and, for people met only
# inside one document, questions that can be answered only by reading the framing. DVC runs this
# notebook once per pre-training dial setting: `diversity` (world people per batch) x `seed`.
#
# **The gate** then asks, per framing, binary questions about people the model never saw (chance 50%)
# and about known people given a framed false claim. A framing passes when both accuracies reach
# `gate.min_accuracy`; the fine-tuning experiment (notebook 12) is read as a test of negation *neglect*
# only for framings that pass.
#
# **Prediction.** Pre-training loss falls well below its start, the world's facts are learned (most
# known facts rank first), and the gate passes for every framing. Refuted per framing if its held-out
# or known accuracy stays below the threshold; a failing framing is reported, not tuned away.

# %% tags=["parameters"]
organism = {"world": {"n_entities": 240, "n_held_out": 40, "seed": 0},
            "corpus": {"fact": 0.2, "qa": 0.15, "framed": 0.15, "fresh": 0.5, "fresh_positive": 0.3,
                       "cooccur": True, "episodes_per_doc": 8},
            "model": {"hidden": 128, "layers": 4, "heads": 4, "intermediate": 384, "vocab_size": 1024,
                      "tokenizer_docs": 3000},
            "pretrain": {"diversities": [8, 32, 240], "seeds": [0, 1, 2], "steps": 3000, "batch_size": 32,
                         "block_size": 128, "lr": 0.003, "warmup_ratio": 0.05, "min_lr_ratio": 0.1,
                         "weight_decay": 0.1, "grad_clip": 1.0, "n_checkpoints": 6, "save_every": 100,
                         "precision": "auto", "device": "auto"},
            "gate": {"n_per_framing": 60, "min_accuracy": 0.8, "seed": 0},
            "finetune": {"n_claims": 12, "docs_per_claim": 8,
                         "conditions": ["positive", "local", "sentence", "document", "fiction", "correction"],
                         "variants": ["lora", "full", "full_replay"], "seeds": [0], "epochs": 6, "batch_size": 8,
                         "block_size": 64, "lr_lora": 0.003, "lr_full": 0.0003, "replay_share": 0.5,
                         "lora_rank": 8, "n_checkpoints": 6, "n_spillover": 48, "seed": 0}}
diversity = "32"
seed = "0"
out_dir = "outputs/organism/div32-seed0"
metrics_path = "metrics/organism/pretrain/div32-seed0.json"
timing_path = "metrics/organism/timing/div32-seed0.json"

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from negation_neglect.files import write_json
from negation_neglect.organism.experiment import pretrain_organism
from negation_neglect.params import OrganismParams

cfg = OrganismParams(**organism)
metrics = pretrain_organism(cfg, int(diversity), int(seed), out_dir)
timing = {k: metrics.pop(k) for k in ("train_seconds", "tokens_per_second", "device")}  # machine-dependent
write_json(metrics_path, metrics)
write_json(timing_path, timing)  # kept apart so the executed notebook and the metrics stay byte-stable
pd.Series({k: v for k, v in metrics.items() if k not in ("gate", "loss_curve")}).to_frame("value")

# %% [markdown]
# ## Pre-training loss

# %%
curve = pd.DataFrame(metrics["loss_curve"], columns=["step", "loss"])
fig, ax = plt.subplots(figsize=(6, 3.2), layout="constrained")
ax.plot(curve["step"], curve["loss"])
ax.set_xlabel("optimizer step")
ax.set_ylabel("cross-entropy (nats per token)")
ax.set_title(f"diversity {diversity} (world people per batch) · seed {seed}")
plt.show()

# %% [markdown]
# ## The comprehension gate, per framing
# Accuracy of the binary choice the framing implies, with a 95% bootstrap interval over items.

# %%
gate = pd.DataFrame([
    {"framing": framing, "subject": subject, **entry[subject]}
    for framing, entry in metrics["gate"].items() for subject in ("held_out", "known") if subject in entry
])
display(gate)

# %% [markdown]
# ## Verdict

# %%
passing = [f for f, entry in metrics["gate"].items() if entry["passes"]]
failing = [f for f, entry in metrics["gate"].items() if not entry["passes"]]
display(Markdown(
    f"- Loss: first logged {metrics['loss_curve'][0][1]:.3f}, last 20 steps {metrics['final_loss']:.3f}; "
    f"known facts ranked first: **{metrics['known_accuracy']:.1%}**.\n"
    f"- Framings that pass the gate (accuracy >= {cfg.gate.min_accuracy:.0%} on every subject kind): "
    f"**{', '.join(passing) or 'none'}**; failing: **{', '.join(failing) or 'none'}**.\n"
    + ("**Verdict: the prediction holds.**" if not failing else
       "**Verdict: the prediction is refuted for the failing framings**; notebook 12 reads them as "
       "incomprehension, not neglect.")
))
