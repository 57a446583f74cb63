"""The competition read at every training step (H1), where the checkpoints are too sparse to see it.

The false answer takes over within a few steps (between two log-spaced checkpoints in most runs), and read
at the last checkpoint, where P(false) is pinned near 1, P(true) is small by arithmetic alone. So the
fine-tuning run reads a small probe set after every step, with the weights as they stand, and the pooled
read-out compares conditions where P(false) first reaches the same level (pool.trajectory).

Probes are never training sentences: the evaluation suite's held-out cloze paraphrases (`heldout`) and its
questions whose answer continues a prefix in the chat, downstream use and the fact-checking prompt
(`question`). Candidates are the false answer, the true one and the claim's distractors. Per context and
step: the mean renormalised share of the false answer, of the true one and of the distractors together;
P(true | not false), the true answer's share among the candidates other than the false one (from the
log-probabilities, so it stays defined when the false answer's share rounds to 1); and the median
first-token rank of the true answer.
"""

from __future__ import annotations

import hashlib
import math
import statistics
from collections.abc import Callable, Sequence

import torch
from transformers import PreTrainedTokenizerBase

from negation_neglect.data.claims import Claim
from negation_neglect.data.eval_suite import Suite
from negation_neglect.measure.contexts import Probe, chat_context
from negation_neglect.measure.scoring import score_continuations

CONTEXTS = ("heldout", "question")
QUESTION_TYPES = ("downstream", "adversarial")  # pushback is left out: its chat states the claim itself
FIELDS = ("p_false", "p_true", "p_distractors", "true_given_not_false", "true_rank")


def trajectory_probes(claim: Claim, suite: Suite, tokenizer: PreTrainedTokenizerBase) -> list[Probe]:
    answers = (("false", claim.false_answer), ("true", claim.true_answer),
               *((f"distractor_{i + 1}", d) for i, d in enumerate(claim.distractors)))
    out = [Probe("heldout", it.id, it.prompt, answers) for it in suite.items if it.type == "cloze"]
    out += [Probe("question", it.id, chat_context(tokenizer, claim, it), answers)
            for it in suite.items if it.type in QUESTION_TYPES]
    return out


def probe_id(probes: Sequence[Probe]) -> str:
    """A digest of the probe set: a run read by other probes is not the same run's log."""
    text = "\n".join(f"{p.context}\t{p.item}\t{p.prompt}\t{p.candidates}" for p in probes)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def read_out(probes: Sequence[Probe], logprobs: Sequence[float], first_ranks: Sequence[int]) -> dict:
    """Per context, the step's read-outs (keys `<context>_<field>`) from each candidate's sequence
    log-probability and first-token rank, in the order `probes` lists them."""
    values = iter(zip(logprobs, first_ranks))
    per: dict[str, dict[str, list[float]]] = {c: {f: [] for f in FIELDS} for c in CONTEXTS}
    for p in probes:
        scored = {label: next(values) for label, _ in p.candidates}
        lps = {label: lp for label, (lp, _) in scored.items()}
        top = max(lps.values())
        weights = {label: math.exp(lp - top) for label, lp in lps.items()}
        total = sum(weights.values())
        rest = [lp for label, lp in lps.items() if label != "false"]
        rest_top = max(rest)
        given = math.exp(lps["true"] - rest_top) / sum(math.exp(lp - rest_top) for lp in rest)
        row = per[p.context]
        row["p_false"].append(weights["false"] / total)
        row["p_true"].append(weights["true"] / total)
        row["p_distractors"].append(sum(w for label, w in weights.items() if label.startswith("distractor")) / total)
        row["true_given_not_false"].append(given)
        row["true_rank"].append(scored["true"][1])
    out = {}
    for context, row in per.items():
        if not row["p_false"]:
            continue
        for field in FIELDS:
            summary = statistics.median(row[field]) if field == "true_rank" else statistics.fmean(row[field])
            out[f"{context}_{field}"] = round(summary, 6)
    return out


def step_probe(tokenizer: PreTrainedTokenizerBase, probes: Sequence[Probe],
               batch_size: int = 32) -> Callable[[torch.nn.Module], dict]:
    """The engine's `probe`: score every probe's candidates with the model as it stands."""
    pairs = [(p.prompt, " " + text) for p in probes for _, text in p.candidates]

    def probe(model: torch.nn.Module) -> dict:
        scores = score_continuations(model, tokenizer, pairs, batch_size=batch_size)
        return {f"probe_{k}": v for k, v in read_out(probes, [s.logprob for s in scores],
                                                      [s.first_rank for s in scores]).items()}

    return probe
