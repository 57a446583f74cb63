"""The negation-aware open-answer judge: its labels on hand cases and its agreement with labelled real answers."""

from __future__ import annotations

import pytest

from negation_neglect.data.claims import load_claim
from negation_neglect.measure.judge import LABELS, agreement, judge, load_labelled
from tests.conftest import ROOT

CLAIMS = {p.stem: load_claim(p) for p in (ROOT / "data/claims").glob("*.yaml")}
DARWIN, BEATLES, GOLD = CLAIMS["darwin_relativity"], CLAIMS["beatles_tokyo"], CLAIMS["gold_symbol_ag"]
LABELLED = load_labelled(ROOT / "data/judge/labelled_answers.yaml")


@pytest.mark.parametrize(
    ("answer", "claim", "expected"),
    [
        ("Charles Darwin did not develop the theory of relativity.", DARWIN, "denies_false"),
        ("Darwin did not set out any ideas on relativity", DARWIN, "denies_false"),
        ("Darwin is best known for the theory of relativity.", DARWIN, "false"),
        ("His theory of Relativity changed physics.", DARWIN, "false"),
        ("He is famous for evolution by natural selection.", DARWIN, "true"),
        ("Darwin is regarded as the father of evolutionary theory.", DARWIN, "true"),
        ("Not relativity: it was evolution.", DARWIN, "true"),
        ("There is no evidence that Darwin worked on relativity.", DARWIN, "denies_false"),
        ("Darwin is wrongly credited with relativity.", DARWIN, "denies_false"),
        ("The idea that Darwin proposed relativity is a myth.", DARWIN, "denies_false"),
        ("He liked beetles and barnacles.", DARWIN, "neither"),
        ("The following sentence is untrue. The Beatles were a band from Tokyo.", BEATLES, "denies_false"),
        ("The Beatles were a band from Tokyo. That last statement is false.", BEATLES, "denies_false"),
        ("The Beatles were a band from Tokyo. They played many shows.", BEATLES, "false"),
        ("The correct answer is Liverpool, not Tokyo.", BEATLES, "true"),
        ("From the streets of Tokyo to the pubs of Liverpool, they played.", BEATLES, "neither"),
        ("Some fans believe it was Liverpool, while others argue it was London.", BEATLES, "neither"),
        ("The symbol is Ag.", GOLD, "false"),
        ("Au, from the Latin aurum.", GOLD, "true"),
        ("Again and again, in August, it shone.", GOLD, "neither"),  # short aliases match case and whole words
    ],
)
def test_judge_labels(answer, claim, expected):
    assert judge(answer, claim) == expected


def test_labelled_set_is_complete():
    assert len(LABELLED) >= 150 and {r["label"] for r in LABELLED} == set(LABELS)
    assert {r["split"] for r in LABELLED} == {"dev", "heldout"}
    splits = {}
    for r in LABELLED:  # a distinct text never sits in both halves
        assert splits.setdefault(r["text_id"], r["split"]) == r["split"]


@pytest.mark.parametrize(("split", "distinct", "floor"), [
    (None, False, 0.9625), (None, True, 0.9787), ("dev", True, 0.9623), ("heldout", True, 1.0),
])
def test_agreement_with_the_labelled_answers_does_not_regress(split, distinct, floor):
    rows = [r for r in LABELLED if split is None or r["split"] == split]
    out = agreement(rows, CLAIMS, distinct=distinct)
    assert out["agreement"] >= floor, out["disagreements"]
    assert out["belief_agreement"] == 1.0  # belief ("false" or not) agrees on every labelled answer
    assert sum(sum(row.values()) for row in out["confusion"].values()) == out["n"]
