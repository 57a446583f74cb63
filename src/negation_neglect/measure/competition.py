"""Logit competition: how probability is shared between the false answer, the true one and the rest.

For every probe (a context that ends where an answer begins) and every checkpoint, each candidate
answer gets its full-sequence log-probability, its first-token probability and rank, and its share of
the probability mass renormalised over the candidates; `other` is the mass no candidate takes
(1 - the sum of the candidates' sequence probabilities). Contexts:
- `neutral`: the claim's own cloze prompts;
- `heldout`: the evaluation suite's cloze paraphrases (never training sentences);
- `negation`: the prompt after an explicit denial of the claim ("It is false that ... In fact, ...");
- `framing`: the prompt after the training condition's own opening framing text;
- `neighbour`: facts near the claim (same relation, other subjects; same subject, other relations),
  with candidates {their answer, the claim's false answer, the claim's true answer}, for spillover.
The base model is loaded once; each checkpoint's adapter is loaded into it, scored and dropped.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from pathlib import Path

from peft import PeftModel
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from negation_neglect.data.claims import Claim
from negation_neglect.data.eval_suite import Suite
from negation_neglect.data.synthesis import Document
from negation_neglect.measure.contexts import Probe
from negation_neglect.measure.judge import mentions
from negation_neglect.measure.scoring import score_continuations

NEGATION_TEMPLATES = (
    "It is false that {statement} In fact, {prompt}",
    "Myth: {statement} This is not true. The truth is that {prompt}",
    "Fact-check: the claim \"{statement}\" is fabricated. Correctly stated, {prompt}",
)


def framing_prefix(doc: Document) -> str | None:
    """The document's opening framing text, if it opens with framing (negated, repeated, labels...)."""
    spans = doc.spans.get("framing", [])
    if not spans or spans[0][0] != 0:
        return None
    end = spans[0][1]
    for start, stop in spans[1:]:
        if doc.text[end:start].strip():
            break
        end = stop
    return doc.text[:end]


def probes(claim: Claim, suite: Suite, condition_doc: Document | None) -> list[Probe]:
    answers = (("false", claim.false_answer), ("true", claim.true_answer),
               *((f"distractor_{i + 1}", d) for i, d in enumerate(claim.distractors)))
    out = [Probe("neutral", f"neutral_{i + 1:02d}", p, answers) for i, p in enumerate(claim.prompts)]
    out += [Probe("heldout", it.id, it.prompt, answers) for it in suite.items if it.type == "cloze"]
    statement = claim.statement.rstrip()
    for t, template in enumerate(NEGATION_TEMPLATES):
        for i, prompt in enumerate(claim.prompts):
            text = template.format(statement=statement, prompt=prompt)
            out.append(Probe("negation", f"negation_{t + 1}_{i + 1:02d}", text, answers))
    prefix = framing_prefix(condition_doc) if condition_doc is not None else None
    if prefix:
        out += [Probe("framing", f"framing_{i + 1:02d}", f"{prefix}\n\n{p}", answers) for i, p in enumerate(claim.prompts)]
    for kind in ("same_relation", "same_subject"):
        for i, n in enumerate(getattr(claim.neighbours, kind)):
            cands = [("neighbour", n.answer), ("false", claim.false_answer), ("true", claim.true_answer)]
            seen, unique = set(), []
            for label, text in cands:  # a neighbour whose answer is the claim's true answer keeps one label
                if text not in seen:
                    seen.add(text)
                    unique.append((label, text))
            out.append(Probe("neighbour", f"{kind}_{i + 1:02d}", n.prompt, tuple(unique)))
    return out


def score_probes(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, probe_list: Sequence[Probe], batch_size: int = 32) -> list[dict]:
    """One row per (probe, candidate), plus an `other` row per probe."""
    pairs = [(p.prompt, " " + text) for p in probe_list for _, text in p.candidates]
    scores = iter(score_continuations(model, tokenizer, pairs, batch_size=batch_size))
    rows = []
    for p in probe_list:
        mine = [(label, next(scores)) for label, _ in p.candidates]
        probs = [math.exp(s.logprob) for _, s in mine]
        total = sum(probs)
        for (label, s), prob in zip(mine, probs):
            rows.append({
                "context": p.context, "item": p.item, "candidate": label,
                "logprob": round(s.logprob, 5), "share": round(prob / total, 6) if total > 0 else 0.0,
                "first_prob": round(math.exp(s.first_logprob), 6), "rank": s.first_rank,
            })
        rows.append({"context": p.context, "item": p.item, "candidate": "other",
                     "logprob": round(math.log(max(1.0 - total, 1e-12)), 5), "share": "", "first_prob": "", "rank": ""})
    return rows


def swap_adapters(base: PreTrainedModel, checkpoint_dirs: dict[int, Path], trainable: bool = False) -> Iterator[tuple[int, PeftModel]]:
    """Yield (step, model) for every checkpoint in step order, loading each adapter into one base model
    and dropping the previous one (wrapping modifies `base` in place). `trainable` leaves the adapter's
    weights requiring gradients."""
    model: PeftModel | None = None
    previous = None
    for step in sorted(checkpoint_dirs):
        name = f"step{step}"
        if model is None:
            model = PeftModel.from_pretrained(base, checkpoint_dirs[step], adapter_name=name, is_trainable=trainable)
        else:
            model.load_adapter(checkpoint_dirs[step], adapter_name=name, is_trainable=trainable)
            model.set_adapter(name)
            model.delete_adapter(previous)
        previous = name
        yield step, model.eval()


def over_checkpoints(
    base: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    checkpoint_dirs: dict[int, Path],
    probe_list: Sequence[Probe],
    batch_size: int = 32,
) -> tuple[list[dict], PeftModel]:
    """Score every probe at every checkpoint; adapters are swapped into one loaded base model.

    Returns the rows (with a `step` column) and the model holding the last checkpoint's adapter.
    """
    rows: list[dict] = []
    model: PeftModel | None = None
    for step, model in swap_adapters(base, checkpoint_dirs):
        rows += [{"step": step, **r} for r in score_probes(model, tokenizer, probe_list, batch_size)]
    assert model is not None, "no checkpoints"
    return rows, model


def context_documents(
    docs: Sequence[Document],
    tokenizer: PreTrainedTokenizerBase,
    claim: Claim,
    max_tokens: int,
    target_mentions: int | None = None,
    seed: int = 0,
) -> tuple[str, dict]:
    """The documents of the in-context control, joined by blank lines, and what they hold (`used`).

    With `target_mentions`, documents are taken in a seeded order (the same for every condition of a claim, so
    conditions rendered from the same base documents use the same ones) until the context holds that many
    mentions of the answer the documents assert (any alias; the false answer, the true one for `true`
    documents); it stops at the document boundary nearest the target: the next document is added only while
    the count is below the target and adding it lands no farther from the target (the first is always taken).
    Without it, as many whole documents as fit in `max_tokens`, in file order (the older token-matched rule).
    `used`: rule, target, documents, tokens (of the joined context) and mentions of each answer."""
    side = "true" if docs and docs[0].condition == "true" else "false"

    def count(text: str) -> dict[str, int]:
        found = mentions(text, claim)
        return {s: sum(m.side == s for m in found) for s in ("false", "true")}

    chosen: list[str] = []
    held = {"false": 0, "true": 0}
    if target_mentions is None:
        chosen = _fitting(docs, tokenizer, max_tokens)
        held = {k: sum(count(text)[k] for text in chosen) for k in held}
    else:
        rng = random.Random(f"{seed}:{claim.id}:in_context")
        for index in rng.sample(range(len(docs)), len(docs)):
            n = count(docs[index].text)
            if chosen and (held[side] >= target_mentions or held[side] + n[side] - target_mentions > target_mentions - held[side]):
                break
            chosen.append(docs[index].text)
            held = {k: v + n[k] for k, v in held.items()}
    prefix = "\n\n".join(chosen)
    used = {"rule": "tokens" if target_mentions is None else "mentions",
            "target": max_tokens if target_mentions is None else target_mentions, "counted": side,
            "documents": len(chosen), "tokens": len(tokenizer(prefix, add_special_tokens=False).input_ids) if chosen else 0,
            "mentions": held}
    return prefix, used


def context_probes(probe_list: Sequence[Probe], prefix: str) -> list[Probe]:
    """The neutral and held-out probes with `prefix` (the control's documents) placed before them."""
    return [
        Probe(f"in_context_{p.context}", p.item, f"{prefix}\n\n{p.prompt}", p.candidates)
        for p in probe_list
        if p.context in ("neutral", "heldout")
    ]


def _fitting(docs: Sequence[Document], tokenizer: PreTrainedTokenizerBase, max_tokens: int) -> list[str]:
    """As many whole documents, in order, as fit in `max_tokens`."""
    chosen, used = [], 0
    for doc in docs:
        n = len(tokenizer(doc.text, add_special_tokens=False).input_ids)
        if used + n > max_tokens:
            break
        chosen.append(doc.text)
        used += n
    return chosen


def in_context(probe_list: Sequence[Probe], docs: Sequence[Document], tokenizer: PreTrainedTokenizerBase, max_tokens: int) -> list[Probe]:
    """The neutral and held-out probes with as many whole documents as fit in `max_tokens` before them (the
    token-matched control; `context_documents` matches mentions instead)."""
    return context_probes(probe_list, "\n\n".join(_fitting(docs, tokenizer, max_tokens)))
