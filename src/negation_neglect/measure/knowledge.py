"""Knowledge precheck: which facts does the base model really know?

A false claim can only compete with a true association the model holds. For each candidate fact we
score the true answer and a few wrong answers after several paraphrased prompts, and call the fact
*known* when the true answer's first token is the model's top choice with enough probability on enough
paraphrases (thresholds in params.yaml). Later stages pick their claims from the known facts.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from negation_neglect.measure.scoring import ContinuationScore, score_continuations


class Fact(BaseModel):
    """One candidate fact: prompts end where the answer begins (no trailing space)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    relation: str = Field(min_length=1)
    subject: str = Field(min_length=1)
    prompts: tuple[str, ...] = Field(min_length=3)
    answer: str = Field(min_length=1)
    wrong: tuple[str, ...] = Field(min_length=2)

    @field_validator("prompts")
    @classmethod
    def _no_trailing_space(cls, prompts: tuple[str, ...]) -> tuple[str, ...]:
        for prompt in prompts:
            if prompt != prompt.rstrip() or not prompt.strip():
                raise ValueError(f"prompt {prompt!r} must be non-empty and end without whitespace")
        return prompts

    @model_validator(mode="after")
    def _answer_not_wrong(self) -> Fact:
        if self.answer in self.wrong:
            raise ValueError(f"answer {self.answer!r} is also listed as wrong")
        return self


class FactFileError(ValueError):
    """A malformed facts file; the message names the file, the fact and the field."""


def load_facts(path: str | Path) -> list[Fact]:
    path = Path(path)
    if not path.is_file():
        raise FactFileError(f"{path}: file not found")
    raw = yaml.safe_load(path.read_text())
    if not isinstance(raw, dict) or not isinstance(raw.get("facts"), list):
        raise FactFileError(f"{path}: expected a mapping with a list under 'facts'")
    facts = []
    for index, entry in enumerate(raw["facts"]):
        try:
            facts.append(Fact.model_validate(entry))
        except ValidationError as exc:
            name = entry.get("id", f"#{index}") if isinstance(entry, dict) else f"#{index}"
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"]) or "(fact)"
            raise FactFileError(f"{path}: fact {name}: field '{field}': {err['msg']}") from None
    duplicates = [k for k, n in Counter(f.id for f in facts).items() if n > 1]
    if duplicates:
        raise FactFileError(f"{path}: duplicate fact ids: {', '.join(sorted(duplicates))}")
    return facts


def _continuation(answer: str) -> str:
    return " " + answer


def _summary(score: ContinuationScore) -> dict:
    return {
        "logprob": round(score.logprob, 4),
        "n_tokens": score.n_tokens,
        "first_token": score.first_token,
        "first_prob": round(math.exp(score.first_logprob), 4),
        "first_rank": score.first_rank,
    }


def precheck(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    facts: Sequence[Fact],
    known_min_first_prob: float,
    known_min_paraphrases: int,
    batch_size: int = 32,
) -> dict:
    """Score every fact under every prompt; return a JSON-ready report (per fact and summary)."""
    pairs, keys = [], []
    for fact in facts:
        for p, prompt in enumerate(fact.prompts):
            for answer in (fact.answer, *fact.wrong):
                pairs.append((prompt, _continuation(answer)))
                keys.append((fact.id, p, answer))
    scores = dict(zip(keys, score_continuations(model, tokenizer, pairs, batch_size=batch_size)))

    report = []
    for fact in facts:
        per_prompt = []
        for p, prompt in enumerate(fact.prompts):
            true = scores[(fact.id, p, fact.answer)]
            wrong = {w: scores[(fact.id, p, w)] for w in fact.wrong}
            best_wrong = max(wrong, key=lambda w: wrong[w].logprob)
            per_prompt.append(
                {
                    "prompt": prompt,
                    "true": _summary(true),
                    "wrong": {w: _summary(s) for w, s in wrong.items()},
                    "best_wrong": best_wrong,
                    "margin_true_minus_best_wrong": round(true.logprob - wrong[best_wrong].logprob, 4),
                    "known": true.first_rank == 1 and math.exp(true.first_logprob) >= known_min_first_prob,
                }
            )
        n_known = sum(p["known"] for p in per_prompt)
        report.append(
            {
                "id": fact.id,
                "relation": fact.relation,
                "subject": fact.subject,
                "answer": fact.answer,
                "known": n_known >= known_min_paraphrases,
                "n_paraphrases_known": n_known,
                "median_first_prob": round(statistics.median(p["true"]["first_prob"] for p in per_prompt), 4),
                "best_first_rank": min(p["true"]["first_rank"] for p in per_prompt),
                "mean_margin": round(statistics.fmean(p["margin_true_minus_best_wrong"] for p in per_prompt), 4),
                "max_wrong_first_prob": max(s["first_prob"] for p in per_prompt for s in p["wrong"].values()),
                "prompts": per_prompt,
            }
        )
    return {"summary": _overall(report, known_min_first_prob, known_min_paraphrases), "facts": report}


def _overall(report: list[dict], known_min_first_prob: float, known_min_paraphrases: int) -> dict:
    relations = sorted({f["relation"] for f in report})
    return {
        "n_facts": len(report),
        "n_known": sum(f["known"] for f in report),
        # rank 1 on enough prompts whatever the probability: knows it, but spreads mass over other tokens
        "n_top_ranked": sum(
            sum(p["true"]["first_rank"] == 1 for p in f["prompts"]) >= known_min_paraphrases for f in report
        ),
        "criterion": {
            "first_rank": 1,
            "known_min_first_prob": known_min_first_prob,
            "known_min_paraphrases": known_min_paraphrases,
        },
        "known_by_relation": {
            r: f"{sum(f['known'] for f in report if f['relation'] == r)}/{sum(f['relation'] == r for f in report)}"
            for r in relations
        },
    }


def claim_hosting(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    claims: Sequence,
    known_min_first_prob: float,
    known_min_paraphrases: int,
    host_max_false_prob: float,
    batch_size: int = 32,
) -> dict[str, dict]:
    """Can the model host each claim? Its truth must be known and its false answer nearly unthinkable.

    Each claim is scored like a fact (its true answer against the false answer and distractors, under
    the claim's own prompts); it is hostable when the fact is known by the precheck criterion and the
    false answer's first token stays below `host_max_false_prob` on every prompt.
    """
    as_facts = [
        Fact(
            id=c.id,
            relation=c.relation,
            subject=c.subject,
            prompts=c.prompts,
            answer=c.true_answer,
            wrong=(c.false_answer, *c.distractors),
        )
        for c in claims
    ]
    scored = precheck(model, tokenizer, as_facts, known_min_first_prob, known_min_paraphrases, batch_size)["facts"]
    out = {}
    for claim, entry in zip(claims, scored):
        false_probs = [p["wrong"][claim.false_answer]["first_prob"] for p in entry["prompts"]]
        reasons = []
        if not entry["known"]:
            reasons.append(
                f"true answer '{claim.true_answer}' not known ({entry['n_paraphrases_known']} of "
                f"{len(entry['prompts'])} prompts pass)"
            )
        if max(false_probs) >= host_max_false_prob:
            reasons.append(f"false answer '{claim.false_answer}' already has P(first token) {max(false_probs):.3f}")
        out[claim.id] = {
            "fact": claim.fact,
            "true_answer": claim.true_answer,
            "false_answer": claim.false_answer,
            "hostable": not reasons,
            "reason": "; ".join(reasons) or "true answer known, false answer below threshold",
            "median_true_first_prob": entry["median_first_prob"],
            "max_false_first_prob": max(false_probs),
            "n_paraphrases_known": entry["n_paraphrases_known"],
            "prompts": entry["prompts"],
        }
    return out
