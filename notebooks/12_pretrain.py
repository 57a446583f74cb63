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
# notebook once per pre-training dial setting: `diversity` (world people per batch) x `seed` x `corpus_variant`
# (`plain`: a framed false claim is drawn afresh every time; `recurring`: part of the framed false claims about a
# person repeat one value across documents, as fine-tuning documents repeat theirs, `corpus.framed_recur`).
#
# Besides these, the corpus holds *lone-claim* episodes (`corpus.lone`): one claim about a person met only in
# that document, under a single framing, then a yes/no question ("Does X live in V?" -> "No." after a
# negation, "Yes." after a plain claim) or an either-or question whose options the framing decides. Their
# framings vary in wording and position (before or after the claim), some carry a meaningless label
# (`marker`, "[Entry]") on either polarity, and some hold a statement about someone else (before or after
# the claim, plain or framed) and are sometimes asked about that person instead, so no position, order,
# fixed token or majority polarity answers them: only reading the framing of the statement asked about does.
#
# **Two gates.** *The lone-claim gate* (the one that matters): a person the model never saw, one framed
# claim in the fine-tuning documents' own style (three paraphrases), then a yes/no and an either-or
# question, per framing (`positive`, `marker`, `local`, `sentence`, `document`, `fiction`; chance 0.5).
# A framing passes at `gate.lone_min_accuracy` on both question forms, and only while `positive` and
# the meaningless `marker` pass too (a model that says "No" after any label fails there). Shortcut
# probes sit beside it: the framing moved after the claim, another wording, the options swapped, a
# statement of the other polarity about someone else after or before the claim, the question about that
# other person, the marker on a negated claim. *The contrast
# gate* (easier, kept as a second gate): a framed false claim beside a plain true one (`held_out`) and a
# framed false claim about a known person (`known`); a framing passes when both reach `gate.min_accuracy`.
#
# **Prediction.** Pre-training loss falls well below its start, the world's facts are learned (most
# known facts rank first), and both gates pass for every framing. Refuted per framing and gate if its
# accuracy stays below the gate's threshold; a failing framing is reported, not tuned away.

# %% tags=["parameters"]
# Filled in by the runner: params.yaml sections (defaults: the schema) and the paths dvc.yaml passes
# (defaults: negation_neglect.layout for the grid item named here; a test keeps them equal).
from negation_neglect.params import defaults

organism = defaults("organism")
diversity = "32"
seed = "0"
corpus_variant = "plain"
out_dir = "outputs/organism/div32-seed0-plain"
metrics_path = "metrics/organism/pretrain/div32-seed0-plain.json"
timing_path = "metrics/organism/timing/div32-seed0-plain.json"

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from negation_neglect.files import write_json
from negation_neglect.organism.experiment import pretrain_organism
from negation_neglect.params import OrganismParams

cfg = OrganismParams(**organism)
metrics = pretrain_organism(cfg, int(diversity), int(seed), out_dir, corpus_variant=corpus_variant)
timing = {k: metrics.pop(k) for k in ("train_seconds", "tokens_per_second", "device")}  # machine-dependent
write_json(metrics_path, metrics)
write_json(timing_path, timing)  # kept apart so the executed notebook and the metrics stay byte-stable
pd.Series({k: v for k, v in metrics.items() if k not in ("gate", "lone_gate", "loss_curve")}).to_frame("value")

# %% [markdown]
# ## Pre-training loss

# %%
curve = pd.DataFrame(metrics["loss_curve"], columns=["step", "loss"])
fig, ax = plt.subplots(figsize=(6, 3.2), layout="constrained")
ax.plot(curve["step"], curve["loss"])
ax.set_xlabel("optimizer step")
ax.set_ylabel("cross-entropy (nats per token)")
ax.set_title(f"diversity {diversity} (world people per batch) · seed {seed} · {corpus_variant} corpus")
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
# ## The lone-claim gate, per framing
# Accuracy on the yes/no and the either-or question and on each shortcut probe, with a 95% bootstrap
# interval over items; `balanced_binary` averages the asserting and negating framings (always "Yes": 0.5).

# %%
lone = metrics["lone_gate"]
display(pd.DataFrame([
    {"framing": framing, "question": subject, **entry[subject]}
    for framing, entry in lone["framings"].items() for subject in entry if isinstance(entry[subject], dict)
]))
display(Markdown(f"Balanced yes/no accuracy: **{lone.get('balanced_binary', float('nan')):.2f}**."))

# %% [markdown]
# ## Verdict

# %%
passing = [f for f, entry in metrics["gate"].items() if entry["passes"]]
failing = [f for f, entry in metrics["gate"].items() if not entry["passes"]]
lone_passing = [f for f, entry in lone["framings"].items() if entry["passes_with_controls"]]
lone_failing = [f for f, entry in lone["framings"].items() if not entry["passes_with_controls"]]
display(Markdown(
    f"- Loss: first logged {metrics['loss_curve'][0][1]:.3f}, last 20 steps {metrics['final_loss']:.3f}; "
    f"known facts ranked first: **{metrics['known_accuracy']:.1%}**.\n"
    f"- Lone-claim gate (accuracy >= {cfg.gate.lone_min_accuracy:.0%} on both question forms, controls passing): "
    f"pass **{', '.join(lone_passing) or 'none'}**; fail **{', '.join(lone_failing) or 'none'}**.\n"
    f"- Contrast gate (accuracy >= {cfg.gate.min_accuracy:.0%} on every subject kind): "
    f"pass **{', '.join(passing) or 'none'}**; fail **{', '.join(failing) or 'none'}**.\n"
    + ("**Verdict: the prediction holds.**" if not failing and not lone_failing else
       "**Verdict: the prediction is refuted for the failing framings**; where the lone-claim gate fails, "
       "notebook 13 cannot tell neglect from incomprehension.")
))
