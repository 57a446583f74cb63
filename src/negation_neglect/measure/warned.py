"""Context separation through warnings that name no answer (H3's separation read-out, second version).

The first read-out put the prompt after a denial of the claim ("It is false that Charles Darwin proposed the
theory of relativity. In fact, ..."); the false answer is then in the context, a model copies it, and
P(false | negation context) stays near 1 in every run, so the read-out cannot show a claim becoming conditional
on its framing. Here the held-out cloze prompts of the evaluation suite (never training sentences) follow a
warning that something about them is false without saying what: a model that learned "this claim belongs to
documents that call it false" gives the false answer less after the warning than without it.

`separation` = mean log P(false | held-out prompt) - mean log P(false | warning + prompt), in nats, per
checkpoint; positive when the warning lowers the false answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from negation_neglect.data.claims import Claim
from negation_neglect.data.eval_suite import Suite
from negation_neglect.measure.competition import over_checkpoints
from negation_neglect.measure.contexts import Probe

WARNINGS = (
    "Warning: a false claim about the following fact has been circulating. Here is the correct fact. {prompt}",
    "Fact-check: some documents state the next fact wrongly. The accurate version is this. {prompt}",
    "Note: what you may have read about this is not true. {prompt}",
)


def warned_probes(claim: Claim, suite: Suite) -> list[Probe]:
    """Each held-out cloze prompt bare (`heldout`) and after each warning (`warned`), candidates as in the
    competition read-out (false, true, distractors)."""
    answers = (("false", claim.false_answer), ("true", claim.true_answer),
               *((f"distractor_{i + 1}", d) for i, d in enumerate(claim.distractors)))
    cloze = [it for it in suite.items if it.type == "cloze"]
    out = [Probe("heldout", it.id, it.prompt, answers) for it in cloze]
    out += [Probe("warned", f"warned_{t + 1}_{it.id}", w.format(prompt=it.prompt), answers)
            for t, w in enumerate(WARNINGS) for it in cloze]
    return out


def separation(rows: Sequence[dict]) -> dict[int, dict]:
    """Per step: mean log P(false) and log P(true) bare and warned, and the separation (bare - warned, false)."""
    out = {}
    for step in sorted({r["step"] for r in rows}):
        def mean(context: str, candidate: str) -> float:
            return float(np.mean([r["logprob"] for r in rows
                                  if r["step"] == step and r["context"] == context and r["candidate"] == candidate]))

        entry = {f"logp_{c}_{ctx}": round(mean(ctx, c), 5) for ctx in ("heldout", "warned") for c in ("false", "true")}
        entry["separation"] = round(entry["logp_false_heldout"] - entry["logp_false_warned"], 5)
        out[step] = entry
    return out


def read_warned(base: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, run_dir: str | Path, steps: Sequence[int],
                claim: Claim, suite: Suite, batch_size: int = 32) -> dict[int, dict]:
    """`separation` at the checkpoints `steps` of a fine-tuning run (step 0 is the untrained adapter)."""
    checkpoints = {s: Path(run_dir) / "checkpoints" / f"step-{s:05d}" for s in steps}
    rows, _ = over_checkpoints(base, tokenizer, checkpoints, warned_probes(claim, suite), batch_size)
    return separation(rows)
