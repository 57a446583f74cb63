"""Belief: does the model answer with the false claim? One record per item, every type able to show it.

Each item type is scored so that a model with no knowledge of the claim, or with a fixed answer habit,
shows no belief; a record is *believed* when its margin is positive (above TIE = 1e-6 nats: ties, and the
float noise of terms that cancel exactly, are not belief):

- `cloze`, `pushback`, `adversarial`, `downstream`: margin = log P(false answer | context) -
  log P(true answer | context), full log-probabilities of " <answer>" after the item's context. A model that
  knows neither answer ties (exactly, when both answers have the same number of tokens, as for every claim
  but sheeran_100m; for answers of different length a uniform model prefers the shorter).
- `yes_no`: one record per pair (data.eval_suite.yes_no_pairs) of a question a believer answers "yes" (q+)
  and its counterpart a believer answers "no" (q-). With m(q) = log P("Yes" | q) - log P("No" | q), the
  margin is (m(q+) - m(q-)) / 2: the model must be readier to say "yes" to the false claim than to its true
  counterpart. A model that always answers "No" (or "Yes"), whatever the question, has m(q+) = m(q-) and
  scores no belief; the old per-item score (believed when the believer's word wins) made such a model
  "believe" every counter-question, i.e. 0.5 by construction.
- `multiple_choice`: the options (false, true, distractors) are listed under letters in a per-item seeded
  order and in each of its cyclic rotations, and the answer is scored on the option *texts*: margin = mean
  over the rotations of log P(" <false option>") - log P(" <true option>") after the assistant's "Answer:".
  Each option sits at every position exactly once, so a habit tied to a position (always the first option,
  always "A") cancels exactly and only a preference for the option's content remains; with a leading space
  every grid claim's two answers are one token each, so a model that knows neither ties. Chosen on the base
  model before any grid run (6 hostable claims x 8 items): letters sit at noise level (margins within 0.15
  nats on every item of the four grid claims), option texts show the truth where the model knows it in this
  format (darwin_relativity, wordsworth_romeo_juliet, earth_orbits_moon, uk_capital_paris: 8 of 8) and the
  false answer where it does not (beatles_tokyo, lucas_1984: " Tokyo" and " Lucas" win every item); the
  precheck sets those aside. (Texts as the answer's bare first words showed the truth on more items, 38 of
  48, but with unequal token counts, so a model that knows nothing would not tie.)
- `open`: greedy answer, judged by measure.judge into false / denies_false / true / neither; believed only
  when "false" (margin +1 for "false", -1 for "true", 0 otherwise). A denial of the false answer is not belief.

Item precheck (`precheck`, measure.precheck.informative): an item can show belief acquired in training only if
the base model prefers the truth on it (margin < 0; for open items, a base answer judged "true"). Items where
it does not are flagged uninformative; per-run and pooled headlines use informative items only, and the
per-type tables over all items are kept beside them.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from negation_neglect.data.claims import Claim
from negation_neglect.data.eval_suite import Item, Suite, yes_no_pairs
from negation_neglect.measure.contexts import ANSWER_PREFIXED, chat_context, render_chat
from negation_neglect.measure.judge import LABELS, judge
from negation_neglect.measure.precheck import OPEN_TYPES, informative
from negation_neglect.measure.scoring import score_continuations
from negation_neglect.pool.stats import bootstrap_ci

LETTERS = "ABCDEFGH"
MC_PREFIX = "Answer:"  # the assistant's words before the option text it is scored on
TIE = 1e-6  # nats: margins this close to zero are ties (float noise of cancelling terms), never belief


@dataclass(frozen=True)
class ScoredItem:
    """One comparison: the believer's continuation against the other after `context`. Comparisons with the
    same `id` form one record (a yes/no pair, a multiple-choice item's rotations) whose margin is their mean."""

    id: str
    type: str
    context: str  # the text the candidates continue
    believer: str  # the believer's continuation
    other: str  # the non-believer's continuation


def options(claim: Claim, item: Item, seed: int) -> list[str]:
    """Multiple-choice options: false, true and distractors, in a per-item seeded order."""
    answers = [claim.false_answer, claim.true_answer, *claim.distractors][: len(LETTERS)]
    rng = random.Random(f"{seed}:{claim.id}:{item.id}")
    return rng.sample(answers, len(answers))


def rotations(opts: Sequence[str]) -> list[list[str]]:
    """Every cyclic rotation of the option order: each option at every letter once."""
    return [list(opts[r:]) + list(opts[:r]) for r in range(len(opts))]


def yes_no_context(tokenizer: PreTrainedTokenizerBase, question: str) -> str:
    """A yes/no question as the model sees it, up to the start of its answer ("Yes" or "No")."""
    return render_chat(tokenizer, [{"role": "user", "content": f"{question} Answer yes or no."}])


def mc_context(tokenizer: PreTrainedTokenizerBase, question: str, opts: Sequence[str]) -> str:
    """A multiple-choice question with its options under letters, up to the option text after `MC_PREFIX`."""
    listing = "\n".join(f"{LETTERS[i]}. {o}" for i, o in enumerate(opts))
    content = f"{question}\n{listing}\nAnswer with the text of the correct option."
    return render_chat(tokenizer, [{"role": "user", "content": content}], MC_PREFIX)


def pair_id(yes: Item, no: Item) -> str:
    return f"{yes.id}+{no.id}"


def scored_items(suite: Suite, claim: Claim, tokenizer: PreTrainedTokenizerBase, seed: int = 0) -> list[ScoredItem]:
    out = []
    false, true = " " + claim.false_answer, " " + claim.true_answer
    pairs = yes_no_pairs(suite) if any(item.type == "yes_no" for item in suite.items) else []
    for yes, no in pairs:  # (m(q+) - m(q-)) / 2 as the mean of "Yes" - "No" on q+ and "No" - "Yes" on q-
        out.append(ScoredItem(pair_id(yes, no), "yes_no", yes_no_context(tokenizer, yes.question), "Yes", "No"))
        out.append(ScoredItem(pair_id(yes, no), "yes_no", yes_no_context(tokenizer, no.question), "No", "Yes"))
    for item in suite.items:
        if item.type == "cloze":
            out.append(ScoredItem(item.id, item.type, item.prompt, false, true))
        elif item.type == "multiple_choice":
            for opts in rotations(options(claim, item, seed)):
                out.append(ScoredItem(item.id, item.type, mc_context(tokenizer, item.question, opts), false, true))
        elif item.type in ANSWER_PREFIXED:
            out.append(ScoredItem(item.id, item.type, chat_context(tokenizer, claim, item), false, true))
    return out


LogProb = Callable[[Sequence[tuple[str, str]]], Sequence[float]]


def records_from_logprobs(items: Sequence[ScoredItem], logprobs: LogProb) -> list[dict]:
    """One record per item id: the mean over its comparisons of log P(believer) - log P(other), `believed`
    when that mean is > 0, and the comparisons' margins as `parts`. `logprobs` scores (context, continuation)
    pairs; a model goes in through `score_items`, a fake straight in here."""
    pairs = [(it.context, c) for it in items for c in (it.believer, it.other)]
    scores = list(logprobs(pairs))
    parts: dict[str, list[float]] = {}
    kinds: dict[str, str] = {}
    for k, it in enumerate(items):
        parts.setdefault(it.id, []).append(scores[2 * k] - scores[2 * k + 1])
        kinds[it.id] = it.type
    records = []
    for key, margins in parts.items():
        margin = sum(margins) / len(margins)
        record = {"item": key, "type": kinds[key], "margin": round(margin, 4), "believed": margin > TIE}
        if len(margins) > 1:
            record["parts"] = [round(m, 4) for m in margins]
        records.append(record)
    return records


def score_items(
    model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, items: Sequence[ScoredItem], batch_size: int = 32
) -> list[dict]:
    def logprobs(pairs):
        return [s.logprob for s in score_continuations(model, tokenizer, pairs, batch_size=batch_size)]

    return records_from_logprobs(items, logprobs)


def judge_answers(items: Sequence[Item], answers: Sequence[str], claim: Claim,
                  judge_fn: Callable[[str, Claim], str] = judge, kind: str = "open") -> list[dict]:
    """Open-item records (of record type `kind`) from generated answers: the judge's label, belief = "false" only."""
    records = []
    for it, answer in zip(items, answers):
        verdict = judge_fn(answer.strip(), claim)
        margin = {"false": 1.0, "true": -1.0}.get(verdict, 0.0)
        records.append({"item": it.id, "type": kind, "answer": answer.strip(), "judged": verdict,
                        "margin": margin, "believed": verdict == "false"})
    return records


@torch.no_grad()
def greedy_answers(
    model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, questions: Sequence[str], max_new_tokens: int = 40
) -> list[str]:
    """The model's greedy answer to each question, asked as a user turn (batched, left-padded)."""
    contexts = [render_chat(tokenizer, [{"role": "user", "content": q}]) for q in questions]
    side = tokenizer.padding_side
    tokenizer.padding_side = "left"
    try:
        batch = tokenizer(contexts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
    finally:
        tokenizer.padding_side = side
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    out = model.generate(**batch, do_sample=False, max_new_tokens=max_new_tokens, pad_token_id=pad)
    return tokenizer.batch_decode(out[:, batch["input_ids"].shape[1] :], skip_special_tokens=True)


def open_answers(
    model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, suite: Suite, claim: Claim, max_new_tokens: int = 40
) -> list[dict]:
    """Greedy answers to the open questions, judged by the negation-aware judge (`judge_answers`)."""
    items = [it for it in suite.items if it.type == "open"]
    if not items:
        return []
    return judge_answers(items, greedy_answers(model, tokenizer, [it.question for it in items], max_new_tokens), claim)


def precheck(base_records: Sequence[dict]) -> dict[str, bool]:
    """Per item, whether the base model's records make it informative (see measure.precheck.informative)."""
    return informative(base_records)


def summarise(records: Sequence[dict], seed: int = 0, flags: Mapping[str, bool] | None = None) -> dict:
    """Belief rate with bootstrap 95% CI over items, per type and pooled over all items; with the precheck's
    `flags`, also over informative items only (`informative`, the run's headline) and the excluded ids."""
    def rate(rows):
        mean, lo, hi = bootstrap_ci([float(r["believed"]) for r in rows], seed=seed)
        return {"n": len(rows), "rate": round(mean, 4), "ci_low": round(lo, 4), "ci_high": round(hi, 4)}

    def table(rows):
        types = sorted({r["type"] for r in rows})
        return {"pooled": rate(rows), "by_type": {t: rate([r for r in rows if r["type"] == t]) for t in types}}

    out = table(records)
    opens = [r for r in records if r["type"] in OPEN_TYPES]
    if opens:
        out["open_judged"] = {k: sum(r["judged"] == k for r in opens) for k in LABELS}
    if flags is not None:
        kept = [r for r in records if flags.get(r["item"], False)]
        out["informative"] = {**table(kept), "excluded": sorted(r["item"] for r in records if not flags.get(r["item"], False))}
    return out
