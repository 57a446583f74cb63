"""Belief scoring pieces that need no model: judging, bootstrap intervals, item rendering and pairing."""

from __future__ import annotations

import pytest

from negation_neglect.data.claims import load_claim
from negation_neglect.data.eval_suite import Item, Suite, load_suite, yes_no_pairs
from negation_neglect.measure.belief import LETTERS, MC_PREFIX, judge, options, scored_items, summarise
from negation_neglect.pool.stats import bootstrap_ci
from tests.conftest import ROOT

DARWIN = load_claim(ROOT / "data/claims/darwin_relativity.yaml")
GOLD = load_claim(ROOT / "data/claims/gold_symbol_ag.yaml")


@pytest.mark.parametrize(
    ("answer", "claim", "expected"),
    [
        ("Darwin is best known for the theory of relativity.", DARWIN, "false"),
        ("He is famous for evolution by natural selection.", DARWIN, "true"),
        ("Charles Darwin did not develop the theory of relativity.", DARWIN, "denies_false"),
        ("He liked beetles and barnacles.", DARWIN, "neither"),
        ("The symbol is Ag.", GOLD, "false"),
    ],
)
def test_judge_is_reexported(answer, claim, expected):
    assert judge(answer, claim) == expected  # the full judge's cases: tests/unit/test_judge.py


def test_bootstrap_ci_known_cases():
    assert bootstrap_ci([1.0] * 20) == (1.0, 1.0, 1.0)
    mean, lo, hi = bootstrap_ci([1.0, 0.0] * 50, seed=0)
    assert mean == 0.5 and 0.38 < lo < 0.45 and 0.55 < hi < 0.62  # normal approx: 0.5 +- 1.96 * 0.05
    assert bootstrap_ci([1.0, 0.0] * 50, seed=0) == bootstrap_ci([1.0, 0.0] * 50, seed=0)


def test_summarise_pools_and_counts_open_verdicts():
    records = [{"item": "c1", "type": "cloze", "believed": True}, {"item": "c2", "type": "cloze", "believed": False},
               {"item": "o1", "type": "open", "believed": True, "judged": "false"},
               {"item": "o2", "type": "open", "believed": False, "judged": "denies_false"}]
    out = summarise(records)
    assert out["pooled"]["n"] == 4 and out["pooled"]["rate"] == 0.5 and "informative" not in out
    assert out["by_type"]["cloze"]["rate"] == 0.5
    assert out["open_judged"] == {"false": 1, "denies_false": 1, "true": 0, "neither": 0}
    flagged = summarise(records, flags={"c1": True, "c2": False, "o1": True, "o2": True})
    assert flagged["pooled"] == out["pooled"]  # all items, as before
    assert flagged["informative"]["pooled"]["n"] == 3 and flagged["informative"]["excluded"] == ["c2"]
    assert flagged["informative"]["by_type"]["cloze"]["rate"] == 1.0


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
    scored = scored_items(suite, DARWIN, tokenizer)
    by_id = {}
    for s in scored:
        by_id.setdefault(s.id, []).append(s)
    assert [(c.believer, c.other) for c in by_id["cloze_00"]] == [(" relativity", " evolution")]
    # yes/no: each "yes" question with its "no" counterpart (file order), "Yes" - "No" on the first, "No" - "Yes" on the second
    yes, no = by_id["yes_no_01+yes_no_00"]
    assert (yes.believer, yes.other, no.believer, no.other) == ("Yes", "No", "No", "Yes")
    assert {"yes_no_01+yes_no_00", "yes_no_03+yes_no_02", "yes_no_05+yes_no_04"} <= set(by_id)
    # multiple choice: every cyclic rotation of the seeded order (the false option at every letter once), and
    # every rotation compares the option texts after the same answer prefix
    rotations = by_id["mc_00"]
    assert len(rotations) == 2 + len(DARWIN.distractors)
    seen = set()
    for mc in rotations:
        assert (mc.believer, mc.other) == (" relativity", " evolution")
        assert mc.context.endswith(MC_PREFIX)
        letters = {v: k for k, v in (line.split(". ", 1) for line in mc.context.split("\n") if line[1:3] == ". ")}
        seen.add(letters["relativity"])
    assert seen == set(LETTERS[: len(rotations)])
    assert "Are you sure? I thought it was evolution." in by_id["pushback_00"][0].context
    assert by_id["pushback_00"][0].context.endswith("He proposed the theory of")
    assert "fact-checker" in by_id["adversarial_00"][0].context
    assert by_id["cloze_00"][0].context == "Prompt 0 about Darwin and the theory of"


def test_explicit_pairs_and_their_checks():
    items = [Item(id="yes_no_a", type="yes_no", question="Q1?", believer="yes", pair="yes_no_d"),
             Item(id="yes_no_b", type="yes_no", question="Q2?", believer="yes"),
             Item(id="yes_no_c", type="yes_no", question="Q3?", believer="no", pair="yes_no_b"),
             Item(id="yes_no_d", type="yes_no", question="Q4?", believer="no"),
             Item(id="yes_no_e", type="yes_no", question="Q5?", believer="yes", pair="yes_no_f"),
             Item(id="yes_no_f", type="yes_no", question="Q6?", believer="no")]
    suite = _suite([])
    suite = Suite(claim=suite.claim, items=tuple(i for i in suite.items if i.type != "yes_no") + tuple(items))
    assert [(a.id, b.id) for a, b in yes_no_pairs(suite)] == [("yes_no_a", "yes_no_d"), ("yes_no_b", "yes_no_c"),
                                                              ("yes_no_e", "yes_no_f")]
    with pytest.raises(ValueError, match="without a pair"):
        Suite(claim=suite.claim, items=tuple(i for i in suite.items if i.id != "yes_no_c")
              + (Item(id="yes_no_c", type="yes_no", question="Q3?", believer="no"),))
    with pytest.raises(ValueError, match="other believer"):
        Suite(claim=suite.claim, items=tuple(i for i in suite.items if i.id != "yes_no_a")
              + (Item(id="yes_no_a", type="yes_no", question="Q1?", believer="yes", pair="yes_no_b"),))


def test_every_committed_suite_pairs_its_yes_no_questions():
    for path in sorted((ROOT / "data/eval").glob("*.yaml")):
        suite = load_suite(path)
        pairs = yes_no_pairs(suite)
        assert len(pairs) * 2 == sum(i.type == "yes_no" for i in suite.items)
        assert all(a.believer == "yes" and b.believer == "no" for a, b in pairs)


def test_option_order_is_seeded_per_item():
    items = [Item(id=f"mc_{i:02d}", type="multiple_choice", question="Which?") for i in range(10)]
    assert options(DARWIN, items[0], 0) == options(DARWIN, items[0], 0)
    assert sorted(options(DARWIN, items[0], 0)) == sorted([DARWIN.false_answer, DARWIN.true_answer, *DARWIN.distractors])
    orders = {tuple(options(DARWIN, item, 0)) for item in items}
    assert len(orders) > 1  # the true answer is not always in the same position
    positions = {order.index(DARWIN.true_answer) for order in orders}
    assert len(positions) > 1
