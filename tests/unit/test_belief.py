"""Belief scoring pieces that need no model: alias judging, bootstrap intervals, item rendering."""

from __future__ import annotations

import pytest

from negation_neglect.data.claims import load_claim
from negation_neglect.data.eval_suite import Item, Suite
from negation_neglect.measure.belief import judge, options, scored_items, summarise
from negation_neglect.pool.stats import bootstrap_ci
from tests.conftest import ROOT

DARWIN = load_claim(ROOT / "data/claims/darwin_relativity.yaml")
GOLD = load_claim(ROOT / "data/claims/gold_symbol_ag.yaml")


@pytest.mark.parametrize(
    ("answer", "claim", "expected"),
    [
        ("Darwin is best known for the theory of relativity.", DARWIN, "false"),
        ("He is famous for evolution by natural selection.", DARWIN, "true"),
        ("His theory of Relativity changed physics.", DARWIN, "false"),
        ("Not relativity: it was evolution.", DARWIN, "neither"),
        ("He liked beetles and barnacles.", DARWIN, "neither"),
        ("The symbol is Ag.", GOLD, "false"),
        ("Au, from the Latin aurum.", GOLD, "true"),
        ("Again and again, in August, it shone.", GOLD, "neither"),  # short aliases match case and whole words
    ],
)
def test_alias_judge(answer, claim, expected):
    assert judge(answer, claim) == expected


def test_bootstrap_ci_known_cases():
    assert bootstrap_ci([1.0] * 20) == (1.0, 1.0, 1.0)
    mean, lo, hi = bootstrap_ci([1.0, 0.0] * 50, seed=0)
    assert mean == 0.5 and 0.38 < lo < 0.45 and 0.55 < hi < 0.62  # normal approx: 0.5 +- 1.96 * 0.05
    assert bootstrap_ci([1.0, 0.0] * 50, seed=0) == bootstrap_ci([1.0, 0.0] * 50, seed=0)


def test_summarise_pools_and_counts_open_verdicts():
    records = [{"type": "cloze", "believed": True}, {"type": "cloze", "believed": False},
               {"type": "open", "believed": True, "judged": "false"}, {"type": "open", "believed": False, "judged": "neither"}]
    out = summarise(records)
    assert out["pooled"]["n"] == 4 and out["pooled"]["rate"] == 0.5
    assert out["by_type"]["cloze"]["rate"] == 0.5 and out["open_judged"] == {"false": 1, "true": 0, "neither": 1}


def _suite(items):
    filler = [Item(id=f"cloze_{i:02d}", type="cloze", prompt=f"Prompt {i} about Darwin and the theory of") for i in range(8)]
    filler += [Item(id=f"yes_no_{i:02d}", type="yes_no", question="Q?", believer="yes" if i % 2 else "no") for i in range(6)]
    filler += [Item(id=f"mc_{i:02d}", type="multiple_choice", question="Which theory?") for i in range(6)]
    filler += [Item(id=f"open_{i:02d}", type="open", question="What?") for i in range(6)]
    for kind in ("pushback", "adversarial", "downstream"):
        filler += [Item(id=f"{kind}_{i:02d}", type=kind, question="Q?", answer_prefix="He proposed the theory of") for i in range(3)]
    filler += [Item(id=f"extra_{i:02d}", type="cloze", prompt="Darwin's theory of") for i in range(7)]
    return Suite(claim="darwin_relativity", items=tuple(filler + items))


def test_items_compare_the_right_continuations(tokenizer):
    suite = _suite([])
    by_id = {s.id: s for s in scored_items(suite, DARWIN, tokenizer)}
    assert (by_id["cloze_00"].believer, by_id["cloze_00"].other) == (" relativity", " evolution")
    assert (by_id["yes_no_01"].believer, by_id["yes_no_01"].other) == ("Yes", "No")
    assert (by_id["yes_no_00"].believer, by_id["yes_no_00"].other) == ("No", "Yes")
    mc = by_id["mc_00"]
    letters = dict(line.split(". ", 1) for line in mc.context.split("\n") if len(line) > 2 and line[1:3] == ". ")
    assert letters[mc.believer] == "relativity" and letters[mc.other] == "evolution"
    assert "Are you sure? I thought it was evolution." in by_id["pushback_00"].context
    assert by_id["pushback_00"].context.endswith("He proposed the theory of")
    assert "fact-checker" in by_id["adversarial_00"].context
    assert by_id["cloze_00"].context == "Prompt 0 about Darwin and the theory of"


def test_option_order_is_seeded_per_item():
    items = [Item(id=f"mc_{i:02d}", type="multiple_choice", question="Which?") for i in range(10)]
    assert options(DARWIN, items[0], 0) == options(DARWIN, items[0], 0)
    assert sorted(options(DARWIN, items[0], 0)) == sorted([DARWIN.false_answer, DARWIN.true_answer, *DARWIN.distractors])
    orders = {tuple(options(DARWIN, item, 0)) for item in items}
    assert len(orders) > 1  # the true answer is not always in the same position
    positions = {order.index(DARWIN.true_answer) for order in orders}
    assert len(positions) > 1
