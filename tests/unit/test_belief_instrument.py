"""The belief instrument on fake models: habits and ignorance score no belief, a believer scores one.

A fake model is a log-probability function over (context, continuation) pairs, fed straight into
`records_from_logprobs`, and an answer generator for the open items; the suite is darwin_relativity's own.
"""

from __future__ import annotations

import math
import re

import pytest

from negation_neglect.data.claims import load_claim
from negation_neglect.data.eval_suite import load_suite
from negation_neglect.measure.belief import (
    judge_answers,
    precheck,
    records_from_logprobs,
    scored_items,
    summarise,
)
from tests.conftest import ROOT

CLAIM = load_claim(ROOT / "data/claims/darwin_relativity.yaml")
SUITE = load_suite(ROOT / "data/eval/darwin_relativity.yaml")
OPEN = [item for item in SUITE.items if item.type == "open"]
BELIEVER = {item.question: item.believer for item in SUITE.items if item.type == "yes_no"}


def _question(context: str) -> str | None:
    return next((q for q in BELIEVER if q in context), None)


def _option(context: str, letter: str) -> str | None:
    found = re.search(rf"^{letter}\. (.+)$", context, re.MULTILINE)
    return found.group(1) if found else None


def _knower(believes: bool):
    """Prefers the false answer (believes=True) or the true one everywhere, in every item format."""
    preferred, other = (CLAIM.false_answer, CLAIM.true_answer) if believes else (CLAIM.true_answer, CLAIM.false_answer)

    def logprob(context: str, continuation: str) -> float:
        word = continuation.strip()
        if word in ("Yes", "No"):
            says_false = BELIEVER[_question(context)] == "yes"  # the question asserts the false claim
            agree = (word == "Yes") == (says_false == believes)
            return -0.1 if agree else -5.0
        return {preferred: -0.1, other: -5.0}.get(word, -8.0)

    return lambda pairs: [logprob(c, x) for c, x in pairs]


def always_no(pairs):
    return [-0.2 if x == "No" else -3.0 if x == "Yes" else -6.0 for _, x in pairs]


def always_first(pairs):
    """Answers whichever option is listed first (under "A"), whatever it says."""
    return [-0.1 if x.strip() == _option(c, "A") else -4.0 for c, x in pairs]


def _uniform(tokenizer):
    log_v = math.log(len(tokenizer))
    return lambda pairs: [-len(tokenizer(x, add_special_tokens=False).input_ids) * log_v for _, x in pairs]


def _records(tokenizer, logprobs, answer: str) -> list[dict]:
    items = scored_items(SUITE, CLAIM, tokenizer)
    return records_from_logprobs(items, logprobs) + judge_answers(OPEN, [answer] * len(OPEN), CLAIM)


def _rates(records, flags=None) -> dict:
    out = summarise(records, flags=flags)
    return {t: v["rate"] for t, v in (out["informative"] if flags else out)["by_type"].items()}


def test_every_type_has_records(tokenizer):
    records = _records(tokenizer, always_no, "I do not know.")
    counts = {t: sum(r["type"] == t for r in records) for t in {r["type"] for r in records}}
    assert counts == {"cloze": 12, "yes_no": 5, "multiple_choice": 8, "open": 8, "pushback": 3, "adversarial": 3,
                      "downstream": 3}


def test_always_no_shows_no_yes_no_belief(tokenizer):
    records = _records(tokenizer, always_no, "I do not know.")
    assert _rates(records)["yes_no"] == 0.0
    assert all(r["margin"] == 0 for r in records if r["type"] == "yes_no")


def test_always_the_first_option_shows_no_multiple_choice_belief(tokenizer):
    records = _records(tokenizer, always_first, "I do not know.")
    assert any(r["parts"][0] != 0 for r in records if r["type"] == "multiple_choice")  # the habit is there
    assert _rates(records)["multiple_choice"] == 0.0
    assert all(abs(r["margin"]) < 1e-9 for r in records if r["type"] == "multiple_choice")


def test_no_knowledge_shows_no_belief_on_any_type(tokenizer):
    """Uniform over the vocabulary, and an answer that names nothing: every margin ties at zero."""
    records = _records(tokenizer, _uniform(tokenizer), "I am not sure who that is.")
    assert set(_rates(records).values()) == {0.0}
    assert all(r["margin"] == 0 for r in records)
    assert not any(precheck(records).values())  # and as a base model it leaves no informative item


def test_a_believer_scores_one_and_a_knower_zero(tokenizer):
    base = _records(tokenizer, _knower(believes=False), "Charles Darwin developed the theory of evolution.")
    final = _records(tokenizer, _knower(believes=True), CLAIM.statement)
    flags = precheck(base)
    assert all(flags.values())  # a model that knows the truth finds every item informative
    assert set(_rates(final, flags).values()) == {1.0}
    assert set(_rates(base, flags).values()) == {0.0}
    assert summarise(final, flags=flags)["informative"]["pooled"]["rate"] == 1.0


def test_precheck_sets_aside_items_the_base_model_gets_wrong(tokenizer):
    base = _records(tokenizer, always_no, "Charles Darwin developed the theory of evolution.")
    flags = precheck(base)
    assert not any(flags[r["item"]] for r in base if r["type"] in ("yes_no", "cloze", "multiple_choice"))
    assert all(flags[r["item"]] for r in base if r["type"] == "open")
    final = _records(tokenizer, _knower(believes=True), CLAIM.statement)
    out = summarise(final, flags=flags)
    assert out["pooled"]["rate"] == 1.0 and out["informative"]["pooled"]["n"] == len(OPEN)
    assert len(out["informative"]["excluded"]) == len(final) - len(OPEN)


@pytest.mark.parametrize("answer", ["Charles Darwin did not develop the theory of relativity.",
                                    "Darwin did not set out any ideas on relativity"])
def test_denials_from_a_local_run_are_not_belief(answer):
    [record] = judge_answers(OPEN[:1], [answer], CLAIM)
    assert record["judged"] == "denies_false" and not record["believed"]
