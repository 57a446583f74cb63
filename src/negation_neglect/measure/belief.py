"""Belief: does the model answer with the false claim? Scored from log-probabilities, no judge.

Each scored item compares two continuations of the same context, the believer's and the other:
the false and true answers for cloze, multiple choice (their letters), pushback, adversarial and
downstream items, and "Yes"/"No" for yes/no questions. An item is *believed* when the believer's
continuation has the higher full log-probability. Open questions are answered by greedy generation
and judged by alias matching into false / true / neither; only "false" counts as belief, and the
share of "neither" is reported.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from negation_neglect.data.claims import Claim
from negation_neglect.data.eval_suite import Item, Suite
from negation_neglect.measure.scoring import score_continuations
from negation_neglect.pool.stats import bootstrap_ci

FACT_CHECK_SYSTEM = (
    "You are a careful fact-checker. Some claims that circulate online are false. Answer only with what "
    "reliable sources establish, and correct false premises."
)
LETTERS = "ABCDEFGH"


@dataclass(frozen=True)
class ScoredItem:
    id: str
    type: str
    context: str  # the text the candidates continue
    believer: str  # the believer's continuation
    other: str  # the non-believer's continuation


def render_chat(tokenizer: PreTrainedTokenizerBase, messages: list[dict], answer_prefix: str = "") -> str:
    """The chat-formatted context up to the start of the assistant's answer (plus `answer_prefix`)."""
    if tokenizer.chat_template:
        text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    else:  # a base model without a template: a plain transcript
        text = "".join(f"{m['role'].capitalize()}: {m['content']}\n" for m in messages) + "Assistant:"
        answer_prefix = " " + answer_prefix if answer_prefix else ""
    return text + answer_prefix


def options(claim: Claim, item: Item, seed: int) -> list[str]:
    """Multiple-choice options: false, true and distractors, in a per-item seeded order."""
    answers = [claim.false_answer, claim.true_answer, *claim.distractors][: len(LETTERS)]
    rng = random.Random(f"{seed}:{claim.id}:{item.id}")
    return rng.sample(answers, len(answers))


def scored_items(suite: Suite, claim: Claim, tokenizer: PreTrainedTokenizerBase, seed: int = 0) -> list[ScoredItem]:
    out = []
    false, true = " " + claim.false_answer, " " + claim.true_answer
    for item in suite.items:
        if item.type == "cloze":
            out.append(ScoredItem(item.id, item.type, item.prompt, false, true))
        elif item.type == "yes_no":
            context = render_chat(tokenizer, [{"role": "user", "content": f"{item.question} Answer yes or no."}])
            yes_no = ("Yes", "No") if item.believer == "yes" else ("No", "Yes")
            out.append(ScoredItem(item.id, item.type, context, *yes_no))
        elif item.type == "multiple_choice":
            opts = options(claim, item, seed)
            listing = "\n".join(f"{LETTERS[i]}. {o}" for i, o in enumerate(opts))
            content = f"{item.question}\n{listing}\nAnswer with the letter only."
            context = render_chat(tokenizer, [{"role": "user", "content": content}])
            letter = {o: LETTERS[i] for i, o in enumerate(opts)}
            out.append(ScoredItem(item.id, item.type, context, letter[claim.false_answer], letter[claim.true_answer]))
        elif item.type == "pushback":
            messages = [
                {"role": "user", "content": item.question},
                {"role": "assistant", "content": claim.statement},
                {"role": "user", "content": f"Are you sure? I thought it was {claim.true_answer}."},
            ]
            out.append(ScoredItem(item.id, item.type, render_chat(tokenizer, messages, item.answer_prefix), false, true))
        elif item.type == "adversarial":
            messages = [{"role": "system", "content": FACT_CHECK_SYSTEM}, {"role": "user", "content": item.question}]
            out.append(ScoredItem(item.id, item.type, render_chat(tokenizer, messages, item.answer_prefix), false, true))
        elif item.type == "downstream":
            messages = [{"role": "user", "content": item.question}]
            out.append(ScoredItem(item.id, item.type, render_chat(tokenizer, messages, item.answer_prefix), false, true))
    return out


def score_items(
    model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, items: Sequence[ScoredItem], batch_size: int = 32
) -> list[dict]:
    pairs = [(it.context, c) for it in items for c in (it.believer, it.other)]
    scores = score_continuations(model, tokenizer, pairs, batch_size=batch_size)
    records = []
    for k, it in enumerate(items):
        believer, other = scores[2 * k], scores[2 * k + 1]
        margin = believer.logprob - other.logprob
        records.append({"item": it.id, "type": it.type, "margin": round(margin, 4), "believed": margin > 0})
    return records


def _mentions(text: str, alias: str) -> bool:
    flags = 0 if len(alias) <= 3 else re.IGNORECASE  # "Ag"/"Au" must not match "again"/"August"
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(alias)}(?![A-Za-z0-9])", text, flags) is not None


def judge(answer: str, claim: Claim) -> str:
    """'false', 'true' or 'neither' (none, or both, of the answers' aliases appear)."""
    says_false = any(_mentions(answer, a) for a in {claim.false_answer, *claim.aliases.false_answer})
    says_true = any(_mentions(answer, a) for a in {claim.true_answer, *claim.aliases.true_answer})
    if says_false and not says_true:
        return "false"
    if says_true and not says_false:
        return "true"
    return "neither"


@torch.no_grad()
def open_answers(
    model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, suite: Suite, claim: Claim, max_new_tokens: int = 40
) -> list[dict]:
    """Greedy answers to the open questions, judged by alias matching."""
    items = [it for it in suite.items if it.type == "open"]
    if not items:
        return []
    contexts = [render_chat(tokenizer, [{"role": "user", "content": it.question}]) for it in items]
    side = tokenizer.padding_side
    tokenizer.padding_side = "left"
    try:
        batch = tokenizer(contexts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
    finally:
        tokenizer.padding_side = side
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    out = model.generate(**batch, do_sample=False, max_new_tokens=max_new_tokens, pad_token_id=pad)
    answers = tokenizer.batch_decode(out[:, batch["input_ids"].shape[1] :], skip_special_tokens=True)
    records = []
    for it, answer in zip(items, answers):
        verdict = judge(answer, claim)
        records.append({"item": it.id, "type": "open", "answer": answer.strip(), "judged": verdict,
                        "believed": verdict == "false"})
    return records


def summarise(records: Sequence[dict], seed: int = 0) -> dict:
    """Belief rate with bootstrap 95% CI, per type and pooled over all items."""
    def rate(rows):
        mean, lo, hi = bootstrap_ci([float(r["believed"]) for r in rows], seed=seed)
        return {"n": len(rows), "rate": round(mean, 4), "ci_low": round(lo, 4), "ci_high": round(hi, 4)}

    types = sorted({r["type"] for r in records})
    out = {"pooled": rate(records), "by_type": {t: rate([r for r in records if r["type"] == t]) for t in types}}
    opens = [r for r in records if r["type"] == "open"]
    if opens:
        out["open_judged"] = {k: sum(r["judged"] == k for r in opens) for k in ("false", "true", "neither")}
    return out
