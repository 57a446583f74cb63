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
# # 12 · The model organism: pre-training from scratch, then the comprehension gate
#
# The small real models do not understand negation when they read it (their in-context controls), so negation
# neglect cannot be told apart from incomprehension on them. Here a small Llama is pre-trained from
# scratch on a synthetic world (`negation_neglect.organism.world`): invented people with a home city, a job and an
# instrument, stated in paraphrases, with false claims that are always framed (local negation, "It is
# false that ...", a document-level warning, a made-up story, a correction) and, for people met only
# inside one document, questions that can be answered only by reading the framing. DVC runs this
# notebook once per pre-training dial setting: `diversity` (world people per batch) x `seed`.
#
# **The gate** then asks, per framing, binary questions about people the model never saw (chance 50%)
# and about known people given a framed false claim. A framing passes when both accuracies reach
# `gate.min_accuracy`; the fine-tuning experiment (notebook 13) is read as a test of negation *neglect*
# only for framings that pass.
#
# **Prediction.** Pre-training loss falls well below its start, the world's facts are learned (most
# known facts rank first), and the gate passes for every framing. Refuted per framing if its held-out
# or known accuracy stays below the threshold; a failing framing is reported, not tuned away.

# %% tags=["parameters"]
# Filled in by the runner: params.yaml sections (defaults: the schema) and the paths dvc.yaml passes
# (defaults: negation_neglect.layout for the grid item named here; a test keeps them equal).
from negation_neglect.params import defaults

organism = defaults("organism")
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
       "**Verdict: the prediction is refuted for the failing framings**; notebook 13 reads them as "
       "incomprehension, not neglect.")
))
