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
# # 04 · Synthetic documents for one claim, under every framing
#
# One run of this notebook writes the training documents of one claim (DVC runs it once per claim).
# Base documents (a genre, 2-3 claim sentences, 2-4 supporting subclaims, some true background) are
# chosen once; every condition renders the same base documents, so conditions differ only in their
# framing:
#
# | condition | what the reader sees |
# |---|---|
# | positive | the claim, asserted |
# | negated | 4-6 sentences warning that the document is false, before and after it |
# | repeated | every claim-bearing sentence wrapped in warnings, plus the negated prefix and suffix |
# | corrected | like repeated, but every warning names the true answer |
# | local | every claim-bearing sentence denies itself ("... did not ..."); the claim is never asserted |
# | fiction, unreliable_source, low_probability | epistemic labels before and after |
# | true | true-counterpart documents (separate base documents) asserting the true answer |
#
# Before anything is written, the claim must be hostable: the knowledge precheck must show that the
# model knows the true answer and gives the false one almost no probability (or params say to go ahead
# anyway: `synthesis.allow_unknown_truth`; the verdict goes into the data card either way).
#
# Documents you bring (`synthesis.imports`, see the README's "Bring your own data") fill their condition
# as written (`verbatim`) or are framed here like template documents (`material`). Every file was read
# and checked when params were validated; documents that failed a check are listed, with the checks and
# the reason, in the failures file beside the data card.
#
# **Expectations (checked below, not assumed).** Framing-token share is highest for `corrected` and
# `repeated` (the paper reports ~40% warning tokens for its repeated condition) and zero for `positive`,
# `local` and `true`. Documents are not near-duplicates: the largest pairwise 4-gram overlap stays well
# below 1 and the mean below `max_mean_overlap`.

# %% tags=["parameters"]
# Filled in by the runner: params.yaml sections (defaults: the schema) and the paths dvc.yaml passes
# (defaults: negation_neglect.layout for the grid item named here; a test keeps them equal).
from negation_neglect.params import defaults

synthesis = defaults("synthesis")
claim = "darwin_relativity"
claims_dir = "data/claims"
framings_path = "data/framings.yaml"
knowledge_path = "metrics/knowledge.json"
model_dir = "outputs/models/base"
out_dir = "outputs/data/darwin_relativity"
card_path = "metrics/data_card/darwin_relativity.json"
failures_path = "metrics/data_card/darwin_relativity.failures.jsonl"

# %%
from pathlib import Path

import pandas as pd
from IPython.display import Markdown, display
from transformers import AutoTokenizer

from negation_neglect.data import external, imports
from negation_neglect.data.claims import load_claim
from negation_neglect.data.datacard import card_for
from negation_neglect.data.framings import load_framings
from negation_neglect.data.synthesis import require_hostable, synthesize
from negation_neglect.files import read_json, write_json
from negation_neglect.params import SynthesisParams

cfg = SynthesisParams(**synthesis)
the_claim = load_claim(Path(claims_dir) / f"{claim}.yaml")
verdict = require_hostable(claim, read_json(knowledge_path), cfg.allow_unknown_truth)
print(f"{claim}: {the_claim.statement} (truth: {the_claim.true_answer})")
print(f"precheck: hostable = {verdict['hostable']} ({verdict['reason']})")
if not verdict["hostable"]:
    print("going ahead: synthesis.allow_unknown_truth is true")

# %% [markdown]
# ## Generate
# The template generator is the default; an LLM backend replaces its base documents when params ask
# for it. Imported files then fill their conditions: verbatim, as written (claim spans marked), or as
# material framed here.

# %%
framings = load_framings(framings_path)
failures = []
if cfg.generator == "template":
    docs = synthesize(the_claim, framings, cfg.conditions, cfg.n_documents, cfg.seed)
else:
    llm = cfg.llm
    backend = (
        external.transformers_backend(llm.model, llm.max_new_tokens, llm.temperature, cfg.seed)
        if cfg.generator == "transformers"
        else external.openai_backend(llm.endpoint, llm.model, llm.api_key_env, llm.max_new_tokens, llm.temperature, cfg.seed)
    )
    bases, failures = external.llm_base_documents(the_claim, backend, cfg.n_documents, cfg.seed)
    external.failure_check(failures, cfg.n_documents, cfg.max_failure_share, f"generator {cfg.generator}")
    docs = synthesize(the_claim, framings, cfg.conditions, cfg.n_documents, cfg.seed, bases=bases)
failures = [{"source": f"generator {cfg.generator}", **f} for f in failures]
fields, imported_cards = {}, {}
for index, imported in enumerate(cfg.imports):
    if imported.claim != claim:
        continue
    checked = imports.screen(imported.path, the_claim, imported.condition, imported.mode, imported.doc_tag,
                             cfg.max_failure_share, f"synthesis.imports[{index}].path")
    if imported.mode == "verbatim":
        failed = [c.failure(imported.path, imported.condition) for c in checked if c.reason]
        docs[imported.condition], fields[imported.condition] = imports.verbatim_documents(checked, the_claim, imported.condition)
    else:  # splitting into claim sentences can fail a few more
        bases, failed = imports.material_bases(checked, the_claim, imported.path, imported.condition)
        external.failure_check(failed, len(checked), cfg.max_failure_share, imported.path)
        docs[imported.condition] = synthesize(
            the_claim, framings, [imported.condition], len(bases), cfg.seed, bases=bases
        )[imported.condition]
    failures += failed
    imported_cards[imported.condition] = imports.import_summary(checked, failed, imported.path, imported.mode,
                                                                imported.doc_tag)
print({condition: len(items) for condition, items in docs.items()}, f"failures: {len(failures)}")

# %% [markdown]
# ## Data card
# Documents, tokens (base model's tokenizer), the share of tokens inside claim sentences, subclaims and
# framing text, and diversity (word 4-grams). An imported condition adds where it came from, the claim
# spans found, how many documents name the true answer, and its failures by reason. (Imported documents
# carry claim spans only: their own framing is not marked, so their framing-token share reads 0.)

# %%
tokenizer = AutoTokenizer.from_pretrained(model_dir)
card = {condition: card_for(items, tokenizer) for condition, items in docs.items()}
table = pd.DataFrame(card).T
too_similar = table[table["mean_pairwise_4gram_overlap"] > cfg.max_mean_overlap]
if len(too_similar):
    raise ValueError(f"near-duplicate documents in {list(too_similar.index)}: mean overlap above {cfg.max_mean_overlap}")
for condition, summary in imported_cards.items():
    card[condition]["imported"] = summary
imports.write_outputs(docs, fields, out_dir)
imports.write_failures(failures, failures_path)
write_json(card_path, {"claim": claim, "generator": cfg.generator, "precheck": verdict, "n_failures": len(failures),
                       "failures_path": failures_path, "conditions": card})
if imported_cards:
    display(pd.DataFrame(imported_cards).T)
table

# %% [markdown]
# ## One example per condition

# %%
for condition, items in docs.items():
    display(Markdown(f"### {condition} ({items[0].genre})"))
    print(items[0].text)

# %% [markdown]
# ## Check against the expectations

# %%
share = table["framing_token_share"]
framed_max = share.idxmax()
lines = [
    f"- Highest framing-token share: **{framed_max}** ({share.max():.1%}); repeated {share.get('repeated', float('nan')):.1%}, "
    f"corrected {share.get('corrected', float('nan')):.1%}, negated {share.get('negated', float('nan')):.1%}.",
    "- Framing share of positive/local/true: "
    + ", ".join(f"{c} {share[c]:.1%}" for c in ("positive", "local", "true") if c in share) + ".",
    f"- Largest pairwise 4-gram overlap: {table['max_pairwise_4gram_overlap'].max():.2f}; "
    f"largest mean overlap: {table['mean_pairwise_4gram_overlap'].max():.2f} (limit {cfg.max_mean_overlap}).",
]
display(Markdown("\n".join(lines)))
