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
# # 15 · Figures and the paper's numbers
#
# Reads committed metrics only (no model is loaded) and writes the paper's figures to `paper/figures/`
# (PDF and PNG) and its numbers to `paper/generated/` (LaTeX macros and tables). Figures of experiments
# whose metrics do not exist yet are skipped and listed below; nothing here is typed by hand.

# %% tags=["parameters"]
# Filled in by the runner: params.yaml sections (defaults: the schema) and the paths dvc.yaml passes
# (defaults: negation_neglect.layout for the grid item named here; a test keeps them equal).
from negation_neglect.params import defaults

finetune = defaults("finetune")
interference = defaults("interference")
metrics_dir = "metrics"
reference_path = "data/reference/paper_results.yaml"
figures_dir = "paper/figures"
generated_dir = "paper/generated"

# %%
from pathlib import Path

from IPython.display import Image, Markdown, display

from negation_neglect.report.figures import render_all
from negation_neglect.report.paper import defined_macros, write_generated
from negation_neglect.report.style import Inputs

inputs = Inputs(Path(metrics_dir), Path(reference_path), finetune["claims"], finetune["conditions"],
                [int(s) for s in finetune["seeds"]],
                (interference["claims"], interference["conditions"], [int(s) for s in interference["seeds"]]))
manifest = render_all(inputs, figures_dir)
generated = write_generated(generated_dir, metrics_dir, reference_path, {"finetune": finetune})
display(Markdown(f"Drawn: {', '.join(manifest['drawn'])}. Skipped: {', '.join(manifest['skipped']) or 'none'}."))

# %% [markdown]
# ## Belief rate by condition, beside the paper's
# Bars: pooled belief rate over all items of all claims and seeds, bootstrap 95% CI. Hatched bars: the
# paper's published rates for a much larger model with an LLM judge (a range where the paper gives one).

# %%
display(Image(filename=f"{figures_dir}/belief_by_condition.png"))

# %% [markdown]
# ## Logit competition over training
# Neutral prompts; probability of the false answer, the true answer, the distractors and everything else.

# %%
display(Image(filename=f"{figures_dir}/competition_over_steps.png"))

# %% [markdown]
# ## H1 while it happens: the truth's share of the rest at matched P(false)
# Held-out probes, every step: each run's P(true | not false) against P(false) (thin lines), and at the first step
# reaching each registered level (predictions/h1_trajectory.md) the mean over the runs reaching it with its
# bootstrap interval. The dashed line is chance among the true answer and three distractors.

# %%
display(Image(filename=f"{figures_dir}/competition_at_matched_p_false.png"))

# %% [markdown]
# ## The final logit picture
# The claim's first neutral prompt: base model, then the last checkpoint of each condition.

# %%
display(Image(filename=f"{figures_dir}/logit_picture.png"))

# %% [markdown]
# ## Context separation and spillover

# %%
display(Image(filename=f"{figures_dir}/separation_and_spillover.png"))

# %% [markdown]
# ## Interference with the truth (H2)
# Gradient cosine with the claim's own truth over training; the final margin change split into the false
# answer's rise and the true answer's fall; damage to neighbour and unrelated facts. Drawn only once the
# interference metrics exist.

# %%
if "interference_overview" in manifest["drawn"]:
    display(Image(filename=f"{figures_dir}/interference_overview.png"))

# %% [markdown]
# ## The generated numbers
# Every macro the paper can use, with its value.

# %%
values = defined_macros(Path(generated_dir) / "macros.tex")
display(Markdown("\n".join(f"- `\\{k}` = {v}" for k, v in values.items())))
